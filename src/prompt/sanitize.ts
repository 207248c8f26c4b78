/**
 * Cleans GitHub text before it goes into an agent's prompt. Whoever can open an issue can write text that a
 * human reviewer never sees on github.com but an agent would read: HTML comments, zero-width and bidi characters,
 * Unicode tag characters, image alt text, link titles, markdown "comment" link definitions. All of that is removed,
 * so the prompt holds what the page shows. (This is hygiene, not a defence on its own: the prompt still quotes the
 * text as untrusted data.)
 */
import { isInvisible } from '../redact.js';

/** Removes zero-width, bidi, tag and control characters (tab and newline stay). */
export function stripInvisible(text: string): string {
  let out = '';
  for (const char of text) {
    if (!isInvisible(char.codePointAt(0) ?? 0)) out += char;
  }
  return out;
}

/** `<!-- … -->`, and an unclosed `<!--` up to the end (GitHub hides that too). */
function stripHtmlComments(text: string): string {
  let out = '';
  let at = 0;
  for (let open = text.indexOf('<!--'); open !== -1; open = text.indexOf('<!--', at)) {
    out += text.slice(at, open);
    const close = text.indexOf('-->', open + 4);
    at = close === -1 ? text.length : close + 3;
  }
  return out + text.slice(at);
}

/** Elements whose content GitHub does not render at all. */
const HIDDEN_ELEMENTS = ['script', 'style', 'template', 'noscript'] as const;
const HIDDEN_OPEN = /<(script|style|template|noscript)\b[^>]*>/gi;

/**
 * `<script>…</script>` and its kin, removed whole; an element never closed stays. One pass over the opening tags
 * and one over each element's closing tags, so a text of ten thousand unclosed `<script>` costs what reading it does.
 */
function stripHiddenElements(text: string): string {
  if (!text.includes('<')) return text;
  const closes = new Map<string, (readonly [start: number, end: number])[]>();
  for (const name of HIDDEN_ELEMENTS) {
    const found = text.matchAll(new RegExp(`</${name}[ \\t\\n]*>`, 'gi'));
    closes.set(
      name,
      [...found].map((m) => [m.index, m.index + m[0].length] as const),
    );
  }
  const next = new Map<string, number>();
  let out = '';
  let at = 0;
  for (const m of text.matchAll(HIDDEN_OPEN)) {
    if (m.index < at) continue;
    const name = (m[1] ?? '').toLowerCase();
    const ends = closes.get(name) ?? [];
    let i = next.get(name) ?? 0;
    const tagEnd = m.index + m[0].length;
    while (i < ends.length && (ends[i]?.[0] as number) < tagEnd) i++;
    next.set(name, i);
    const end = ends[i]?.[1];
    if (end === undefined) continue;
    out += text.slice(at, m.index);
    at = end;
  }
  return out + text.slice(at);
}

/** One hidden attribute inside a tag: `alt=…`, `title=…`, `aria-label=…`, `data-*=…`. */
const HIDDEN_ATTRIBUTE =
  /\s(?:alt|title|aria-label|data-[\w-]+)[ \t\n]*=[ \t\n]*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;

/**
 * `<img … alt="…" title="…">`: hidden attributes of inline HTML, removed. Each tag (`<` and a letter, up to its
 * `>`) is read once; a `<` never closed by a `>` is no tag.
 */
function stripHiddenAttributes(text: string): string {
  let out = '';
  let at = 0;
  let from = 0;
  for (let open = text.indexOf('<', from); open !== -1; open = text.indexOf('<', from)) {
    from = open + 1;
    if (!/[a-z]/i.test(text[open + 1] ?? '')) continue;
    const close = text.indexOf('>', open);
    if (close === -1) break;
    out += text.slice(at, open) + text.slice(open, close).replace(HIDDEN_ATTRIBUTE, '');
    at = close;
    from = close + 1;
  }
  return out + text.slice(at);
}

/**
 * `![alt](url)` and `![alt][ref]` become `![image]…`: the alt text is never shown when the image loads. The alt
 * ends at the first `]` not escaped by a backslash; the text is walked once.
 */
function stripImageAlt(text: string): string {
  let out = '';
  let at = 0;
  let from = 0;
  for (let open = text.indexOf('![', from); open !== -1; open = text.indexOf('![', from)) {
    let close = open + 2;
    while (close < text.length && text[close] !== ']') close += text[close] === '\\' ? 2 : 1;
    if (close >= text.length) break;
    const after = text[close + 1];
    if (after === '(' || after === '[') {
      out += `${text.slice(at, open)}![image]`;
      at = close + 1;
    }
    // A `![` inside this alt ends at the same `]`: the search goes on after it.
    from = close + 1;
  }
  return out + text.slice(at);
}

/**
 * `[text](url "title")`: the title only shows on hover. The destination is required and holds no space, so the
 * spaces before and after it are told apart without backtracking; a title in parentheses holds none.
 */
const LINK_TITLE =
  /(\]\([ \t\n]*(?:<[^\s()<>]*>|[^\s()<>]+))[ \t\n]+(?:"[^"]*"|'[^']*'|\([^()]*\))[ \t\n]*\)/g;

const LINK_LABEL = /^ {0,3}\[[^\]]+\]:/;
const LINK_TITLE_ONLY = /^(?:"[^"]*"|'[^']*'|\([^)]*\))$/;

/**
 * A link reference definition, which renders as nothing: `[//]: # (hidden)`, `[comment]: <> (hidden)`,
 * `[ref]: https://x "title"`. Definitions with a title or a dummy target are dropped whole; others lose nothing.
 * Read a line at a time, each line once.
 */
function isHiddenLinkDefinition(line: string): boolean {
  const label = LINK_LABEL.exec(line);
  if (label === null) return false;
  const rest = line.slice(label[0].length).trim();
  let target: string;
  let after: string;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close === -1) return false;
    target = rest.slice(0, close + 1);
    after = rest.slice(close + 1);
  } else {
    const space = rest.search(/\s/);
    target = space === -1 ? rest : rest.slice(0, space);
    after = space === -1 ? '' : rest.slice(space);
  }
  after = after.trim();
  if (after !== '') return LINK_TITLE_ONLY.test(after);
  return target === '' || target === '#' || target === '<>';
}

/** Each line without its trailing spaces and tabs; lines that are hidden link definitions dropped. */
function cleanLines(text: string): string {
  return text
    .split('\n')
    .map((line) => (isHiddenLinkDefinition(line) ? '' : trimEndSpaces(line)))
    .join('\n');
}

function trimEndSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}

/**
 * Removes hidden and invisible content from GitHub text (see the module comment), normalises line endings, trims
 * trailing spaces and collapses runs of blank lines to one. Visible text is kept as written. Linear in the text's
 * length: every step is a single pass or a pattern without nested or overlapping repetition.
 */
export function sanitizeGitHubText(text: string): string {
  let out = text.replace(/\r\n?/g, '\n');
  out = stripHiddenElements(stripHtmlComments(out));
  out = stripInvisible(out);
  out = stripHiddenAttributes(out);
  out = stripImageAlt(out).replace(LINK_TITLE, '$1)');
  return cleanLines(out)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A one-line form of GitHub text (titles, names): sanitised, with every run of whitespace turned into a space. */
export function sanitizeOneLine(text: string): string {
  return sanitizeGitHubText(text).replace(/\s+/g, ' ').trim();
}

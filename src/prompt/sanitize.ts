/**
 * Cleans GitHub text before it goes into an agent's prompt. Whoever can open an issue can write text that a
 * human reviewer never sees on github.com but an agent would read: HTML comments, zero-width and bidi characters,
 * Unicode tag characters, image alt text, link titles, markdown "comment" link definitions. All of that is removed,
 * so the prompt holds what the page shows. (This is hygiene, not a defence on its own: the prompt still quotes the
 * text as untrusted data.)
 */

/** Code points that render as nothing (or reorder what is shown), as inclusive ranges. */
const INVISIBLE_RANGES: readonly (readonly [number, number])[] = [
  // C0 controls except tab (09) and newline (0A); DEL and the C1 controls.
  [0x00, 0x08],
  [0x0b, 0x1f],
  [0x7f, 0x9f],
  // Soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul fillers, Khmer and Mongolian invisibles.
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  // Zero-width space, non-joiner, joiner, left-to-right and right-to-left marks.
  [0x200b, 0x200f],
  // Bidirectional embeddings and overrides (the "Trojan Source" characters).
  [0x202a, 0x202e],
  // Word joiner, invisible operators, bidirectional isolates, deprecated format characters.
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  // Byte order mark / zero-width no-break space, half-width Hangul filler.
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  // Tag characters (invisible copies of ASCII) and the supplementary variation selectors.
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

const isInvisible = (codePoint: number): boolean =>
  INVISIBLE_RANGES.some(([from, to]) => codePoint >= from && codePoint <= to);

/** Removes zero-width, bidi, tag and control characters (tab and newline stay). */
export function stripInvisible(text: string): string {
  let out = '';
  for (const char of text) {
    if (!isInvisible(char.codePointAt(0) ?? 0)) out += char;
  }
  return out;
}

/** `<!-- … -->`, and an unclosed `<!--` up to the end (GitHub hides that too). */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** `![alt](url)` and `![alt][ref]`: the alt text is never shown when the image loads. */
const IMAGE_ALT = /!\[((?:[^\]\\]|\\.)*)\](?=[([])/g;
/** `<img … alt="…" title="…">`: hidden attributes of inline HTML. */
const HTML_HIDDEN_ATTRIBUTE =
  /(<[a-z][^>]*?)\s(?:alt|title|aria-label|data-[\w-]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;
/** Elements whose content GitHub does not render at all. */
const HIDDEN_ELEMENT = /<(script|style|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/** `[text](url "title")`: the title only shows on hover. */
const LINK_TITLE = /(\]\(\s*<?[^\s()<>]*>?)\s+(?:"[^"]*"|'[^']*'|\([^)]*\))\s*\)/g;
/**
 * A link reference definition, which renders as nothing: `[//]: # (hidden)`, `[comment]: <> (hidden)`,
 * `[ref]: https://x "title"`. Definitions with a title or a dummy target are dropped whole; others lose nothing.
 */
const LINK_DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*(<[^>]*>|\S*)[ \t]*("[^"]*"|'[^']*'|\([^)]*\))?[ \t]*$/gm;

function stripLinkDefinitions(text: string): string {
  return text.replace(LINK_DEFINITION, (line, target: string, title: string | undefined) =>
    title !== undefined || target === '' || target === '#' || target === '<>' ? '' : line,
  );
}

/** Applies `pattern` until nothing changes (one tag can hold several hidden attributes). */
function replaceAll(text: string, pattern: RegExp, replacement: string): string {
  let previous: string;
  let current = text;
  do {
    previous = current;
    current = current.replace(pattern, replacement);
  } while (current !== previous);
  return current;
}

/**
 * Removes hidden and invisible content from GitHub text (see the module comment), normalises line endings, trims
 * trailing spaces and collapses runs of blank lines to one. Visible text is kept as written.
 */
export function sanitizeGitHubText(text: string): string {
  let out = text.replace(/\r\n?/g, '\n');
  out = out.replace(HTML_COMMENT, '').replace(HIDDEN_ELEMENT, '');
  out = stripInvisible(out);
  out = replaceAll(out, HTML_HIDDEN_ATTRIBUTE, '$1');
  out = out.replace(IMAGE_ALT, '![image]').replace(LINK_TITLE, '$1)');
  out = stripLinkDefinitions(out);
  return out
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A one-line form of GitHub text (titles, names): sanitised, with every run of whitespace turned into a space. */
export function sanitizeOneLine(text: string): string {
  return sanitizeGitHubText(text).replace(/\s+/g, ' ').trim();
}

/** Small markdown helpers shared by the comment renderers. All pure. */

/** GitHub refuses comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** `` `text` ``, with a longer backtick run (and padding) when the text holds backticks; newlines become spaces. */
export function inlineCode(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** Each line break, with the white space around it, turned into one space; one pass (no backtracking over spaces). */
function oneLine(text: string): string {
  if (!text.includes('\n')) return text;
  const lines = text.split('\n');
  const first = (lines[0] ?? '').trimEnd();
  const last = (lines.at(-1) ?? '').trimStart();
  const middle = lines
    .slice(1, -1)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return [first, ...middle, last].join(' ');
}

/** A fenced code block the text cannot close (the fence is longer than any backtick run inside). */
export function codeBlock(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** A collapsible section; `open` shows it expanded. The blank lines let GitHub render markdown inside. */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Agent output is not ours to turn into notifications: `@someone` and `@org/team` get a zero-width space after the
 * `@` so GitHub shows them as text and pings nobody. Code (fenced blocks and inline spans), where GitHub never
 * pings, is left exactly as written so it can be copied; so are e-mail addresses.
 */
export function neutralizeMentions(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (m?.[1] !== undefined && m[1][0] === fence[0] && m[1].length >= fence.length) fence = undefined;
      out.push(line);
    } else if (m?.[1] !== undefined) {
      fence = m[1];
      out.push(line);
    } else {
      out.push(neutralizeLine(line));
    }
  }
  return out.join('\n');
}

const MENTION = /(^|[^\w@])@(?=[A-Za-z0-9])/g;

/**
 * One line outside code fences, mentions broken: code spans (a backtick run closed by a run of the same length, as
 * GitHub reads them) are kept as written; a backtick with no partner is plain text, and so is a mention after it.
 * The runs are found once and each length's runs paired in order, so the line is read once.
 */
function neutralizeLine(line: string): string {
  if (!line.includes('@')) return line;
  const runs = [...line.matchAll(/`+/g)].map((m) => ({ at: m.index, length: m[0].length }));
  const byLength = new Map<number, number[]>();
  runs.forEach((run, i) => {
    const same = byLength.get(run.length);
    if (same) same.push(i);
    else byLength.set(run.length, [i]);
  });
  const used = new Map<number, number>();
  let out = '';
  let at = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i] as { at: number; length: number };
    if (open.at < at) continue;
    const same = byLength.get(open.length) ?? [];
    let k = used.get(open.length) ?? 0;
    while (k < same.length && (same[k] as number) <= i) k++;
    used.set(open.length, k);
    const close = runs[same[k] ?? -1];
    if (close === undefined) continue;
    out +=
      line.slice(at, open.at).replace(MENTION, '$1@\u200B') + line.slice(open.at, close.at + close.length);
    at = close.at + close.length;
    used.set(open.length, k + 1);
  }
  return out + line.slice(at).replace(MENTION, '$1@\u200B');
}

/**
 * Agent progress text made inert for a comment: it is shown as plain text, never as a link, an
 * image, HTML or a mention (markdown punctuation is escaped, URLs and `@` are broken with an invisible joiner).
 * Tool calls need none of this: the renderer shows them as inline code.
 */
export function inertText(text: string): string {
  return text
    .replace(/`/g, "'")
    .replace(/[\\*_[\]()!<>#|~{}&]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\u2060//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\u2060.`)
    .replace(/@/g, '@\u2060');
}

/** `@login`, for users we mean to notify (the requester, whoever stopped a run). */
export const mentionUser = (login: string): string => `@${login.replace(/[^A-Za-z0-9[\]_-]/g, '')}`;

/** `45s`, `3m 12s`, `2h 5m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** `12,345` */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** One line of at most `max` characters, cut at a word boundary with `…`. */
export function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * Cuts markdown to at most `max` characters (at a line break when one is near), closes a code fence left open by
 * the cut, and appends a visible note saying how much was left out.
 */
export function truncateMarkdown(text: string, max: number, note = 'truncated'): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const newline = cut.lastIndexOf('\n');
  if (newline > max * 0.8) cut = cut.slice(0, newline);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const open = openFence(cut);
  const closed = open === undefined ? cut : `${cut}\n${open}`;
  return `${closed}\n\n_… ${note}: ${formatCount(text.length - cut.length)} more characters not shown._`;
}

/** The fence (```` ``` ```` or `~~~`) still open at the end of `text`, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (m?.[1] === undefined) continue;
    const fence = m[1];
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && (m[2] ?? '').trim() === '')
      open = undefined;
  }
  return open;
}

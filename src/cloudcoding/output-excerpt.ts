/**
 * "Latest output" for a status comment: the last few meaningful lines of a task's stdout, as a terminal would show
 * them (ANSI colours removed, a `\r`-redrawn progress line reduced to its final state, blank lines dropped).
 */

export interface ExcerptOptions {
  /** Default 8. */
  maxLines?: number;
  /** Default 600; the newest text is kept. */
  maxChars?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The last `maxLines` non-blank lines of `text`, at most `maxChars` characters (newest kept), or '' for none. */
export function latestOutputExcerpt(text: string, options: ExcerptOptions = {}): string {
  const maxLines = Math.max(1, options.maxLines ?? 8);
  const maxChars = Math.max(1, options.maxChars ?? 600);
  const lines: string[] = [];
  // Only the tail can matter: look at a bounded window so a huge buffer costs little.
  const window = text.length > maxChars * 8 + 4096 ? text.slice(-(maxChars * 8 + 4096)) : text;
  for (const rawLine of window.replace(/\r\n/g, '\n').split('\n')) {
    const redrawn =
      rawLine
        .split('\r')
        .filter((part) => part !== '')
        .at(-1) ?? '';
    const line = redrawn.replace(ANSI, '').replace(CONTROL, '').trimEnd();
    if (line.trim() !== '') lines.push(line);
  }
  let excerpt = lines.slice(-maxLines).join('\n');
  if (excerpt.length > maxChars) excerpt = `…${excerpt.slice(excerpt.length - maxChars + 1)}`;
  return excerpt;
}

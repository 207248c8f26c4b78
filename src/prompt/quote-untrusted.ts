/** Quoting and capping of untrusted text inside a prompt. */

/**
 * Wraps `text` in a markdown code fence that the text cannot close: the fence is one backtick longer than the
 * longest run of backticks in the text (at least three), so everything up to the matching fence stays data.
 * `label` goes on the opening fence as its info string (`untrusted-issue-body`).
 */
export function fenceUntrusted(text: string, label: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${label}\n${text}\n${fence}`;
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
const formatCount = (n: number): string => n.toLocaleString('en-US');

/**
 * Caps `text` at `max` characters, keeping its start (`keep: 'start'`, for bodies) or its end (`'end'`, for a diff
 * hunk, whose last line is the one commented on), and says how much was cut in a visible note.
 */
export function capText(text: string, max: number, keep: 'start' | 'end' = 'start'): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair (an emoji) in two.
  let at = keep === 'start' ? max : text.length - max;
  if (isLowSurrogate(text.charCodeAt(at))) at += keep === 'start' ? -1 : 1;
  const kept = keep === 'start' ? text.slice(0, at) : text.slice(at);
  const note = `[… ${formatCount(text.length - kept.length)} characters cut …]`;
  return keep === 'start' ? `${kept}\n${note}` : `${note}\n${kept}`;
}

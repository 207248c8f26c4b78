/**
 * Finds the command line in a comment body: the first line that starts with the trigger word, outside fenced code
 * blocks, quotes (`> /codecloud …` quotes an earlier command) and HTML comments (issue templates hide text there).
 */

/** The command word when `.github/codecloud.yml` sets no `trigger`. */
export const DEFAULT_TRIGGER = '/codecloud';

export interface CommandLine {
  /** What follows the trigger word on its line, trimmed: options, subcommand and instruction. */
  rest: string;
  /**
   * The lines after the command line, up to the next command line (or the end): the instruction may go on there.
   * Trailing blank lines and trailing spaces are dropped; the lines are otherwise as written.
   */
  continuation: string;
  /** The command line as written (trimmed), for replies that quote it. */
  line: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}>/;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The body's lines with a flag saying whether each could hold a command (outside fences, quotes and comments). */
function classifyLines(body: string): { text: string; eligible: boolean }[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const out: { text: string; eligible: boolean }[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (const text of lines) {
    if (fence !== undefined) {
      const close = FENCE.exec(text);
      if (close?.[1] !== undefined && close[1][0] === fence[0] && close[1].length >= fence.length) {
        if (text.trim() === close[1]) fence = undefined;
      }
      out.push({ text, eligible: false });
      continue;
    }
    if (inComment) {
      if (text.includes('-->')) inComment = false;
      out.push({ text, eligible: false });
      continue;
    }
    const open = FENCE.exec(text);
    if (open?.[1] !== undefined) {
      fence = open[1];
      out.push({ text, eligible: false });
      continue;
    }
    const commentStart = text.lastIndexOf('<!--');
    if (commentStart !== -1 && !text.slice(commentStart).includes('-->')) inComment = true;
    out.push({ text, eligible: !QUOTE.test(text) && !text.trimStart().startsWith('<!--') });
  }
  return out;
}

function commandMatcher(trigger: string): RegExp {
  // Up to three spaces of indentation (four would make a markdown code block), then the trigger as a whole word,
  // optionally followed by `:` or `,` (`/codecloud: fix this`).
  return new RegExp(`^ {0,3}${escapeRegExp(trigger.trim())}[:,]?(?=\\s|$)`, 'i');
}

/**
 * The first command line of `body` for `trigger` (case-insensitive), or `undefined` when there is none.
 * Only the first command line counts; a second one ends the first one's continuation and is otherwise ignored.
 */
export function findCommandLine(body: string, trigger: string = DEFAULT_TRIGGER): CommandLine | undefined {
  const matcher = commandMatcher(trigger);
  const lines = classifyLines(body);
  const start = lines.findIndex((l) => l.eligible && matcher.test(l.text));
  const first = lines[start];
  if (first === undefined) return undefined;
  const rest = first.text.replace(matcher, '').trim();

  const following: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.eligible && matcher.test(l.text)) break;
    following.push(l.text.trimEnd());
  }
  while (following.length > 0 && following.at(-1) === '') following.pop();
  return { rest, continuation: following.join('\n'), line: first.text.trim() };
}

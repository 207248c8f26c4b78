/**
 * "Latest output" for a status comment: the last few meaningful lines of a task's stdout, as a terminal would show
 * them (ANSI colours removed, a `\r`-redrawn progress line reduced to its final state, blank lines dropped).
 */
import type { CloudCodingRunState } from './run-recorder.js';

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

export interface TaskExcerpt {
  /** The task (undefined: a single run or untagged output). */
  name: string | undefined;
  /** The latest output lines, or the agent's latest message when the task printed nothing yet. */
  text: string;
}

/**
 * One excerpt per task that has something to show, the most recently active task last, for a status comment that
 * says what the agent is doing right now.
 */
export function latestExcerpts(state: CloudCodingRunState, options: ExcerptOptions = {}): TaskExcerpt[] {
  const excerpts: TaskExcerpt[] = [];
  for (const task of state.tasks) {
    const fromOutput = latestOutputExcerpt(task.output, options);
    const text = fromOutput !== '' ? fromOutput : latestOutputExcerpt(task.lastMessage ?? '', options);
    if (text !== '') excerpts.push({ name: task.name, text });
  }
  const latest = excerpts.findIndex((excerpt) => excerpt.name === state.latestTask);
  if (latest >= 0) excerpts.push(...excerpts.splice(latest, 1));
  return excerpts;
}

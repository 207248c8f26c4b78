/**
 * Stdout arrives in arbitrary pieces (half a line, several lines, interleaved tasks). For a live log, `LiveLines`
 * turns those pieces into whole lines per task, so parallel tasks never mix within a line; `flush()` hands out what
 * is left at the end. Pure.
 */

export interface LiveLine {
  /** The task (undefined: a single run or untagged output). */
  taskName: string | undefined;
  line: string;
}

export class LiveLines {
  readonly #partial = new Map<string | undefined, string>();
  readonly #maxLineChars: number;

  /** A line longer than `maxLineChars` (default 4 000) is handed out in pieces rather than held. */
  constructor(options: { maxLineChars?: number } = {}) {
    this.#maxLineChars = Math.max(1, options.maxLineChars ?? 4000);
  }

  /** The whole lines completed by this piece of a task's stdout (without their line ends). */
  push(taskName: string | undefined, text: string): LiveLine[] {
    const joined = (this.#partial.get(taskName) ?? '') + text;
    const parts = joined.split(/\r?\n/);
    let rest = parts.pop() ?? '';
    const lines = parts.map((line) => ({ taskName, line }));
    while (rest.length > this.#maxLineChars) {
      lines.push({ taskName, line: rest.slice(0, this.#maxLineChars) });
      rest = rest.slice(this.#maxLineChars);
    }
    if (rest === '') this.#partial.delete(taskName);
    else this.#partial.set(taskName, rest);
    return lines;
  }

  /** Unfinished lines, one per task, at the end of the stream. */
  flush(): LiveLine[] {
    const lines = [...this.#partial].map(([taskName, line]) => ({ taskName, line }));
    this.#partial.clear();
    return lines;
  }
}

/** `[api-docs] Running tests…` for parallel runs, the bare line for a single one. */
export function formatLiveLine(line: LiveLine): string {
  return line.taskName === undefined ? line.line : `[${line.taskName}] ${line.line}`;
}

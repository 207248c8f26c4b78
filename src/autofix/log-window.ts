/**
 * The part of a CI job's log that shows the failure, as a person would pick it: the lines around the first error
 * and the last lines. Fed chunk by chunk, it keeps a bounded window whatever the log's size (a few hundred lines of
 * at most `maxLineChars` each), so a log of hundreds of megabytes is read as a stream without holding it.
 */

export interface LogWindowOptions {
  /** Lines kept before the first error line. */
  before?: number;
  /** Lines kept from the first error line on (itself included). */
  after?: number;
  /** Last lines of the log kept. */
  tail?: number;
  /** A longer line is cut (with `…`); the rest of it is skipped without being kept. */
  maxLineChars?: number;
}

/** What the window holds once the log has ended (or was cut off). */
export interface LogExcerpt {
  /** The excerpt as plain text: numbered lines, `…` where lines were left out. */
  text: string;
  /** The 1-based number of the first error line, if one was found. */
  firstErrorLine: number | undefined;
  /** Lines read in all. */
  lines: number;
}

/** A line that reads like a failure: GitHub's `##[error]`, test runners' FAIL/✗, `Error:`, tracebacks, panics. */
const ERROR_LINE =
  /##\[error\]|(^|\s)(FAIL|FAILED|ERROR|✗|✕|×)(\s|:|$)|\b[A-Za-z]*(Error|Exception)\b:|\berror(\[\w+\])?:|Traceback \(most recent call last\)|\bpanic:|\bnpm ERR!/;

/** The same, anywhere in a piece of several lines (a superset: a hit there is checked line by line). */
const ERROR_ANYWHERE = new RegExp(ERROR_LINE.source, 'm');

/** GitHub's per-line timestamp (`2026-12-06T04:40:00.1234567Z `): noise in an excerpt. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;

const linesWord = (n: number): string => `${n} line${n === 1 ? '' : 's'}`;

interface NumberedLine {
  n: number;
  text: string;
}

/** A ring of the last `size` lines. */
class LastLines {
  readonly #size: number;
  #lines: NumberedLine[] = [];
  constructor(size: number) {
    this.#size = size;
  }
  push(line: NumberedLine): void {
    if (this.#size === 0) return;
    this.#lines.push(line);
    // Trimmed in batches so a push is O(1) on average.
    if (this.#lines.length > this.#size * 2) this.#lines = this.#lines.slice(-this.#size);
  }
  lines(): NumberedLine[] {
    return this.#lines.slice(-this.#size);
  }
}

export class LogWindow {
  readonly #after: number;
  /** Lines any ring keeps at most. */
  readonly #keep: number;
  readonly #maxLineChars: number;
  readonly #before: LastLines;
  readonly #tail: LastLines;
  #errorWindow: NumberedLine[] | undefined;
  #firstError: number | undefined;
  #count = 0;
  /** The current line so far (at most `maxLineChars` + 1 characters kept). */
  #partial = '';
  #partialCut = false;

  constructor(options: LogWindowOptions = {}) {
    this.#after = options.after ?? 40;
    this.#maxLineChars = options.maxLineChars ?? 400;
    const before = options.before ?? 20;
    const tail = options.tail ?? 60;
    this.#keep = Math.max(before, tail);
    this.#before = new LastLines(before);
    this.#tail = new LastLines(tail);
  }

  /** Feeds the next piece of the log (any size, lines may span pieces). */
  push(chunk: string): void {
    const first = chunk.indexOf('\n');
    if (first === -1) {
      this.#append(chunk);
      return;
    }
    this.#append(chunk.slice(0, first));
    this.#endLine();
    const last = chunk.lastIndexOf('\n');
    if (last > first) this.#lines(chunk, first + 1, last + 1);
    this.#append(chunk.slice(last + 1));
  }

  /**
   * The complete lines `chunk[from, to)`. Most of a big log is neither near its first error nor at its end: those
   * lines are only counted (no string is made of them, so reading a huge log makes little garbage); only where an
   * error may start, or the window after it is still open, is each line looked at.
   */
  #lines(chunk: string, from: number, to: number): void {
    const collecting =
      this.#firstError === undefined ? ERROR_ANYWHERE.test(chunk.slice(from, to)) : this.#collectingAfter();
    let start = from;
    if (!collecting) {
      // Only the last lines can matter (for the lines before an error, and for the end of the log).
      let keepFrom = to - 1;
      for (let kept = 0; kept < this.#keep && keepFrom > from; kept++) {
        const previous = chunk.lastIndexOf('\n', keepFrom - 1);
        keepFrom = previous < from ? from - 1 : previous;
      }
      const skipTo = Math.max(from, keepFrom + 1);
      for (let at = chunk.indexOf('\n', from); at !== -1 && at < skipTo; at = chunk.indexOf('\n', at + 1)) {
        this.#count += 1;
      }
      start = skipTo;
    }
    for (let end = chunk.indexOf('\n', start); end !== -1 && end < to; end = chunk.indexOf('\n', start)) {
      this.#append(chunk.slice(start, end));
      this.#endLine();
      start = end + 1;
    }
  }

  /**
   * Whether the next lines can be skipped unseen when none of them reads like an error: true once the window after
   * the first error is complete (only the last lines matter then), or while no error was seen (the caller checks the
   * lines for error words first). False while the lines after the first error are being kept.
   */
  canSkipLines(): boolean {
    return (
      this.#partial === '' &&
      !this.#partialCut &&
      (this.#firstError === undefined || !this.#collectingAfter())
    );
  }

  /** Counts `n` complete lines that matter to no part of the excerpt (see `canSkipLines`). */
  skipLines(n: number): void {
    this.#count += n;
  }

  /** The excerpt of everything fed so far (a last line without a newline counts). */
  finish(): LogExcerpt {
    if (this.#partial !== '' || this.#partialCut) this.#endLine();
    const picked = new Map<number, string>();
    for (const line of this.#errorWindow ?? []) picked.set(line.n, line.text);
    for (const line of this.#tail.lines()) picked.set(line.n, line.text);
    const numbers = [...picked.keys()].sort((a, b) => a - b);
    const width = String(numbers[numbers.length - 1] ?? 1).length;
    const out: string[] = [];
    let previous = 0;
    for (const n of numbers) {
      if (n > previous + 1) out.push(`${' '.repeat(width)} … (${linesWord(n - previous - 1)})`);
      out.push(`${String(n).padStart(width)} ${picked.get(n) ?? ''}`);
      previous = n;
    }
    if (previous < this.#count) out.push(`${' '.repeat(width)} … (${linesWord(this.#count - previous)})`);
    return {
      text: out.join('\n'),
      firstErrorLine: this.#firstError,
      lines: this.#count,
    };
  }

  #collectingAfter(): boolean {
    return this.#firstError !== undefined && this.#count < this.#firstError + this.#after - 1;
  }

  /** Lines the rings keep at most (a caller skipping lines keeps at least these). */
  get keptLines(): number {
    return this.#keep;
  }

  #append(piece: string): void {
    if (this.#partialCut) return;
    const room = this.#maxLineChars + 1 - this.#partial.length;
    if (piece.length > room) {
      this.#partial += piece.slice(0, room);
      this.#partialCut = true;
    } else {
      this.#partial += piece;
    }
  }

  #endLine(): void {
    this.#count += 1;
    let text = this.#partial.replace(/\r$/, '').replace(TIMESTAMP, '');
    if (this.#partialCut || text.length > this.#maxLineChars) text = `${text.slice(0, this.#maxLineChars)}…`;
    this.#partial = '';
    this.#partialCut = false;
    const line = { n: this.#count, text };
    this.#tail.push(line);
    if (this.#errorWindow === undefined || this.#firstError === undefined) {
      if (ERROR_LINE.test(text)) {
        this.#firstError = line.n;
        this.#errorWindow = [...this.#before.lines(), line];
      } else {
        this.#before.push(line);
      }
    } else if (line.n < this.#firstError + this.#after) {
      this.#errorWindow.push(line);
    }
  }
}

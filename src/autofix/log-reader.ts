/**
 * Reads a job log piece by piece into a {@link LogWindow} (never the whole log in memory). Pieces are bytes, cut
 * anywhere (a multi-byte character may straddle two); the reader copies what it keeps, so a piece may be a view of a
 * buffer that is read into again afterwards (`streamGet`'s).
 *
 * Most of a big log is neither near its first error nor at its end. Such lines are only counted, never decoded, and
 * the last lines of each piece (which matter only if the log ends there or an error follows) are held as bytes, not
 * decoded, until the next piece shows whether they are needed. Reading a log of hundreds of megabytes then makes next
 * to no garbage: decoding those lines piece after piece made about a sixth of the log's size in short-lived strings,
 * which the garbage collector lets pile up (RSS) before it collects them.
 */
import { TextDecoder } from 'node:util';
import { type LogExcerpt, LogWindow, type LogWindowOptions } from './log-window.js';

export interface ReadLogResult extends LogExcerpt {
  /** True when the reading ended before the log's end (a time-out). */
  cut: boolean;
}

/** Bytes that every error line holds one of (see `ERROR_LINE`): bytes without any hold no error line. */
const ERROR_WORDS = ['rror', 'RROR', 'FAIL', 'xception', 'Traceback', 'panic:', 'ERR!', '✗', '✕', '×'].map(
  (word) => Buffer.from(word, 'utf8'),
);
const NEWLINE = 0x0a;

const hasErrorWord = (bytes: Buffer): boolean => ERROR_WORDS.some((word) => bytes.includes(word));

export class LogReader {
  private readonly window: LogWindow;
  private readonly decoder = new TextDecoder('utf-8');
  /**
   * Bytes read but not given to the window yet: the last lines of a piece the window could skip (they start at a
   * line's start; the last may be partial). Reused; at most about two pieces long.
   */
  private held = Buffer.alloc(0);
  private heldLength = 0;
  /** Complete lines in `held`, and where its partial last line starts. */
  private heldLines = 0;
  private heldPartialFrom = 0;

  constructor(options: LogWindowOptions = {}) {
    this.window = new LogWindow(options);
  }

  push(piece: Uint8Array): void {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (this.heldLength === 0) {
      this.pushFresh(bytes);
      return;
    }
    const first = bytes.indexOf(NEWLINE);
    const keepFrom = first === -1 ? -1 : this.keepFrom(bytes, first);
    if (keepFrom <= first || hasErrorWord(bytes)) {
      // The held lines may matter (this piece has errors, or too few lines to take their place): they go first.
      this.release();
      this.pushFresh(bytes);
      return;
    }
    // The line that straddles the two pieces decides: an error there needs the held lines before it.
    const straddleFrom = this.heldPartialFrom;
    this.hold(bytes.subarray(0, first + 1));
    if (hasErrorWord(this.held.subarray(straddleFrom, this.heldLength))) {
      this.release();
      this.pushFresh(bytes.subarray(first + 1));
      return;
    }
    // Otherwise this piece's own last lines take the held ones' place: those are only counted.
    this.window.skipLines(this.heldLines);
    this.heldLength = 0;
    this.skipAndHold(bytes, first, keepFrom);
  }

  /** The excerpt; `cut` when the log did not end (the half-read last character is then dropped). */
  finish(cut: boolean): ReadLogResult {
    this.release();
    if (!cut) this.window.push(this.decoder.decode());
    return { ...this.window.finish(), cut };
  }

  /** A piece with nothing held before it (the window may hold the start of its first line). */
  private pushFresh(bytes: Buffer): void {
    const first = bytes.indexOf(NEWLINE);
    if (first === -1 || hasErrorWord(bytes)) {
      this.window.push(this.decoder.decode(bytes, { stream: true }));
      return;
    }
    // The first line ends one the window may have begun: it is decoded (one short string per piece).
    this.window.push(this.decoder.decode(bytes.subarray(0, first + 1), { stream: true }));
    if (!this.window.canSkipLines()) {
      this.window.push(this.decoder.decode(bytes.subarray(first + 1), { stream: true }));
      return;
    }
    this.skipAndHold(bytes, first, Math.max(first, this.keepFrom(bytes, first)));
  }

  /** Counts the lines after `first` up to `keepFrom` (a newline), and holds the rest of the piece. */
  private skipAndHold(bytes: Buffer, first: number, keepFrom: number): void {
    let skipped = 0;
    for (
      let at = bytes.indexOf(NEWLINE, first + 1);
      at !== -1 && at <= keepFrom;
      at = bytes.indexOf(NEWLINE, at + 1)
    ) {
      skipped += 1;
    }
    this.window.skipLines(skipped);
    this.hold(bytes.subarray(keepFrom + 1));
  }

  /**
   * The newline before the last `keptLines` complete lines of the piece (after its first line), or `first` when the
   * piece has no more lines than that.
   */
  private keepFrom(bytes: Buffer, first: number): number {
    let keepFrom = bytes.lastIndexOf(NEWLINE);
    for (let kept = 0; kept < this.window.keptLines; kept++) {
      const previous = bytes.lastIndexOf(NEWLINE, keepFrom - 1);
      if (previous <= first) return first;
      keepFrom = previous;
    }
    return keepFrom;
  }

  /** Appends bytes to `held` (copied: the piece's buffer is read into again). */
  private hold(bytes: Buffer): void {
    const needed = this.heldLength + bytes.length;
    if (needed > this.held.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.held.length * 2, 4096));
      this.held.copy(grown, 0, 0, this.heldLength);
      this.held = grown;
    }
    const from = this.heldLength;
    bytes.copy(this.held, from);
    this.heldLength = needed;
    if (from === 0) this.heldLines = 0;
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) {
      this.heldLines += 1;
      this.heldPartialFrom = from + at + 1;
    }
    if (from === 0 && this.heldLines === 0) this.heldPartialFrom = 0;
  }

  /** Gives the held bytes to the window. */
  private release(): void {
    if (this.heldLength === 0) return;
    this.window.push(this.decoder.decode(this.held.subarray(0, this.heldLength), { stream: true }));
    this.heldLength = 0;
  }
}

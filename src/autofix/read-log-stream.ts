/**
 * Reads a job log from a byte stream into a {@link LogWindow}: chunk by chunk (never the whole log in memory), for at
 * most `timeoutMs`. A log cut off by the time-out still gives the window of what was read, marked as cut.
 */
import { TextDecoder } from 'node:util';
import { type LogExcerpt, LogWindow, type LogWindowOptions } from './log-window.js';

export interface ReadLogOptions extends LogWindowOptions {
  timeoutMs: number;
}

export interface ReadLogResult extends LogExcerpt {
  /** True when the time-out ended the reading before the log's end. */
  cut: boolean;
}

export async function readLogStream(
  body: ReadableStream<Uint8Array>,
  options: ReadLogOptions,
): Promise<ReadLogResult> {
  const window = new LogWindow(options);
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let cut = false;
  // The time-out cancels the stream, which ends the pending read. (Not a `Promise.race` per read: each race would
  // leave a reaction on the time-out's promise holding its chunk, and memory would grow with the log.)
  const timer = setTimeout(() => {
    cut = true;
    reader.cancel().catch(() => undefined);
  }, options.timeoutMs);
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done || cut) break;
      pushBytes(window, decoder, next.value);
    }
    if (!cut) window.push(decoder.decode());
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  return { ...window.finish(), cut };
}

/** Bytes that every error line holds one of (see `ERROR_LINE`): a piece without any has no error line. */
const ERROR_WORDS = ['rror', 'RROR', 'FAIL', 'xception', 'Traceback', 'panic:', 'ERR!', '✗', '✕', '×'].map(
  (word) => Buffer.from(word, 'utf8'),
);
const NEWLINE = 0x0a;

/**
 * One piece of the log into the window. Where the window can skip lines and the piece holds no error word, its
 * middle lines are only counted, never decoded: a huge log then makes almost no garbage (a `\n` byte never occurs
 * inside a multi-byte UTF-8 character, so cutting at one keeps the decoder in step).
 */
function pushBytes(window: LogWindow, decoder: TextDecoder, bytes: Uint8Array): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = buffer.indexOf(NEWLINE);
  const last = buffer.lastIndexOf(NEWLINE);
  if (first === -1 || first === last || ERROR_WORDS.some((word) => buffer.includes(word))) {
    window.push(decoder.decode(bytes, { stream: true }));
    return;
  }
  window.push(decoder.decode(bytes.subarray(0, first + 1), { stream: true }));
  if (!window.canSkipLines()) {
    window.push(decoder.decode(bytes.subarray(first + 1), { stream: true }));
    return;
  }
  // Keep the last lines of the piece whole; count the ones before them.
  let keepFrom = last;
  for (let kept = 0; kept < window.keptLines; kept++) {
    const previous = buffer.lastIndexOf(NEWLINE, keepFrom - 1);
    if (previous <= first) {
      keepFrom = first;
      break;
    }
    keepFrom = previous;
  }
  let skipped = 0;
  for (
    let at = buffer.indexOf(NEWLINE, first + 1);
    at !== -1 && at <= keepFrom;
    at = buffer.indexOf(NEWLINE, at + 1)
  ) {
    skipped += 1;
  }
  window.skipLines(skipped);
  window.push(decoder.decode(bytes.subarray(keepFrom + 1), { stream: true }));
}

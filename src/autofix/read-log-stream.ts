/**
 * Reads a job log from a byte stream into a {@link LogWindow}: chunk by chunk (never the whole log in memory), for at
 * most `timeoutMs`. A log cut off by the time-out still gives the window of what was read, marked as cut.
 */
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
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'time-out'>((resolve) => {
    timer = setTimeout(() => resolve('time-out'), options.timeoutMs);
  });
  let cut = false;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'time-out') {
        cut = true;
        break;
      }
      if (next.done) break;
      window.push(decoder.decode(next.value, { stream: true }));
    }
    if (!cut) window.push(decoder.decode());
  } finally {
    clearTimeout(timer);
    if (cut) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { ...window.finish(), cut };
}

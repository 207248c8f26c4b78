/**
 * Server-Sent Events, read robustly (WHATWG "event stream interpretation"): bytes in any chunking (an event split
 * across chunks, even in the middle of a UTF-8 character), LF / CR / CRLF line ends, multi-line `data:`, comments,
 * `event:`, `id:` and `retry:` lines. Line parsing is `eventsource-parser`; this file adds UTF-8 decoding across
 * chunks, the end-of-stream check (an event cut off without its blank line is reported, not dropped silently) and the
 * read loop over a response body with an idle time-out and cancellation, which reports how the stream ended instead of
 * throwing, so a dropped connection can never pass for success.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { describeCause, messageOf } from '../error-messages.js';

/** One dispatched event. `event` is undefined when the stream sent no `event:` line (the browser's "message"). */
export interface SseMessage {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** More characters than this waiting for a line end or a blank line is not an event stream (default 8 MiB). */
export const DEFAULT_MAX_EVENT_CHARS = 8 * 1024 * 1024;

export class SseProtocolError extends Error {
  override readonly name = 'SseProtocolError';
}

/**
 * A push decoder: bytes in, complete events out. Pure (no I/O, no timers), so tests can feed it byte by byte.
 * `end()` flushes it and says whether the stream stopped in the middle of an event.
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser: EventSourceParser;
  #out: SseMessage[] = [];
  #error: SseProtocolError | undefined;
  #ended = false;
  #endsWithCr = false;
  /** Comments seen (`: keep-alive`), for callers that want to count heartbeats. */
  comments = 0;
  /** The last `retry:` value the server sent, in ms. */
  retryMs: number | undefined;

  constructor(options: { maxEventChars?: number } = {}) {
    this.#parser = createParser({
      onEvent: (message) => this.#out.push({ event: message.event, data: message.data, id: message.id }),
      onComment: () => {
        this.comments++;
      },
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onError: (error) => {
        // Unknown fields and bad `retry:` values are ignored, as the standard says; only an oversized buffer stops us.
        if (error.type === 'max-buffer-size-exceeded') this.#error = new SseProtocolError(error.message);
      },
      maxBufferSize: options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS,
    });
  }

  /** Decodes one chunk of bytes (or text) and returns the events it completed, in order. */
  push(chunk: Uint8Array | string): SseMessage[] {
    if (this.#ended) throw new Error('SseDecoder: push after end');
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (text !== '') this.#feed(text);
    return this.#take();
  }

  /**
   * The stream ended. Returns the events completed by flushing (none for a well-formed stream) and the event that was
   * cut off, if any: by the standard it is discarded, so it is handed back separately for the caller to report.
   */
  end(): { messages: SseMessage[]; incomplete: SseMessage | undefined } {
    if (this.#ended) return { messages: [], incomplete: undefined };
    this.#ended = true;
    const tail = this.#decoder.decode();
    if (tail !== '') this.#feed(tail);
    // A lone CR at the very end is a complete line end; the parser only waits to see whether an LF follows it.
    if (this.#endsWithCr) this.#feed('\n');
    const messages = this.#take();
    // Two line ends complete any pending line and dispatch any pending event: what comes out was cut off.
    this.#feed('\n\n');
    const flushed = this.#take();
    return { messages, incomplete: flushed.at(-1) };
  }

  #feed(text: string): void {
    if (this.#error) throw this.#error;
    this.#endsWithCr = text.endsWith('\r');
    this.#parser.feed(text);
    if (this.#error) throw this.#error;
  }

  #take(): SseMessage[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/** How reading a response body ended. Only `ended` is a normal end; every other kind means the stream was lost. */
export type SseStreamEnd =
  | { kind: 'ended'; incomplete: SseMessage | undefined }
  | { kind: 'dropped'; detail: string }
  | { kind: 'idle-timeout'; idleMs: number }
  | { kind: 'aborted'; reason: string }
  | { kind: 'protocol-error'; detail: string };

export interface ReadSseOptions {
  /** No byte for this long ends the read with `idle-timeout` (comments count as bytes). Default: no limit. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  maxEventChars?: number;
}

/**
 * Reads an SSE body to its end, yielding each event as it completes; the generator's return value says how it ended.
 * It never throws for a transport problem: a reset connection, an idle time-out or an abort are returned as such.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions = {},
): AsyncGenerator<SseMessage, SseStreamEnd, undefined> {
  const decoder = new SseDecoder(
    options.maxEventChars === undefined ? {} : { maxEventChars: options.maxEventChars },
  );
  const reader = body.getReader();
  const { signal, idleTimeoutMs } = options;
  let stopped: SseStreamEnd | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;

  const stop = (end: SseStreamEnd) => {
    if (stopped) return;
    stopped = end;
    reader.cancel().catch(() => {});
    wake?.();
  };
  const onAbort = () => stop({ kind: 'aborted', reason: describeAbortReason(signal?.reason) });
  const armIdle = () => {
    if (idleTimeoutMs === undefined) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => stop({ kind: 'idle-timeout', idleMs: idleTimeoutMs }), idleTimeoutMs);
  };

  if (signal?.aborted) {
    reader.cancel().catch(() => {});
    return { kind: 'aborted', reason: describeAbortReason(signal.reason) };
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  armIdle();
  try {
    for (;;) {
      const stoppedWait = new Promise<'stopped'>((resolve) => {
        wake = () => resolve('stopped');
      });
      let result: Awaited<ReturnType<typeof reader.read>> | 'stopped';
      try {
        result = stopped ? 'stopped' : await Promise.race([reader.read(), stoppedWait]);
      } catch (cause) {
        if (stopped) return stopped;
        return { kind: 'dropped', detail: describeCause(cause) };
      }
      if (result === 'stopped' || stopped) return stopped ?? { kind: 'aborted', reason: 'stopped' };
      if (result.done) {
        const { messages, incomplete } = decoder.end();
        for (const message of messages) yield message;
        return { kind: 'ended', incomplete };
      }
      armIdle();
      let messages: SseMessage[];
      try {
        messages = decoder.push(result.value);
      } catch (error) {
        reader.cancel().catch(() => {});
        return { kind: 'protocol-error', detail: messageOf(error) };
      }
      for (const message of messages) {
        yield message;
        if (stopped) return stopped;
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (!stopped) reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // A read still pending on a cancelled stream: nothing left to release.
    }
  }
}

export function describeAbortReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  if (typeof reason === 'string' && reason !== '') return reason;
  return 'cancelled';
}

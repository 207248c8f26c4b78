/**
 * Reads a request body into one Buffer, refusing it as soon as it grows past `limitBytes`. Plain `data`/`end`
 * listeners rather than an async iterator: this runs for every webhook, and a burst of them is read side by side.
 * With a `budget`, every byte held counts against it until the caller gives the body back (`release`); a body that
 * does not fit is refused (`busy`). A body not in whole within `timeoutMs` is refused too (`slow`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyBudget } from './body-budget.js';
import { sendJson } from './json-response.js';

/** How long a sender may take over a webhook body, from its headers to its last byte. */
export const BODY_TIMEOUT_MS = 10_000;

/**
 * `closed`: the sender went away (or the stream failed) before the whole body was in; there is no one to answer.
 * `busy`: the bodies held already fill the budget. `slow`: the body did not arrive within the time allowed.
 */
export type BodyResult =
  | { kind: 'ok'; body: Buffer; release(): void }
  | { kind: 'too-large' }
  | { kind: 'busy' }
  | { kind: 'slow' }
  | { kind: 'closed' };

export interface ReadBodyOptions {
  budget?: BodyBudget | undefined;
  timeoutMs?: number | undefined;
}

export function readLimitedBody(
  req: IncomingMessage,
  limitBytes: number,
  options: ReadBodyOptions = {},
): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.resolve({ kind: 'too-large' });
  }
  const { budget } = options;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = 0;
    let settled = false;
    const giveBack = (): void => {
      budget?.give(taken);
      taken = 0;
    };
    const finish = (result: BodyResult): void => {
      settled = true;
      clearTimeout(timer);
      if (result.kind !== 'ok') {
        chunks.length = 0;
        giveBack();
      }
      // Refused for the budget or for time: nothing more is read (the connection is closed once answered).
      if (result.kind === 'busy' || result.kind === 'slow') req.pause();
      resolve(result);
    };
    const timer = setTimeout(() => {
      if (!settled) finish({ kind: 'slow' });
    }, options.timeoutMs ?? BODY_TIMEOUT_MS);
    timer.unref();
    // A declared length is taken from the budget at once: a body that could never fit is refused before it is sent.
    if (budget && Number.isFinite(declared) && declared > 0) {
      if (!budget.take(declared)) {
        finish({ kind: 'busy' });
        return;
      }
      taken = declared;
    }
    const onData = (chunk: Buffer | string): void => {
      if (settled) return; // refused: the rest is discarded as it arrives
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limitBytes) {
        finish({ kind: 'too-large' });
        return;
      }
      if (budget && size > taken) {
        if (!budget.take(size - taken)) {
          finish({ kind: 'busy' });
          return;
        }
        taken = size;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      if (settled) return;
      finish({
        kind: 'ok',
        body: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size),
        release: giveBack,
      });
    };
    const onClose = (): void => {
      if (settled) return;
      finish({ kind: 'closed' });
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.on('error', onClose);
  });
}

/** Seconds a sender refused for `busy` is asked to wait before it tries again. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * Answers a body refused for `busy` (503, `Retry-After`) or `slow` (408), then closes the connection: the rest of
 * the body is never read. (GitHub redelivers a failed delivery on request; codecloud retries with back-off.)
 */
export function refuseBody(res: ServerResponse, kind: 'busy' | 'slow'): void {
  res.setHeader('connection', 'close');
  if (kind === 'busy') {
    res.setHeader('retry-after', String(BUSY_RETRY_AFTER_SECONDS));
    sendJson(res, 503, {
      error: 'Service Unavailable',
      message: 'too many webhook bodies are being received at once; retry later',
    });
  } else {
    sendJson(res, 408, {
      error: 'Request Timeout',
      message: `the body did not arrive within ${BODY_TIMEOUT_MS / 1000} seconds`,
    });
  }
  res.once('finish', () => res.socket?.destroy());
}

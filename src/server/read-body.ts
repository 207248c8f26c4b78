/**
 * Reads a request body into one Buffer, refusing it as soon as it grows past `limitBytes`. Plain `data`/`end`
 * listeners rather than an async iterator: this runs for every webhook, and a burst of them is read side by side.
 */
import type { IncomingMessage } from 'node:http';

/** `closed`: the sender went away (or the stream failed) before the whole body was in; there is no one to answer. */
export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'closed' };

export function readLimitedBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.resolve({ kind: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer | string): void => {
      if (settled) return; // past the cap: the rest is discarded as it arrives
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limitBytes) {
        settled = true;
        chunks.length = 0;
        resolve({ kind: 'too-large' });
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      resolve({
        kind: 'ok',
        body: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size),
      });
    };
    const onClose = (): void => {
      if (settled) return;
      settled = true;
      resolve({ kind: 'closed' });
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.on('error', onClose);
  });
}

/** Reads a request body into one Buffer, refusing it as soon as it grows past `limitBytes`. */
import type { IncomingMessage } from 'node:http';

export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' };

export async function readLimitedBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return { kind: 'too-large' };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) {
      req.resume();
      return { kind: 'too-large' };
    }
    chunks.push(buffer);
  }
  return { kind: 'ok', body: Buffer.concat(chunks) };
}

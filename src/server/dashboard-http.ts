/**
 * How every dashboard answer is sent: a strict Content-Security-Policy (same-origin files only, no inline code, no
 * framing), no caching, no sniffing; and the small helpers the dashboard's routes share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLimitedBody } from './read-body.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export function sendPage(
  res: ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

export function sendAsset(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'cache-control': 'public, max-age=300',
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** 302 for GET redirects, 303 after a POST. */
export function redirect(
  res: ServerResponse,
  location: string,
  options: { status?: 302 | 303; cookies?: string[] } = {},
): void {
  res.writeHead(options.status ?? 302, {
    ...SECURITY_HEADERS,
    location,
    ...(options.cookies && options.cookies.length > 0 ? { 'set-cookie': options.cookies } : {}),
  });
  res.end();
}

/** A form post's fields, or undefined when it is too large or not a form. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const body = await readLimitedBody(req, 8 * 1024);
  return body.kind === 'ok' ? new URLSearchParams(body.body.toString('utf8')) : undefined;
}

/**
 * A post from another site is refused even with a valid CSRF token: when the browser says where the form came from
 * (`Origin`), it must be this host.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Where to go back after signing in: only a dashboard path on this host (never `//elsewhere`). */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !/^\/dashboard(?:[/?]|$)/.test(value) || value.includes('\\')) return '/dashboard';
  return value;
}

// Authentication as GitHub checks it: app JWTs on /app routes, installation tokens elsewhere.
import { createVerify, randomBytes } from 'node:crypto';
import type { FakeState, FakeToken } from './state.js';

export type AuthResult =
  | { kind: 'app' }
  | { kind: 'installation'; token: FakeToken }
  | { kind: 'error'; status: 401; message: string };

function base64UrlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** Checks an app JWT: three parts, RS256, `iss` = app id, not expired, and the signature when a key is known. */
export function checkAppJwt(
  header: string | undefined,
  appId: number,
  nowMs: number,
  publicKey: string | undefined,
): AuthResult {
  const jwt = bearer(header);
  const fail = (message: string): AuthResult => ({ kind: 'error', status: 401, message });
  if (!jwt) return fail('A JSON web token could not be decoded');
  const parts = jwt.split('.');
  if (parts.length !== 3) return fail('A JSON web token could not be decoded');
  const [h = '', p = '', s = ''] = parts;
  const head = base64UrlJson(h) as { alg?: unknown } | undefined;
  const payload = base64UrlJson(p) as { iss?: unknown; exp?: unknown; iat?: unknown } | undefined;
  if (!head || !payload) return fail('A JSON web token could not be decoded');
  if (head.alg !== 'RS256') return fail("'alg' must be RS256");
  if (String(payload.iss) !== String(appId)) return fail("'Issuer' claim ('iss') must be the app id");
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < nowMs) {
    return fail("'Expiration time' claim ('exp') is too far in the future or has passed");
  }
  if (publicKey) {
    const verify = createVerify('RSA-SHA256');
    verify.update(`${h}.${p}`);
    if (!verify.verify(publicKey, Buffer.from(s, 'base64url'))) return fail('JWT signature does not match');
  }
  return { kind: 'app' };
}

export function checkInstallationToken(
  header: string | undefined,
  state: FakeState,
  nowMs: number,
): AuthResult {
  const token = bearer(header);
  if (!token) return { kind: 'error', status: 401, message: 'Requires authentication' };
  const found = state.tokens.get(token);
  if (!found || found.expiresAt <= nowMs) return { kind: 'error', status: 401, message: 'Bad credentials' };
  return { kind: 'installation', token: found };
}

export function newInstallationToken(): string {
  return `ghs_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/**
 * The dashboard's cookies: the session (who signed in, their GitHub user token, the CSRF token) and the sign-in
 * attempt (OAuth `state`, PKCE verifier, where to go back). Both are JWTs encrypted with `jose` (`dir` + A256GCM)
 * under a key derived by HKDF from the App's client secret, which every replica shares: a session made on one
 * replica is valid on all, nothing is kept server-side, and the token never reaches the page. Cookies are
 * `HttpOnly`, `SameSite=Lax`, `Path=/dashboard`, and `Secure` under https.
 */
import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';

export const SESSION_COOKIE = 'codecloud_dashboard';
export const LOGIN_COOKIE = 'codecloud_dashboard_login';
const COOKIE_PATH = '/dashboard';

/** How long a session lasts at most (GitHub's user-to-server tokens last 8 hours). */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** How long a sign-in attempt may take on GitHub's side. */
const LOGIN_TTL_MS = 10 * 60_000;

const Session = z.object({ login: z.string().min(1), token: z.string().min(1), csrf: z.string().min(16) });
export type DashboardSession = z.infer<typeof Session>;

const LoginAttempt = z.object({
  state: z.string().min(16),
  verifier: z.string().min(43),
  returnTo: z.string(),
});
export type LoginAttempt = z.infer<typeof LoginAttempt>;

/** A random URL-safe token (`bytes` of entropy). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time comparison of two tokens (false when lengths differ). */
export function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class DashboardCookies {
  readonly #key: Uint8Array;
  readonly #now: () => number;

  constructor(options: { secret: string; now?: () => number }) {
    this.#key = new Uint8Array(
      hkdfSync('sha256', options.secret, 'codecloud-dashboard', 'session cookie v1', 32),
    );
    this.#now = options.now ?? Date.now;
  }

  async #seal(kind: string, claims: Record<string, string>, ttlMs: number): Promise<string> {
    const now = Math.floor(this.#now() / 1000);
    return new EncryptJWT({ ...claims, kind })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(ttlMs / 1000))
      .encrypt(this.#key);
  }

  async #open(kind: string, value: string | undefined): Promise<Record<string, unknown> | undefined> {
    if (!value) return undefined;
    try {
      const { payload } = await jwtDecrypt(value, this.#key, {
        currentDate: new Date(this.#now()),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload.kind === kind ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  async session(req: IncomingMessage): Promise<DashboardSession | undefined> {
    const parsed = Session.safeParse(await this.#open('session', cookiesOf(req)[SESSION_COOKIE]));
    return parsed.success ? parsed.data : undefined;
  }

  async loginAttempt(req: IncomingMessage): Promise<LoginAttempt | undefined> {
    const parsed = LoginAttempt.safeParse(await this.#open('login', cookiesOf(req)[LOGIN_COOKIE]));
    return parsed.success ? parsed.data : undefined;
  }

  /** `Set-Cookie` for a new session of at most `ttlMs`. */
  async sessionCookie(session: DashboardSession, ttlMs: number, secure: boolean): Promise<string> {
    const ttl = Math.min(ttlMs, SESSION_TTL_MS);
    return cookieHeader(SESSION_COOKIE, await this.#seal('session', session, ttl), ttl, secure);
  }

  async loginCookie(attempt: LoginAttempt, secure: boolean): Promise<string> {
    return cookieHeader(LOGIN_COOKIE, await this.#seal('login', attempt, LOGIN_TTL_MS), LOGIN_TTL_MS, secure);
  }
}

/** `Set-Cookie` that removes `name`. */
export function clearedCookie(name: string, secure: boolean): string {
  return cookieHeader(name, '', 0, secure);
}

function cookieHeader(name: string, value: string, ttlMs: number, secure: boolean): string {
  return stringifySetCookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: COOKIE_PATH,
    maxAge: Math.floor(ttlMs / 1000),
  });
}

function cookiesOf(req: IncomingMessage): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header ? parseCookie(header) : {};
}

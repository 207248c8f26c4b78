import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  DashboardCookies,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  sameToken,
} from '../../../src/server/dashboard-session.js';

const request = (setCookie: string): IncomingMessage =>
  ({ headers: { cookie: setCookie.split(';')[0] } }) as IncomingMessage;

describe('dashboard cookies', () => {
  const session = { login: 'mona', token: 'ghu_secret_user_token', csrf: 'x'.repeat(43) };

  it('are encrypted, HttpOnly, SameSite=Lax, scoped to /dashboard, Secure only under https', async () => {
    const cookies = new DashboardCookies({ secret: 'client-secret' });
    const header = await cookies.sessionCookie(session, 3_600_000, true);
    expect(header).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Lax');
    expect(header).toContain('Path=/dashboard');
    expect(header).toContain('Secure');
    expect(header).toContain('Max-Age=3600');
    expect(header).not.toContain('ghu_secret_user_token');
    expect(header).not.toContain('mona');
    expect(await cookies.sessionCookie(session, 3_600_000, false)).not.toContain('Secure');
  });

  it('open on another replica with the same secret, never with another secret, tampered or expired', async () => {
    let now = 1_700_000_000_000;
    const one = new DashboardCookies({ secret: 'client-secret', now: () => now });
    const other = new DashboardCookies({ secret: 'client-secret', now: () => now });
    const header = await one.sessionCookie(session, 3_600_000, false);
    expect(await other.session(request(header))).toEqual(session);
    expect(await new DashboardCookies({ secret: 'another' }).session(request(header))).toBeUndefined();
    const value = header.split(';')[0] ?? '';
    const tampered = `${value.slice(0, -3)}${value.endsWith('A') ? 'B' : 'A'}${value.slice(-2)}`;
    expect(await other.session(request(tampered))).toBeUndefined();
    // A sign-in attempt's cookie is not a session, even with the same key.
    const login = await one.loginCookie(
      { state: 's'.repeat(43), verifier: 'v'.repeat(64), returnTo: '/dashboard' },
      false,
    );
    expect(login).toMatch(new RegExp(`^${LOGIN_COOKIE}=`));
    expect(await other.session(request(login.replace(LOGIN_COOKIE, SESSION_COOKIE)))).toBeUndefined();
    now += 3_600_000 + 1_000;
    expect(await other.session(request(header))).toBeUndefined();
  });

  it('compares tokens in constant time, false for different lengths', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
  });
});

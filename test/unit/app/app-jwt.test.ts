import { describe, expect, it } from 'vitest';
import { reusedAppJwt } from '../../../app/app-jwt.js';

describe('reusedAppJwt', () => {
  it('signs once and reuses the JWT while it has more than a minute left', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const signed: number[] = [];
    const sign = async ({ now: at }: { id: string; privateKey: string; now: number }) => {
      signed.push(at);
      // As universal-github-app-jwt: issued 30 s back, valid 10 minutes from then.
      return { token: `jwt-${signed.length}`, expiration: at - 30 + 600 };
    };
    const createJwt = reusedAppJwt('1', 'key', () => now, sign);
    const first = await createJwt('1');
    expect(first.jwt).toBe('jwt-1');
    now += 8 * 60_000; // 90 s left
    expect((await createJwt('1')).jwt).toBe('jwt-1');
    now += 31_000; // 59 s left
    expect((await createJwt('1')).jwt).toBe('jwt-2');
    // A clock difference GitHub reported: signed anew for it.
    expect((await createJwt('1', 120)).jwt).toBe('jwt-3');
    expect((await createJwt('1', 120)).jwt).toBe('jwt-3');
    expect(signed).toHaveLength(3);
    expect(first.expiresAt).toBe(new Date((signed[0]! - 30 + 600) * 1000).toISOString());
  });
});

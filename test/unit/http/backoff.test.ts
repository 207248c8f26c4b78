import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterDelay, parseRetryAfter, retryDelay } from '../../../src/http/backoff.js';

const policy = { baseMs: 100, maxMs: 1_000 };

describe('fullJitterDelay', () => {
  it('is uniform in [0, min(max, base * 2^attempt))', () => {
    expect(fullJitterDelay(0, policy, () => 0)).toBe(0);
    expect(fullJitterDelay(0, policy, () => 0.999_999)).toBe(99);
    expect(fullJitterDelay(1, policy, () => 0.5)).toBe(100);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(400);
  });

  it('caps the ceiling at maxMs', () => {
    expect(fullJitterDelay(10, policy, () => 0.999_999)).toBe(999);
    expect(fullJitterDelay(60, policy, () => 0.5)).toBe(500);
  });

  it('never goes negative or reaches the ceiling over many draws', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const delay = fullJitterDelay(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('has sensible defaults', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 500, maxMs: 30_000 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it("prefers the server's Retry-After over jitter", () => {
    expect(retryDelay(0, policy, 7_000, () => 0.5)).toBe(7_000);
    expect(retryDelay(2, policy, undefined, () => 0.5)).toBe(200);
  });
});

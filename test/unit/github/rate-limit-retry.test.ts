import { describe, expect, it } from 'vitest';
import {
  gitHubRetryDelay,
  RateLimitGate,
  SupersededError,
  withGitHubRetries,
} from '../../../src/github/rate-limit-retry.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const refusal = (status: number, headers: Record<string, string>, message = 'refused') =>
  Object.assign(new Error(message), { status, response: { headers } });

/** A fake clock whose sleep moves time on, recording each wait. */
function clock() {
  let now = NOW;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

describe('gitHubRetryDelay', () => {
  it('takes Retry-After in seconds or as a date, at least a second', () => {
    expect(gitHubRetryDelay(refusal(429, { 'retry-after': '2' }), NOW)?.delayMs).toBe(2_000);
    expect(gitHubRetryDelay(refusal(403, { 'retry-after': '7' }), NOW)?.delayMs).toBe(7_000);
    expect(gitHubRetryDelay(refusal(429, { 'retry-after': '0' }), NOW)?.delayMs).toBe(1_000);
    const date = new Date(NOW + 5_000).toUTCString();
    expect(gitHubRetryDelay(refusal(429, { 'retry-after': date }), NOW)?.delayMs).toBe(5_000);
  });

  it('waits for the primary limit to reset, plus a second', () => {
    const reset = String(Math.floor(NOW / 1000) + 30);
    const wait = gitHubRetryDelay(
      refusal(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
      NOW,
    );
    expect(wait?.delayMs).toBe(31_000);
  });

  it('a secondary limit or a 429 without any hint waits a minute', () => {
    expect(gitHubRetryDelay(refusal(403, {}, 'You have exceeded a secondary rate limit'), NOW)?.delayMs).toBe(
      60_000,
    );
    expect(gitHubRetryDelay(refusal(429, {}), NOW)?.delayMs).toBe(60_000);
  });

  it('is not a rate limit: a 403 for missing access, a 422, a 500, a network error', () => {
    expect(gitHubRetryDelay(refusal(403, {}, 'Resource not accessible by integration'), NOW)).toBeUndefined();
    expect(gitHubRetryDelay(refusal(422, { 'retry-after': '1' }), NOW)).toBeUndefined();
    expect(gitHubRetryDelay(refusal(500, {}), NOW)).toBeUndefined();
    expect(gitHubRetryDelay(new Error('ECONNRESET'), NOW)).toBeUndefined();
  });
});

describe('withGitHubRetries', () => {
  it.each(['POST', 'PATCH', 'DELETE'])('%s: waits Retry-After before the next try', async () => {
    const c = clock();
    let calls = 0;
    const result = await withGitHubRetries(
      async () => {
        calls += 1;
        if (calls === 1) throw refusal(429, { 'retry-after': '2' });
        return 'ok';
      },
      { now: c.now, sleep: c.sleep },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(2);
    expect(c.waits).toEqual([2_000]);
  });

  it('gives up after three retries, and at once on other errors or waits over the maximum', async () => {
    const c = clock();
    let calls = 0;
    const always = () => {
      calls += 1;
      return Promise.reject(refusal(429, { 'retry-after': '1' }));
    };
    await expect(withGitHubRetries(always, { now: c.now, sleep: c.sleep })).rejects.toThrow('refused');
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withGitHubRetries(() => Promise.reject(refusal(422, {})), { now: c.now, sleep: c.sleep }),
    ).rejects.toThrow();
    const long = () => Promise.reject(refusal(429, { 'retry-after': '600' }));
    await expect(
      withGitHubRetries(long, { now: c.now, sleep: c.sleep, maxWaitMs: 120_000 }),
    ).rejects.toThrow();
  });

  it('one gate per client: a request sent during the pause waits for it too', async () => {
    const c = clock();
    const gate = new RateLimitGate({ now: c.now, sleep: c.sleep });
    let first = true;
    await withGitHubRetries(
      async () => {
        if (first) {
          first = false;
          throw refusal(429, { 'retry-after': '2' });
        }
        return 'ok';
      },
      { gate, now: c.now },
    );
    const start = c.now();
    gate.closeFor(3_000);
    await withGitHubRetries(async () => 'other', { gate, now: c.now });
    expect(c.now() - start).toBe(3_000);
  });

  it('a refused request replaced by a newer one meanwhile is not tried again', async () => {
    const c = clock();
    let calls = 0;
    let newer = false;
    const refusedOnce = withGitHubRetries(
      async () => {
        calls += 1;
        newer = true; // a later edit of the same comment is sent while this one waits
        throw refusal(429, { 'retry-after': '2' });
      },
      { now: c.now, sleep: c.sleep, superseded: () => newer },
    );
    await expect(refusedOnce).rejects.toBeInstanceOf(SupersededError);
    expect(calls).toBe(1);
  });
});

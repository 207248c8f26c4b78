import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_POLL_POLICY,
  pollScaleFromEnv,
  scaled,
} from '../../../src/action/wait-policy.js';

const noJitter = () => 0.5;

describe('backoffDelay', () => {
  it('starts a few seconds apart and grows to 30 s', () => {
    const delays = Array.from({ length: 10 }, (_, i) =>
      backoffDelay(i, DEFAULT_POLL_POLICY, undefined, noJitter),
    );
    expect(delays.slice(0, 4)).toEqual([3_000, 4_500, 6_750, 10_125]);
    expect(delays.at(-1)).toBe(30_000);
    expect(Math.max(...delays)).toBe(30_000);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
  });

  it('jitters by at most ±10 %', () => {
    expect(backoffDelay(20, DEFAULT_POLL_POLICY, undefined, () => 0)).toBe(27_000);
    expect(backoffDelay(20, DEFAULT_POLL_POLICY, undefined, () => 1)).toBe(33_000);
  });

  it('never polls sooner than Retry-After, and never shortens it', () => {
    expect(backoffDelay(0, DEFAULT_POLL_POLICY, 45_000, noJitter)).toBe(45_000);
    expect(backoffDelay(0, scaled(DEFAULT_POLL_POLICY, 0.01), 2_000, noJitter)).toBe(2_000);
    expect(backoffDelay(10, DEFAULT_POLL_POLICY, 1_000, noJitter)).toBe(30_000);
  });

  it('scales computed delays for tests only', () => {
    expect(backoffDelay(0, scaled(DEFAULT_POLL_POLICY, 0.01), undefined, noJitter)).toBe(30);
    expect(scaled(DEFAULT_POLL_POLICY, -1)).toBe(DEFAULT_POLL_POLICY);
  });

  it('costs about 25 polls for a 10-minute run', () => {
    let t = 0;
    let polls = 0;
    while (t < 10 * 60_000) t += backoffDelay(polls++, DEFAULT_POLL_POLICY, undefined, noJitter);
    expect(polls).toBeGreaterThanOrEqual(20);
    expect(polls).toBeLessThanOrEqual(30);
  });
});

describe('pollScaleFromEnv', () => {
  it('is 1 unless a positive number is given', () => {
    expect(pollScaleFromEnv(undefined)).toBe(1);
    expect(pollScaleFromEnv('')).toBe(1);
    expect(pollScaleFromEnv('abc')).toBe(1);
    expect(pollScaleFromEnv('0')).toBe(1);
    expect(pollScaleFromEnv('0.05')).toBe(0.05);
  });
});

import { describe, expect, it } from 'vitest';
import { checkCron, checkRunAt, parseIsoDateTime } from '../../../src/schedules/cron-check.js';

describe('checkCron', () => {
  it.each([
    '0 3 * * *',
    '*/15 * * * *',
    '0,15,30,45 * * * *',
    '0 */2 * * 1-5',
    '30 9 1 * *',
    '0 0 29 2 *',
    '  0 3 * * MON  ',
  ])('accepts %s', (expr) => {
    expect(checkCron(expr)).toEqual({ ok: true });
  });

  it('refuses a pattern that runs every 5 minutes, saying so', () => {
    expect(checkCron('*/5 * * * *')).toEqual({
      ok: false,
      reason: "cron '*/5 * * * *' runs every 5 minutes; the minimum interval is 15 minutes",
    });
  });

  it('refuses every minute', () => {
    expect(checkCron('* * * * *')).toEqual({
      ok: false,
      reason: "cron '* * * * *' runs every minute; the minimum interval is 15 minutes",
    });
  });

  it('refuses two runs 10 minutes apart and names them', () => {
    expect(checkCron('0,10 * * * *')).toEqual({
      ok: false,
      reason:
        "cron '0,10 * * * *' has runs only 10 minutes apart (00:00 and 00:10 UTC); the minimum interval is 15 minutes",
    });
  });

  it('sees a too-small gap across midnight', () => {
    const result = checkCron('5,55 0,23 * * *');
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({
      reason: expect.stringContaining('10 minutes apart (23:55 and 00:05 UTC)'),
    });
  });

  it('sees a too-small gap that only happens on consecutive days of a month', () => {
    expect(checkCron('5,55 0,23 1 * *')).toEqual({ ok: true });
    expect(checkCron('5,55 0,23 1,2 * *').ok).toBe(false);
  });

  it('sees a too-small gap across an hour boundary', () => {
    expect(checkCron('50 * * * *')).toEqual({ ok: true });
    expect(checkCron('0,50 * * * *')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('10 minutes apart (00:50 and 01:00 UTC)'),
    });
  });

  it.each([
    ['0 0 * * * *', 'must have exactly 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['0 3 * *', 'got 4'],
    ['@daily', 'got 1'],
    ['', 'got 0'],
  ])('refuses %j: not 5 fields', (expr, message) => {
    const result = checkCron(expr);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringContaining(message) });
    expect(result).toMatchObject({ reason: expect.stringContaining(`cron '${expr}'`) });
  });

  it('refuses out-of-range values with the parser reason', () => {
    expect(checkCron('61 * * * *')).toEqual({
      ok: false,
      reason: "cron '61 * * * *' is not a valid cron expression: Invalid value for minute: 61",
    });
    expect(checkCron('a b c d e').ok).toBe(false);
  });

  it('is quick for patterns that are fine, even those that run rarely', () => {
    const started = performance.now();
    for (const expr of [
      '0 9 * * MON-FRI',
      '0 0 L * *',
      '*/15 9-17 * * 1-5',
      '59 23 31 12 *',
      '50 23 * * *',
    ]) {
      expect(checkCron(expr)).toEqual({ ok: true });
    }
    // Generous: a guard against enumerating years of runs, not a benchmark.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses a pattern that never runs', () => {
    expect(checkCron('0 0 31 2 *')).toEqual({ ok: false, reason: "cron '0 0 31 2 *' never runs" });
  });
});

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-12-01T03:00:00Z', '2026-12-01T03:00:00.000Z'],
    ['2026-12-01T03:00Z', '2026-12-01T03:00:00.000Z'],
    ['2026-12-01t03:00:00z', '2026-12-01T03:00:00.000Z'],
    ['2026-12-01T08:30:00.250+05:30', '2026-12-01T03:00:00.250Z'],
    ['2026-12-01T08:30:00+0530', '2026-12-01T03:00:00.000Z'],
    ['2026-11-30T22:00:00-05:00', '2026-12-01T03:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseIsoDateTime(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2027-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T03:60:00Z',
    '2026-12-01 03:00:00Z',
    '2026-12-01T03:00:00',
    '2026-12-01',
    '2026-12-01T03:00:00+25:00',
  ])('refuses %s', (text) => {
    expect(parseIsoDateTime(text)).toBeUndefined();
  });
});

describe('checkRunAt', () => {
  const now = new Date('2026-11-22T21:00:00Z');

  it('accepts a future time with Z or an offset', () => {
    expect(checkRunAt('2026-11-23T03:00:00Z', now)).toEqual({
      ok: true,
      at: new Date('2026-11-23T03:00:00Z'),
    });
    expect(checkRunAt('2026-11-23T04:00:00+01:00', now)).toEqual({
      ok: true,
      at: new Date('2026-11-23T03:00:00Z'),
    });
    expect(checkRunAt('2026-11-22T21:00:00.001Z', now).ok).toBe(true);
  });

  it('refuses the past and the present', () => {
    expect(checkRunAt('2026-11-22T20:59:59Z', now)).toEqual({
      ok: false,
      reason: "run_at '2026-11-22T20:59:59Z' is in the past (now is 2026-11-22T21:00:00.000Z)",
    });
    expect(checkRunAt('2026-11-22T21:00:00Z', now).ok).toBe(false);
  });

  it.each(['tomorrow', '2026-11-23', '2026-11-23T03:00:00', '2026-13-01T00:00:00Z', ''])(
    'refuses %j: not an ISO 8601 date-time with a zone',
    (iso) => {
      expect(checkRunAt(iso, now)).toEqual({
        ok: false,
        reason: `run_at '${iso}' is not an ISO 8601 date-time with a time zone (e.g. 2026-12-01T03:00:00Z)`,
      });
    },
  );

  it('refuses a date that does not exist (JavaScript alone would roll it over to March)', () => {
    expect(checkRunAt('2027-02-30T00:00:00Z', now).ok).toBe(false);
    expect(checkRunAt('2027-02-28T00:00:00Z', now).ok).toBe(true);
  });
});

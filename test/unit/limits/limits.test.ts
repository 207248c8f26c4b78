import { describe, expect, it } from 'vitest';
import { parseAppEnv } from '../../../app/env.js';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { describeRefusal } from '../../../src/limits/charge.js';
import {
  limitsHelpLines,
  renderLimitRefusalReply,
  renderUsageReply,
} from '../../../src/limits/limit-replies.js';
import { effectiveLimits } from '../../../src/limits/limits.js';
import { formatWait, nextUtcDay, nextUtcMonth, utcDay, utcMonth } from '../../../src/limits/periods.js';

describe('limits config', () => {
  it('names a bad value with the key', () => {
    const parsed = parseRepoConfig({ limits: { runs_per_day: -1 } });
    expect(parsed).toMatchObject({
      ok: false,
      message: 'limits.runs_per_day: expected a positive integer, got -1',
    });
    expect(parseRepoConfig({ limits: { tokens_per_run: 1.5 } })).toMatchObject({
      message: 'limits.tokens_per_run: expected a positive integer, got 1.5',
    });
    expect(parseRepoConfig({ limits: { runs_per_user_per_day: 'ten' } })).toMatchObject({
      message: "limits.runs_per_user_per_day: expected a positive integer, got 'ten'",
    });
  });

  it('reads the four limits, treats an empty value as unset and warns about an unknown key', () => {
    const parsed = parseRepoConfig({ limits: { runs_per_day: 50, tokens_per_run: null, run_per_day: 3 } });
    expect(parsed).toMatchObject({ ok: true, config: { limits: { runs_per_day: 50 } } });
    expect(parsed.ok && parsed.warnings).toEqual([
      "limits.run_per_day: unknown key, ignored (did you mean 'runs_per_day'?)",
    ]);
  });
});

describe('ceilings and config', () => {
  it('the smaller of ceiling and config applies; a config value above the ceiling is capped with a note', () => {
    const { limits, capped } = effectiveLimits(
      { runs_per_day: 20, tokens_per_run: 1_000_000 },
      { runs_per_day: 50, runs_per_user_per_day: 5, tokens_per_run: 500_000 },
    );
    expect(limits).toEqual({ runs_per_day: 20, runs_per_user_per_day: 5, tokens_per_run: 500_000 });
    expect(capped).toEqual([
      "`limits.runs_per_day: 50` is above this app's ceiling (LIMIT_RUNS_PER_DAY=20); 20 applies.",
    ]);
    expect(effectiveLimits({ tokens_per_month: 9 }, undefined).limits).toEqual({ tokens_per_month: 9 });
  });

  it('reads LIMIT_* from the environment and names a bad one', () => {
    expect(parseAppEnv({ LIMIT_RUNS_PER_DAY: '30', LIMIT_TOKENS_PER_RUN: '' }).limitCeilings).toEqual({
      runs_per_day: 30,
    });
    expect(() => parseAppEnv({ LIMIT_TOKENS_PER_MONTH: '-5' })).toThrow(/LIMIT_TOKENS_PER_MONTH/);
    expect(() => parseAppEnv({ LIMIT_RUNS_PER_USER_PER_DAY: '0' })).toThrow(/LIMIT_RUNS_PER_USER_PER_DAY/);
  });

  it('the help lines show the limits in force, the ceilings and what was capped', () => {
    const lines = limitsHelpLines({ runs_per_day: 20 }, { runs_per_day: 20 }, ['capped line']);
    expect(lines[0]).toContain('`runs_per_day`: 20 (ceiling `LIMIT_RUNS_PER_DAY` = 20)');
    expect(lines[0]).toContain('`tokens_per_run`: none');
    expect(lines[1]).toBe('capped line');
  });
});

describe('periods', () => {
  const at = (iso: string) => Date.parse(iso);
  it('a day is a UTC day and a month a UTC calendar month', () => {
    expect(utcDay(at('2026-12-06T23:59:59.999Z'))).toBe('2026-12-06');
    expect(utcDay(at('2026-12-07T00:00:00.000Z'))).toBe('2026-12-07');
    expect(utcDay(at('2026-12-06T23:30:00-05:00'))).toBe('2026-12-07');
    expect(utcMonth(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
    expect(utcMonth(at('2027-01-01T00:00:00Z'))).toBe('2027-01');
    expect(nextUtcDay(at('2026-12-31T20:48:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(nextUtcMonth(at('2026-12-06T10:00:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(nextUtcMonth(at('2028-02-29T10:00:00Z'))).toBe(at('2028-03-01T00:00:00Z'));
  });

  it('waits in words', () => {
    expect(formatWait(45_000)).toBe('45 s');
    expect(formatWait(11 * 60_000 + 30_000)).toBe('12 min');
    expect(formatWait((3 * 60 + 12) * 60_000)).toBe('3 h 12 min');
    expect(formatWait((25 * 24 + 3) * 3_600_000)).toBe('25 days 3 h');
  });
});

describe('refusal and usage replies', () => {
  const now = Date.parse('2026-12-06T20:48:00Z');
  it('names the limit, the usage and the reset time in words and as UTC', () => {
    const refusal = { limit: 'runs_per_day', used: 50, max: 50, resetsAt: nextUtcDay(now), now } as const;
    expect(describeRefusal(refusal)).toBe(
      'This repository has used 50 of its 50 runs today (UTC) (`limits.runs_per_day`); the count resets at 00:00 UTC (2026-12-07), in 3 h 12 min.',
    );
    expect(
      describeRefusal({
        limit: 'tokens_per_month',
        used: 20_000_123,
        max: 20_000_000,
        resetsAt: nextUtcMonth(now),
        now,
      }),
    ).toBe(
      'This repository has used 20,000,123 of its 20,000,000 tokens this month (UTC) (`limits.tokens_per_month`); the count resets on 1 January at 00:00 UTC (2027-01-01), in 25 days 3 h.',
    );
    const reply = renderLimitRefusalReply('alice', {
      ...refusal,
      limit: 'runs_per_user_per_day',
      max: 10,
      used: 10,
    });
    expect(reply).toContain('Nothing was started: @alice, you have used 10 of your 10 runs today (UTC)');
    expect(reply).toContain('<!-- codecloud:reply=limit -->');
  });

  it('the usage table lists what, used, limit and resets, redacted', () => {
    const body = renderUsageReply({
      login: 'alice',
      repo: 'acme/app',
      now,
      tokensPerRun: 2_000_000,
      rows: [
        {
          what: 'runs of this repository today',
          used: 3,
          limit: 50,
          resetsAt: nextUtcDay(now),
          period: 'day',
        },
        {
          what: 'tokens ghp_abcdefghijklmnopqrstuvwxyz0123456789',
          used: 1,
          limit: undefined,
          resetsAt: nextUtcMonth(now),
          period: 'month',
        },
      ],
    });
    expect(body).toContain('| what | used | limit | resets |');
    expect(body).toContain(
      '| runs of this repository today | 3 | 50 | at 00:00 UTC (2026-12-07), in 3 h 12 min |',
    );
    expect(body).toContain('| none |');
    expect(body).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(body).toContain('A run that passes 2,000,000 tokens is stopped');
  });
});

import { describe, expect, it } from 'vitest';
import {
  effectiveRunSettings,
  parseRepoConfig,
  type RepoConfig,
  scheduleRunSettings,
} from '../../../src/config/repo-config.js';

function config(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw);
  if (!result.ok) throw new Error(result.message);
  return result.config;
}

function problem(raw: unknown): string {
  const result = parseRepoConfig(raw);
  if (result.ok) throw new Error('expected an invalid config');
  return result.message;
}

describe('parseRepoConfig', () => {
  it('reads autofix, fills its defaults, and names a wrong key and value', () => {
    expect(config({ autofix: { ci: true } }).autofix).toEqual({ ci: true, reviews: false, max_attempts: 3 });
    expect(config({ autofix: { reviews: true, max_attempts: null } }).autofix).toEqual({
      ci: false,
      reviews: true,
      max_attempts: 3,
    });
    expect(problem({ autofix: { ci: 'yes' } })).toBe("autofix.ci: must be true or false (got 'yes')");
    expect(problem({ autofix: { max_attempts: 0 } })).toBe(
      'autofix.max_attempts: must be at least 1 (got 0)',
    );
    expect(problem({ autofix: { max_attempts: 2.5 } })).toContain(
      'autofix.max_attempts: must be a whole number',
    );
    expect(parseRepoConfig({ autofix: { max_atempts: 2 } })).toMatchObject({
      ok: true,
      warnings: ["autofix.max_atempts: unknown key, ignored (did you mean 'max_attempts'?)"],
    });
  });

  it('gives the documented defaults for no file and an empty file', () => {
    const expected = {
      trigger: '/codecloud',
      label: 'codecloud',
      backend: 'codecloud',
      mode: 'execute',
      auto_create_pr: true,
      min_permission: 'write',
      allowed_bots: [],
      max_concurrent_runs: 5,
      timeout_minutes: 60,
      progress: true,
      instructions: '',
      schedules: [],
      autofix: { ci: false, reviews: false, max_attempts: 3 },
      limits: {},
    };
    expect(parseRepoConfig(undefined)).toEqual({ ok: true, config: expected, warnings: [] });
    expect(parseRepoConfig(null)).toEqual({ ok: true, config: expected, warnings: [] });
    expect(parseRepoConfig({})).toEqual({ ok: true, config: expected, warnings: [] });
  });

  it('reads a file with every key in full', () => {
    const raw = {
      trigger: '/codecloud',
      label: 'codecloud',
      backend: 'codecloud',
      mode: 'execute',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      agent_provider: 'opencode',
      branch: 'main',
      auto_create_pr: true,
      min_permission: 'write',
      allowed_bots: [],
      max_concurrent_runs: 5,
      timeout_minutes: 60,
      progress: true,
      instructions: '',
      schedules: [
        { name: 'nightly-tests', cron: '0 3 * * *', prompt: 'Run the test suite and fix any failures' },
      ],
      autofix: { ci: true, reviews: true, max_attempts: 2 },
      limits: {
        runs_per_day: 50,
        runs_per_user_per_day: 10,
        tokens_per_month: 20_000_000,
        tokens_per_run: 2_000_000,
      },
    };
    expect(parseRepoConfig(raw)).toEqual({ ok: true, config: raw, warnings: [] });
  });

  it('quotes the key and the value of a wrong enum', () => {
    expect(parseRepoConfig({ min_permission: 'owner' })).toEqual({
      ok: false,
      message: "min_permission: must be one of read, triage, write, maintain, admin (got 'owner')",
      issues: ["min_permission: must be one of read, triage, write, maintain, admin (got 'owner')"],
    });
    expect(problem({ backend: 'aws' })).toBe("backend: must be one of codecloud, cloudcoding (got 'aws')");
    expect(problem({ agent_provider: 'cursor' })).toBe(
      "agent_provider: must be one of opencode, claude-code (got 'cursor')",
    );
    expect(problem({ mode: 'exec' })).toBe("mode: must be one of execute, plan (got 'exec')");
  });

  it('names wrong types and ranges', () => {
    expect(problem({ auto_create_pr: 'yes' })).toBe("auto_create_pr: must be true or false (got 'yes')");
    expect(problem({ max_concurrent_runs: 0 })).toBe('max_concurrent_runs: must be at least 1 (got 0)');
    expect(problem({ max_concurrent_runs: 2.5 })).toBe(
      'max_concurrent_runs: must be a whole number (got 2.5)',
    );
    expect(problem({ timeout_minutes: '60' })).toBe("timeout_minutes: must be a number (got '60')");
    expect(problem({ timeout_minutes: 100_000 })).toBe('timeout_minutes: must be at most 1440 (got 100000)');
    expect(problem({ allowed_bots: 'dependabot' })).toBe("allowed_bots: must be a list (got 'dependabot')");
    expect(problem({ allowed_bots: [''] })).toBe("allowed_bots[0]: must not be empty (got '')");
    expect(problem({ trigger: 'code cloud' })).toBe(
      "trigger: must be one word (no spaces), at most 50 characters (got 'code cloud')",
    );
    expect(problem({ model: 'a b' })).toContain(
      "model: must be a name of letters, digits and . _ : / @ + - (got 'a b')",
    );
    expect(problem({ branch: 'a..b' })).toBe("branch: is not a valid branch name (got 'a..b')");
    expect(problem({ schedules: [{ name: 'x', cron: '0 3 * * *', prompt: 'p', branch: 'x y' }] })).toBe(
      "schedules[0].branch: is not a valid branch name (got 'x y')",
    );
    expect(problem('trigger: /x')).toBe("must be a mapping (got 'trigger: /x')");
  });

  it('lists every problem at once', () => {
    const result = parseRepoConfig({ backend: 'x', progress: 1 });
    expect(result).toMatchObject({
      ok: false,
      issues: [
        "backend: must be one of codecloud, cloudcoding (got 'x')",
        'progress: must be true or false (got 1)',
      ],
    });
    expect(result.ok === false && result.message).toBe(
      "backend: must be one of codecloud, cloudcoding (got 'x'); progress: must be true or false (got 1)",
    );
  });

  it('treats empty YAML values (null) as not set', () => {
    expect(
      config({
        model: null,
        allowed_bots: null,
        schedules: [{ name: 'a', cron: '0 3 * * *', prompt: 'p', model: null }],
      }),
    ).toMatchObject({
      allowed_bots: [],
      schedules: [{ name: 'a', cron: '0 3 * * *', prompt: 'p' }],
    });
    expect(config({ model: null })).not.toHaveProperty('model');
  });

  it('tolerates unknown keys with a warning, and drops them', () => {
    const result = parseRepoConfig({
      min_permision: 'admin',
      _extends: '.github',
      future_key: 1,
      schedules: [{ name: 'a', cron: '0 3 * * *', prompt: 'p', promt: 'x' }],
    });
    expect(result).toEqual({
      ok: true,
      config: expect.objectContaining({ min_permission: 'write' }),
      warnings: [
        "min_permision: unknown key, ignored (did you mean 'min_permission'?)",
        'future_key: unknown key, ignored',
        "schedules[0].promt: unknown key, ignored (did you mean 'prompt'?)",
      ],
    });
    const kept = result.ok ? result.config : undefined;
    expect(kept).not.toHaveProperty('future_key');
    expect(kept?.schedules[0]).not.toHaveProperty('promt');
  });
});

describe('parseRepoConfig: schedules', () => {
  it('accepts cron and run_at entries with overrides', () => {
    expect(
      config({
        schedules: [
          { name: 'nightly', cron: '0 3 * * *', prompt: 'Run the tests', model: 'opus', mode: 'plan' },
          { name: 'once', run_at: '2026-12-01T03:00:00Z', prompt: 'Bump deps', auto_create_pr: false },
        ],
      }).schedules,
    ).toEqual([
      { name: 'nightly', cron: '0 3 * * *', prompt: 'Run the tests', model: 'opus', mode: 'plan' },
      { name: 'once', run_at: '2026-12-01T03:00:00.000Z', prompt: 'Bump deps', auto_create_pr: false },
    ]);
    expect(
      config({ schedules: [{ name: 'x', run_at: '2026-12-01T04:00+01:00', prompt: 'p' }] }).schedules[0]
        ?.run_at,
    ).toBe('2026-12-01T03:00:00.000Z');
  });

  it('takes back a run_at that the YAML loader turned into a Date', () => {
    expect(
      config({ schedules: [{ name: 'once', run_at: new Date('2026-12-01T03:00:00Z'), prompt: 'p' }] })
        .schedules[0],
    ).toMatchObject({ run_at: '2026-12-01T03:00:00.000Z' });
  });

  it('refuses a cron that runs too often, with the reason', () => {
    expect(problem({ schedules: [{ name: 'x', cron: '*/5 * * * *', prompt: 'p' }] })).toBe(
      "schedules[0].cron: cron '*/5 * * * *' runs every 5 minutes; the minimum interval is 15 minutes",
    );
  });

  it('needs exactly one of cron and run_at', () => {
    expect(problem({ schedules: [{ name: 'x', prompt: 'p' }] })).toBe(
      'schedules[0]: needs exactly one of cron (recurring) or run_at (once)',
    );
    expect(
      problem({ schedules: [{ name: 'x', prompt: 'p', cron: '0 3 * * *', run_at: '2026-12-01T03:00:00Z' }] }),
    ).toBe('schedules[0]: needs exactly one of cron (recurring) or run_at (once)');
  });

  it('names missing and malformed fields', () => {
    expect(problem({ schedules: [{ cron: '0 3 * * *' }] })).toBe(
      'schedules[0].name: is required; schedules[0].prompt: is required',
    );
    expect(problem({ schedules: [{ name: 'x', prompt: 'p', run_at: 'tomorrow' }] })).toBe(
      "schedules[0].run_at: must be an ISO 8601 date-time with a time zone, e.g. 2026-12-01T03:00:00Z (got 'tomorrow')",
    );
    expect(problem({ schedules: [{ name: 'x', prompt: '  ', cron: '0 3 * * *' }] })).toBe(
      "schedules[0].prompt: must not be empty (got '')",
    );
  });

  it('refuses duplicate names', () => {
    expect(
      problem({
        schedules: [
          { name: 'Nightly', cron: '0 3 * * *', prompt: 'p' },
          { name: 'nightly', cron: '0 4 * * *', prompt: 'q' },
        ],
      }),
    ).toBe("schedules[1].name: duplicates schedules[0].name; schedule names must be unique (got 'nightly')");
  });
});

describe('effectiveRunSettings', () => {
  const base = config({
    model: 'sonnet',
    provider: 'anthropic',
    branch: 'develop',
    instructions: 'Be brief.',
  });

  it('takes the config when the command sets nothing', () => {
    expect(effectiveRunSettings(base, {})).toEqual({
      backend: 'codecloud',
      mode: 'execute',
      model: 'sonnet',
      provider: 'anthropic',
      branch: 'develop',
      autoCreatePr: true,
      timeoutMinutes: 60,
      instructions: 'Be brief.',
    });
  });

  it('lets every option win over the config', () => {
    expect(
      effectiveRunSettings(
        base,
        {
          model: 'opus',
          provider: 'openai',
          agentProvider: 'claude-code',
          branch: 'x',
          noPr: true,
          backend: 'cloudcoding',
        },
        'plan',
      ),
    ).toEqual({
      backend: 'cloudcoding',
      mode: 'plan',
      model: 'opus',
      provider: 'openai',
      agentProvider: 'claude-code',
      branch: 'x',
      autoCreatePr: false,
      timeoutMinutes: 60,
      instructions: 'Be brief.',
    });
  });

  it('uses config mode for execute commands and leaves unset values out', () => {
    const settings = effectiveRunSettings(config({ mode: 'plan', auto_create_pr: false }), {});
    expect(settings).toMatchObject({ mode: 'plan', autoCreatePr: false });
    expect(settings).not.toHaveProperty('model');
    expect(settings).not.toHaveProperty('branch');
  });

  it('applies a schedule entry over the config', () => {
    const withSchedule = config({
      model: 'sonnet',
      schedules: [
        { name: 'n', cron: '0 3 * * *', prompt: 'p', model: 'opus', mode: 'plan', auto_create_pr: false },
      ],
    });
    const schedule = withSchedule.schedules[0];
    if (schedule === undefined) throw new Error('no schedule');
    expect(scheduleRunSettings(withSchedule, schedule)).toMatchObject({
      model: 'opus',
      mode: 'plan',
      autoCreatePr: false,
    });
  });
});

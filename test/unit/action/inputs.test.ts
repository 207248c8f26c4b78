import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inputDefault } from '../../../src/action/input-fields.js';
import { ACTION_INPUT_NAMES, ACTION_OUTPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { ActionInputError, type ParsedInputs, parseActionInputs } from '../../../src/action/inputs.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const ENV = {
  GITHUB_REPOSITORY: 'octo/widgets',
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_ID: '9001',
  GITHUB_JOB: 'agent',
  GITHUB_ACTION: 'follow',
};

function raw(inputs: Partial<RawInputs>): RawInputs {
  const all = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
  return { ...all, 'api-key': 'sk-secret-123', ...inputs };
}

function parse_(inputs: Partial<RawInputs>, env: Record<string, string> = ENV): ParsedInputs {
  return parseActionInputs(raw(inputs), env, NOW);
}

function problems(inputs: Partial<RawInputs>, env: Record<string, string> = ENV): string[] {
  try {
    parse_(inputs, env);
  } catch (error) {
    if (error instanceof ActionInputError) return error.problems;
    throw error;
  }
  throw new Error('expected the inputs to be refused');
}

describe('action.yml', () => {
  const yml = parse(readFileSync(new URL('../../../action.yml', import.meta.url), 'utf8')) as {
    inputs: Record<string, { default?: string; required?: boolean; description: string }>;
    outputs: Record<string, { description: string }>;
    runs: Record<string, string>;
  };

  it('declares exactly the inputs the code reads, and the outputs docs/action.md lists', () => {
    expect(Object.keys(yml.inputs)).toEqual([...ACTION_INPUT_NAMES]);
    expect(Object.keys(yml.outputs)).toEqual([...ACTION_OUTPUT_NAMES]);
    for (const [name, input] of Object.entries(yml.inputs)) expect(input.description, name).toBeTruthy();
  });

  it('states the same defaults as the input schemas', () => {
    // github-token's default is an expression only the runner can evaluate: the schemas have none.
    for (const name of ACTION_INPUT_NAMES.filter((name) => name !== 'github-token'))
      expect(yml.inputs[name]?.default, name).toBe(inputDefault(name));
    expect(inputDefault('timeout-minutes')).toBe('60');
    expect(yml.inputs['github-token']?.default).toBe(['${{', 'github.token', '}}'].join(' '));
    expect(yml.inputs['api-key']?.required).toBe(true);
  });

  it('runs on node24 with a post step', () => {
    expect(yml.runs).toMatchObject({ using: 'node24', main: 'dist/index.mjs', post: 'dist/index.mjs' });
  });
});

describe('parseActionInputs', () => {
  it('turns one prompt into one run request with the defaults action.yml states', () => {
    const { settings } = parse_({ prompt: 'Fix the flaky test' });
    expect(settings).toMatchObject({
      backend: 'codecloud',
      apiUrl: 'https://codecloud.dev',
      command: 'run',
      wait: true,
      timeoutMs: 60 * 60_000,
      stopOnCancel: true,
      failOnError: true,
      maxParallel: 5,
      fromTasksInput: false,
      tasks: [
        {
          name: 'run',
          request: {
            prompt: 'Fix the flaky test',
            repo: 'octo/widgets',
            branch: 'main',
            mode: 'execute',
            auto_create_pr: true,
            blank_workspace: false,
          },
        },
      ],
    });
  });

  it("uses the PR's head branch on pull_request events", () => {
    const { settings } = parse_(
      { prompt: 'x' },
      { ...ENV, GITHUB_HEAD_REF: 'feature/a', GITHUB_REF_NAME: '7/merge' },
    );
    expect(settings.command === 'run' && settings.tasks[0]?.request.branch).toBe('feature/a');
  });

  it('names the input and the value, as docs/action.md shows', () => {
    expect(problems({ prompt: 'x', mode: 'exec' })).toEqual([
      "Input 'mode' must be 'execute' or 'plan', got 'exec'",
    ]);
  });

  it.each([
    ['wait', 'yes', "Input 'wait' must be 'true' or 'false', got 'yes'"],
    ['auto-create-pr', '1', "Input 'auto-create-pr' must be 'true' or 'false', got '1'"],
    ['timeout-minutes', 'soon', "Input 'timeout-minutes' must be a positive number of minutes, got 'soon'"],
    ['max-parallel', '0', "Input 'max-parallel' must be a whole number from 1 to 100, got '0'"],
    ['repo', 'widgets', "Input 'repo' must be in the form 'owner/repo', got 'widgets'"],
    ['backend', 'openai', "Input 'backend' must be 'codecloud' or 'cloudcoding', got 'openai'"],
    ['api-url', 'ftp://x', "Input 'api-url' must be an http(s) URL, got 'ftp://x'"],
    ['agent-provider', 'cursor', "Input 'agent-provider' must be 'opencode' or 'claude-code', got 'cursor'"],
  ] as const)('refuses %s=%s', (name, value, message) => {
    expect(problems({ prompt: 'x', [name]: value })).toEqual([message]);
  });

  it('accepts booleans only as YAML 1.2 spells them', () => {
    expect(parse_({ prompt: 'x', wait: 'False' }).settings.wait).toBe(false);
    expect(parse_({ prompt: 'x', wait: 'TRUE' }).settings.wait).toBe(true);
    expect(problems({ prompt: 'x', wait: 'on' })).toHaveLength(1);
  });

  it('reports every problem at once and never echoes the API key', () => {
    const found = problems({ 'api-key': '', command: 'launch', wait: 'maybe' });
    expect(found).toEqual([
      "Input 'command' must be one of 'run', 'follow-up', 'stop', 'status', 'schedule', 'unschedule', got 'launch'",
      "Input 'wait' must be 'true' or 'false', got 'maybe'",
      "Input 'api-key' is required (a codecloud API key, or a Cloud Coding key with backend: cloudcoding)",
      "Input 'prompt' is required for command 'run' (or give 'tasks', a list of {name, prompt})",
    ]);
    const withKey = problems({ 'api-key': 'sk-secret-123', mode: 'sk-secret-123' });
    expect(withKey.join('\n')).not.toContain('sk-secret-123');
  });

  it('shows long values shortened, on one line', () => {
    const [message] = problems({ prompt: 'x', mode: `${'a'.repeat(100)}\nsecond line` });
    expect(message).toBe(`Input 'mode' must be 'execute' or 'plan', got '${'a'.repeat(80)}…'`);
  });

  it('refuses prompt and tasks together, and neither', () => {
    expect(problems({ prompt: 'x', tasks: '- y' })).toEqual([
      "Input 'prompt' and input 'tasks' cannot both be set: give one prompt, or a list of tasks",
    ]);
  });

  it('needs a repository unless the workspace is blank', () => {
    expect(problems({ prompt: 'x' }, {})).toEqual([
      "Input 'repo' is required (GITHUB_REPOSITORY is not set), unless 'blank-workspace' is 'true'",
    ]);
    const { settings } = parse_({ prompt: 'x', 'blank-workspace': 'true' }, {});
    expect(settings.command === 'run' && settings.tasks[0]?.request).toEqual({
      prompt: 'x',
      mode: 'execute',
      auto_create_pr: true,
      blank_workspace: true,
    });
  });

  it('reads tasks from YAML with per-task overrides checked like inputs', () => {
    const { settings } = parse_({
      tasks:
        '- name: lint\n  prompt: Fix lint\n  mode: plan\n- name: docs\n  prompt: Write docs\n  auto-create-pr: false\n',
      model: 'claude-sonnet-4-5',
      'max-parallel': '2',
    });
    expect(settings).toMatchObject({ command: 'run', fromTasksInput: true, maxParallel: 2 });
    if (settings.command !== 'run') throw new Error('not run');
    expect(
      settings.tasks.map((t) => [t.name, t.request.mode, t.request.auto_create_pr, t.request.model]),
    ).toEqual([
      ['lint', 'plan', true, 'claude-sonnet-4-5'],
      ['docs', 'execute', false, 'claude-sonnet-4-5'],
    ]);
  });

  it('reads tasks from JSON, and names the item of a bad override', () => {
    const { settings } = parse_({ tasks: '[{"name":"a","prompt":"one"},{"prompt":"two"}]' });
    expect(settings.command === 'run' && settings.tasks.map((t) => t.name)).toEqual(['a', 'task-2']);
    expect(problems({ tasks: '[{"name":"lint","prompt":"p","mode":"exec"}]' })).toEqual([
      "Input 'tasks' item 1 ('lint'): 'mode' must be 'execute' or 'plan', got 'exec'",
    ]);
  });

  it('derives a follow-up idempotency key that survives a re-run but not another step', () => {
    const first = parse_({ command: 'follow-up', 'run-id': 'run_1', prompt: 'add tests' }).settings;
    const rerun = parse_(
      { command: 'follow-up', 'run-id': 'run_1', prompt: 'add tests' },
      { ...ENV, GITHUB_RUN_ATTEMPT: '2' },
    ).settings;
    const otherStep = parse_(
      { command: 'follow-up', 'run-id': 'run_1', prompt: 'add tests' },
      { ...ENV, GITHUB_ACTION: 'follow2' },
    ).settings;
    if (first.command !== 'follow-up' || rerun.command !== 'follow-up' || otherStep.command !== 'follow-up') {
      throw new Error('not follow-up');
    }
    expect(first.idempotencyKey).toBe('gha-9001-agent-follow-run_1');
    expect(rerun.idempotencyKey).toBe(first.idempotencyKey);
    expect(otherStep.idempotencyKey).not.toBe(first.idempotencyKey);
    // A re-run whose prompt changed (output of an earlier step) still sends the same key: the message goes once.
    const changedPrompt = parse_(
      { command: 'follow-up', 'run-id': 'run_1', prompt: 'add tests for the new failure' },
      { ...ENV, GITHUB_RUN_ATTEMPT: '2' },
    ).settings;
    expect(changedPrompt.command === 'follow-up' && changedPrompt.idempotencyKey).toBe(first.idempotencyKey);
    // Matrix legs following up different runs from one step do not share a key.
    const otherRun = parse_({ command: 'follow-up', 'run-id': 'run_2', prompt: 'add tests' }).settings;
    expect(otherRun.command === 'follow-up' && otherRun.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(first).toMatchObject({ runId: 'run_1', prompt: 'add tests', updatePr: true, mode: undefined });
  });

  it('sends plan-mode follow-ups without update_pr, whatever the default says', () => {
    const { settings } = parse_({
      command: 'follow-up',
      'run-id': 'r',
      prompt: 'p',
      mode: 'plan',
      'update-pr': 'true',
    });
    expect(settings).toMatchObject({ command: 'follow-up', mode: 'plan', updatePr: false });
  });

  it('uses a given idempotency key, and warns when none can be derived', () => {
    const given = parse_({
      command: 'follow-up',
      'run-id': 'r',
      prompt: 'p',
      'idempotency-key': 'k-1',
    }).settings;
    expect(given.command === 'follow-up' && given.idempotencyKey).toBe('k-1');
    const local = parse_({ command: 'follow-up', 'run-id': 'r', prompt: 'p' }, { GITHUB_REPOSITORY: 'a/b' });
    expect(local.warnings[0]).toMatch(/No idempotency-key given/);
  });

  it('needs run-id for follow-up, stop and status', () => {
    expect(problems({ command: 'stop' })).toEqual(["Input 'run-id' is required for command 'stop'"]);
    expect(problems({ command: 'follow-up', prompt: 'x' })).toEqual([
      "Input 'run-id' is required for command 'follow-up' (the run to continue)",
    ]);
    expect(problems({ command: 'status', 'run-id': 'a b' })).toEqual([
      "Input 'run-id' must be a codecloud run id (letters, digits, _ and -), got 'a b'",
    ]);
  });

  it('checks cron locally, saying why', () => {
    expect(problems({ command: 'schedule', prompt: 'p', cron: '*/5 * * * *' })).toEqual([
      "Input 'cron' is not accepted: cron '*/5 * * * *' runs every 5 minutes; the minimum interval is 15 minutes",
    ]);
    expect(problems({ command: 'schedule', prompt: 'p', cron: '0 3 * *' })[0]).toMatch(
      /^Input 'cron' is not accepted: cron '0 3 \* \*' must have exactly 5 fields/,
    );
    expect(problems({ command: 'schedule', prompt: 'p', 'run-at': '2026-05-01T00:00:00Z' })[0]).toMatch(
      /^Input 'run-at' is not accepted: run_at '2026-05-01T00:00:00Z' is in the past/,
    );
    expect(problems({ command: 'schedule', prompt: 'p' })).toEqual([
      "Input 'cron' or input 'run-at' is required for command 'schedule'",
    ]);
  });

  it('builds recurring and one-off schedules', () => {
    const recurring = parse_({ command: 'schedule', prompt: 'p', cron: '0 3 * * *' }).settings;
    expect(recurring.command === 'schedule' && recurring.schedule).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * *',
      prompt: 'p',
      repo: 'octo/widgets',
    });
    const once = parse_({ command: 'schedule', prompt: 'p', 'run-at': '2026-07-01T09:00:00Z' }).settings;
    expect(once.command === 'schedule' && once.schedule).toMatchObject({
      type: 'once',
      run_at: '2026-07-01T09:00:00Z',
    });
  });

  it('keeps the Cloud Coding inputs to the cloudcoding backend', () => {
    expect(problems({ prompt: 'x', 'thread-id': 't1', haiku: 'true' })).toEqual([
      "Input 'thread-id' is only used with backend 'cloudcoding', got 't1'",
      "Input 'haiku' is only used with backend 'cloudcoding', got 'true'",
    ]);
    expect(problems({ prompt: 'x', backend: 'cloudcoding', haiku: 'yes' })).toEqual([
      "Input 'haiku' must be 'true' or 'false', got 'yes'",
      "Input 'github-token' is required with backend 'cloudcoding' (it defaults to the workflow's GITHUB_TOKEN)",
    ]);
    expect(
      problems({
        command: 'schedule',
        backend: 'cloudcoding',
        'github-token': 'g',
        prompt: 'p',
        cron: '0 3 * * *',
      }),
    ).toEqual(["Input 'command' must be 'run' or 'follow-up' with backend 'cloudcoding', got 'schedule'"]);
    const { settings } = parse_({
      prompt: 'x',
      backend: 'cloudcoding',
      'github-token': 'ghs_x',
      haiku: 'true',
    });
    expect(settings).toMatchObject({
      apiUrl: 'https://api.cloudcoding.ai',
      githubToken: 'ghs_x',
      haiku: true,
    });
  });
});

describe('inputs meant for another command', () => {
  it.each([
    [
      { prompt: 'p', cron: '0 3 * * *' },
      "Input 'cron' is only used with command 'schedule', but command is 'run'",
    ],
    [
      { prompt: 'p', 'run-at': '2026-07-01T00:00:00Z' },
      "Input 'run-at' is only used with command 'schedule'",
    ],
    [
      { prompt: 'p', 'run-id': 'run_1' },
      "Input 'run-id' is only used with command 'follow-up', 'stop' or 'status'",
    ],
    [
      { command: 'stop', 'run-id': 'r', 'schedule-id': 's' },
      "Input 'schedule-id' is only used with command 'unschedule', but command is 'stop'",
    ],
    [
      { command: 'status', 'run-id': 'r', prompt: 'p' },
      "Input 'prompt' is only used with command 'run', 'follow-up' or 'schedule'",
    ],
    [
      { prompt: 'p', 'idempotency-key': 'k' },
      "Input 'idempotency-key' is only used with command 'follow-up'",
    ],
  ])('refuses %o before any call', (inputs, message) => {
    expect(problems(inputs).join('\n')).toContain(message);
  });
});

describe('the default branch', () => {
  const prEvent = (headRepo: string | null) => ({
    pull_request: {
      head: { ref: 'feature/x', repo: headRepo === null ? null : { full_name: headRepo } },
      base: { repo: { full_name: 'octo/widgets' } },
    },
  });
  const branchOf = (env: Record<string, string>, event?: unknown) => {
    const parsed = parseActionInputs(raw({ prompt: 'p' }), env, NOW, event);
    const settings = parsed.settings;
    return {
      branch: settings.command === 'run' ? settings.tasks[0]?.request.branch : 'n/a',
      notices: parsed.notices,
    };
  };

  it("is the pull request's head branch on pull_request_review(_comment), not the N/merge ref", () => {
    const env = { ...ENV, GITHUB_REF: 'refs/pull/7/merge', GITHUB_REF_NAME: '7/merge' };
    expect(branchOf(env, prEvent('octo/widgets')).branch).toBe('feature/x');
  });

  it('is never a refs/pull/N/merge ref: the default branch, with a notice', () => {
    const env = { ...ENV, GITHUB_REF: 'refs/pull/7/merge', GITHUB_REF_NAME: '7/merge' };
    const { branch, notices } = branchOf(env);
    expect(branch).toBeUndefined();
    expect(notices[0]).toMatch(
      /refs\/pull\/7\/merge, which is not a branch: using the repository's default branch/,
    );
  });

  it('on a comment on a pull request: the branch the workflow runs on, with a notice that branch can be set', () => {
    const { branch, notices } = branchOf(ENV, { issue: { number: 7, pull_request: { url: 'x' } } });
    expect(branch).toBe('main');
    expect(notices[0]).toContain("set input 'branch'");
  });

  it('refuses a pull request from a fork unless branch is given', () => {
    const parse = () => parseActionInputs(raw({ prompt: 'p' }), ENV, NOW, prEvent('someone/widgets'));
    expect(parse).toThrow(
      "The pull request comes from the fork someone/widgets: its branch 'feature/x' is not in octo/widgets. Set input 'branch'",
    );
    const given = parseActionInputs(
      raw({ prompt: 'p', branch: 'main' }),
      ENV,
      NOW,
      prEvent('someone/widgets'),
    );
    expect(given.settings.command === 'run' && given.settings.tasks[0]?.request.branch).toBe('main');
  });
});

describe('each problem is an issue on the input it is about', () => {
  function paths(inputs: Partial<RawInputs>, env: Record<string, string> = ENV, event?: unknown) {
    try {
      parseActionInputs(raw(inputs), env, NOW, event);
    } catch (error) {
      if (error instanceof ActionInputError) return error.issues.map((issue) => issue.path);
      throw error;
    }
    throw new Error('expected the inputs to be refused');
  }

  it.each([
    ['a refused value', { prompt: 'x', mode: 'exec' }, [['mode']]],
    ['a missing API key', { 'api-key': '', prompt: 'x' }, [['api-key']]],
    ['prompt and tasks together', { prompt: 'x', tasks: '- y' }, [['tasks']]],
    ['neither prompt nor tasks', {}, [['prompt']]],
    [
      'a refused task override',
      { tasks: '[{"name":"a","prompt":"p","mode":"exec"}]' },
      [['tasks', 0, 'mode']],
    ],
    ['an input of another command', { prompt: 'x', cron: '0 3 * * *' }, [['cron']]],
    ['a follow-up without run-id', { command: 'follow-up', prompt: 'x' }, [['run-id']]],
    ['a schedule without cron or run-at', { command: 'schedule', prompt: 'p' }, [['cron']]],
    ['a cron too often', { command: 'schedule', prompt: 'p', cron: '*/5 * * * *' }, [['cron']]],
    [
      'a Cloud Coding input with codecloud',
      { prompt: 'x', 'thread-id': 't1', haiku: 'true' },
      [['thread-id'], ['haiku']],
    ],
    [
      'a command Cloud Coding does not have',
      { command: 'stop', 'run-id': 'r', backend: 'cloudcoding', 'github-token': 'g' },
      [['command']],
    ],
    [
      'a comment without waiting',
      { prompt: 'x', comment: 'true', wait: 'false', 'github-token': 'g' },
      [['comment']],
    ],
    [
      'webhook-url next to app-url',
      { prompt: 'x', 'app-url': 'https://a.example', 'webhook-url': 'https://b.example' },
      [['webhook-url']],
    ],
  ] as const)('%s', (_what, inputs, expected) => {
    expect(paths(inputs)).toEqual(expected);
  });

  it("a fork's pull request without branch", () => {
    const event = {
      pull_request: {
        head: { ref: 'feature/x', repo: { full_name: 'someone/widgets' } },
        base: { repo: { full_name: 'octo/widgets' } },
      },
    };
    expect(paths({ prompt: 'p' }, ENV, event)).toEqual([['branch']]);
  });
});

import { describe, expect, it } from 'vitest';
import { ACTION_INPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { ActionInputError, parseActionInputs } from '../../../src/action/inputs.js';

const ENV = { GITHUB_REPOSITORY: 'octo/widgets', GITHUB_REF_NAME: 'main' };

function raw(inputs: Partial<RawInputs>): RawInputs {
  const all = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
  return { ...all, 'api-key': 'sk-secret-123', 'github-token': 'ghs_tokentokentoken', ...inputs };
}

const parse = (inputs: Partial<RawInputs>) => parseActionInputs(raw(inputs), ENV, new Date());

function problems(inputs: Partial<RawInputs>): string[] {
  try {
    parse(inputs);
  } catch (error) {
    if (error instanceof ActionInputError) return error.problems;
    throw error;
  }
  throw new Error('expected the inputs to be refused');
}

describe('app-url', () => {
  it('creates every run with webhook_url = app-url + /codecloud/webhook (trailing slash dropped)', () => {
    const { settings } = parse({
      'app-url': 'https://app.example/',
      tasks: '- name: a\n  prompt: A\n- name: b\n  prompt: B\n',
    });
    expect(settings.appUrl).toBe('https://app.example');
    if (settings.command !== 'run') throw new Error('run expected');
    expect(settings.tasks.map((t) => t.request.webhook_url)).toEqual([
      'https://app.example/codecloud/webhook',
      'https://app.example/codecloud/webhook',
    ]);
  });

  it('refuses webhook-url next to it, a bad URL, the cloudcoding backend and commands that do not wait', () => {
    expect(
      problems({ prompt: 'p', 'app-url': 'https://a.example', 'webhook-url': 'https://b.example' }),
    ).toEqual([
      "Input 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App (https://a.example/codecloud/webhook)",
    ]);
    expect(problems({ prompt: 'p', 'app-url': 'ftp://a' })).toEqual([
      "Input 'app-url' must be an http(s) URL, got 'ftp://a'",
    ]);
    expect(problems({ prompt: 'p', backend: 'cloudcoding', 'app-url': 'https://a.example' })).toContain(
      "Input 'app-url' is only used with backend 'codecloud', got 'https://a.example'",
    );
    expect(problems({ command: 'status', 'run-id': 'r1', 'app-url': 'https://a.example' })).toEqual([
      "Input 'app-url' is only used with command 'run' or 'follow-up', but command is 'status': set 'command' or remove 'app-url'",
    ]);
    expect(
      problems({
        'app-url': 'https://a.example',
        tasks: '- name: a\n  prompt: A\n  webhook-url: https://x.example\n',
      }),
    ).toEqual([
      "Input 'tasks' item 1 ('a'): 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App",
    ]);
  });
});

describe('comment', () => {
  it("is off by default, 'true' follows the event, a number names the issue or pull request", () => {
    expect(parse({ prompt: 'p' }).settings.comment).toEqual({ kind: 'off' });
    expect(parse({ prompt: 'p', comment: 'false' }).settings.githubToken).toBeUndefined();
    const on = parse({ prompt: 'p', comment: 'true' }).settings;
    expect(on.comment).toEqual({ kind: 'event' });
    expect(on.githubToken).toBe('ghs_tokentokentoken');
    expect(parse({ prompt: 'p', comment: '42' }).settings.comment).toEqual({ kind: 'number', number: 42 });
  });

  it('refuses other values, other commands, and a missing github-token', () => {
    expect(problems({ prompt: 'p', comment: 'yes' })).toEqual([
      "Input 'comment' must be 'true', 'false' or the number of an issue or pull request, got 'yes'",
    ]);
    expect(problems({ command: 'stop', 'run-id': 'r1', comment: 'true' })).toEqual([
      "Input 'comment' is only used with command 'run' or 'follow-up', but command is 'stop': set 'command' or remove 'comment'",
    ]);
    expect(problems({ prompt: 'p', comment: 'true', wait: 'false' })).toEqual([
      "Input 'comment' needs 'wait' to be 'true': with 'wait: false' the step ends before the run does",
    ]);
    expect(problems({ prompt: 'p', comment: 'true', 'github-token': '' })).toEqual([
      "Input 'github-token' is required with 'comment' (it defaults to the workflow's GITHUB_TOKEN)",
    ]);
  });
});

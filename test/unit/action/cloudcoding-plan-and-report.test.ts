import { describe, expect, it } from 'vitest';
import { reportCloudCoding, taskGroupLines } from '../../../src/action/cloudcoding-report.js';
import { type CloudCodingPlan, planCloudCoding } from '../../../src/action/cloudcoding-request.js';
import { ACTION_INPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { parseActionInputs } from '../../../src/action/inputs.js';
import type { ActionSettings } from '../../../src/action/settings.js';
import type { CloudCodingRunState, CloudCodingTaskState } from '../../../src/cloudcoding/run-recorder.js';

const ENV = { GITHUB_REPOSITORY: 'octo/widgets', GITHUB_REF_NAME: 'main', GITHUB_RUN_ID: '1' };
const TOKEN = 'ghs_jobtoken00000000000000000000000000';

function settings(inputs: Partial<RawInputs>, env: Record<string, string> = ENV): ActionSettings {
  const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
  return parseActionInputs(
    { ...raw, 'api-key': 'cc-key-1234', backend: 'cloudcoding', 'github-token': TOKEN, ...inputs },
    env,
    new Date('2026-06-01T00:00:00Z'),
  ).settings;
}

function plan(inputs: Partial<RawInputs>, serverUrl?: string): CloudCodingPlan {
  const result = planCloudCoding(settings(inputs), serverUrl);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.plan;
}

function problems(inputs: Partial<RawInputs>): string[] {
  const result = planCloudCoding(settings(inputs));
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('planCloudCoding', () => {
  it('sends a prompt as one human message on the workflow repository and branch', () => {
    const p = plan({ prompt: 'Fix the flaky test' });
    expect(p).toMatchObject({
      names: ['run'],
      parallel: false,
      command: 'run',
      repo: 'octo/widgets',
      branch: 'main',
    });
    expect(p.request).toEqual({
      repo_url: 'https://github.com/octo/widgets',
      github_token: TOKEN,
      messages: [{ type: 'human', content: 'Fix the flaky test' }],
      branch: 'main',
      haiku: false,
    });
  });

  it('sends tasks as parallel_tasks in one invocation, with haiku, the thread and the server URL', () => {
    const p = plan(
      {
        tasks: '- name: docs\n  prompt: Write docs\n- name: tests\n  prompt: Add tests',
        haiku: 'true',
        'thread-id': 'thread_1',
        repo: 'acme/tools',
        branch: 'dev',
      },
      'https://ghe.example.com/',
    );
    expect(p.parallel).toBe(true);
    expect(p.names).toEqual(['docs', 'tests']);
    expect(p.request).toEqual({
      repo_url: 'https://ghe.example.com/acme/tools',
      github_token: TOKEN,
      parallel_tasks: [
        { prompt: 'Write docs', task_name: 'docs' },
        { prompt: 'Add tests', task_name: 'tests' },
      ],
      branch: 'dev',
      haiku: true,
      thread_id: 'thread_1',
    });
  });

  it('continues thread-id on a follow-up, on the repo input or the workflow repository', () => {
    const p = plan({ command: 'follow-up', 'thread-id': 'thread_9', prompt: 'Now add tests', repo: 'a/b' });
    expect(p).toMatchObject({ command: 'follow-up', names: ['follow-up'], repo: 'a/b', branch: 'main' });
    expect(p.request).toMatchObject({
      repo_url: 'https://github.com/a/b',
      thread_id: 'thread_9',
      messages: [{ type: 'human', content: 'Now add tests' }],
    });
  });

  it('refuses what Cloud Coding cannot honour, naming the input and the value', () => {
    expect(problems({ prompt: 'x', mode: 'plan', wait: 'false', 'auto-create-pr': 'false' })).toEqual([
      "Input 'wait' must be 'true' with backend 'cloudcoding' (the open stream is the run: closing it cancels the agent), got 'false'",
      "Input 'mode' must be 'execute' with backend 'cloudcoding' (it has no plan mode and would make changes), got 'plan'",
      "Input 'auto-create-pr' must be 'true' with backend 'cloudcoding' (the API has no such switch), got 'false'",
    ]);
    expect(problems({ prompt: 'x', 'blank-workspace': 'true' })).toEqual([
      "Input 'blank-workspace' must be 'false' with backend 'cloudcoding' (it always works on a repository), got 'true'",
    ]);
    expect(
      problems({ tasks: '- name: a\n  prompt: A\n- name: b\n  prompt: B\n  repo: other/repo\n  branch: x' }),
    ).toEqual([
      "Input 'tasks' item 'b': 'repo' must be the same for every task with backend 'cloudcoding' (one invocation runs them all), got 'other/repo' and 'octo/widgets'",
      "Input 'tasks' item 'b': 'branch' must be the same for every task with backend 'cloudcoding' (one invocation runs them all), got 'x' and 'main'",
    ]);
    const noRepo = planCloudCoding(
      settings({ command: 'follow-up', 'thread-id': 't1', prompt: 'x' }, { GITHUB_REF_NAME: 'main' }),
    );
    expect(noRepo).toEqual({
      ok: false,
      problems: ["Input 'repo' is required with backend 'cloudcoding' (GITHUB_REPOSITORY is not set either)"],
    });
  });

  it('warns about inputs it has no use for', () => {
    const p = plan({
      tasks: '- {name: a, prompt: A}\n- {name: b, prompt: B}\n- {name: c, prompt: C}',
      model: 'claude-x',
      'max-parallel': '2',
    });
    expect(p.warnings).toEqual([
      "Input 'model' is not used with backend 'cloudcoding'; ignored",
      "Input 'max-parallel' (2) is not used with backend 'cloudcoding': all 3 tasks run in one invocation",
    ]);
  });
});

const task = (name: string | undefined, extra: Partial<CloudCodingTaskState> = {}): CloudCodingTaskState => ({
  name,
  status: 'completed',
  output: `${name ?? 'run'} output\n`,
  omittedChars: 0,
  lastMessage: undefined,
  error: undefined,
  events: 3,
  ...extra,
});

const state = (extra: Partial<CloudCodingRunState>): CloudCodingRunState => ({
  status: 'completed',
  reason: undefined,
  threadId: 'thread_1',
  tasks: [task(undefined)],
  latestTask: undefined,
  events: 4,
  rawEvents: 0,
  ...extra,
});

describe('reportCloudCoding', () => {
  const single = plan({ prompt: 'Fix it' });
  const parallel = plan({ tasks: '- {name: a, prompt: A}\n- {name: b, prompt: B}' });
  const base = {
    ending: undefined,
    timeoutMinutes: 60,
    failOnError: true,
    durationMs: 65_000,
    taskDurationMs: new Map<string | undefined, number>(),
    title: 'Fix it',
  };

  it('a completed single run: thread-id, result, one results entry without run id, no failure', () => {
    const report = reportCloudCoding({ ...base, plan: single, state: state({}) });
    expect(report.outputs).toEqual({
      status: 'completed',
      'thread-id': 'thread_1',
      result: 'run output\n',
      results: JSON.stringify([
        {
          name: 'run',
          'run-id': null,
          status: 'completed',
          'pr-url': null,
          result: 'run output\n',
          error: null,
          'input-tokens': null,
          'output-tokens': null,
        },
      ]),
    });
    expect(report.failure).toBeUndefined();
    expect(report.summary).toContain('| Fix it | ✅ completed | 1 lines | 1m 05s |');
  });

  it('a cut stream is a failure that says so, never success; fail-on-error: false turns it into a warning', () => {
    const cut = state({
      status: 'disconnected',
      reason: 'Cloud Coding stream lost: the connection dropped: terminated',
      tasks: [task(undefined, { status: 'disconnected' })],
    });
    const report = reportCloudCoding({ ...base, plan: single, state: cut });
    expect(report.status).toBe('failed');
    expect(report.failure).toBe(
      'Cloud Coding run failed: The stream was cut before the run finished (Cloud Coding stream lost: the connection dropped: terminated); the agent may still be working, but its result is unknown',
    );
    expect(report.outputs.error).toBe(report.failure);
    const lenient = reportCloudCoding({ ...base, failOnError: false, plan: single, state: cut });
    expect(lenient.failure).toBeUndefined();
    expect(lenient.warning).toBe(report.failure);
  });

  it('time-out and cancellation always fail, and a task that had ended stays completed', () => {
    const cancelled = state({
      status: 'cancelled',
      reason: 'Cloud Coding run cancelled: timeout',
      tasks: [task('a', { status: 'completed' }), task('b', { status: 'cancelled' })],
    });
    const timedOut = reportCloudCoding({
      ...base,
      failOnError: false,
      ending: 'timed-out',
      timeoutMinutes: 0.5,
      plan: parallel,
      state: cancelled,
    });
    expect(timedOut.status).toBe('timed-out');
    expect(timedOut.tasks.map((t) => t.status)).toEqual(['completed', 'timed-out']);
    expect(timedOut.failure).toMatch(
      /^Cloud Coding run timed out: Did not finish within 0.5 minutes; closed the stream/,
    );
    const stopped = reportCloudCoding({ ...base, ending: 'stopped', plan: parallel, state: cancelled });
    expect(stopped.outputs.status).toBe('stopped');
    expect(stopped.failure).toBe('The step was cancelled; closed the Cloud Coding stream');
  });

  it('parallel: per-task errors are listed; a failure of the whole stream is said once', () => {
    const oneFailed = reportCloudCoding({
      ...base,
      plan: parallel,
      state: state({
        status: 'failed',
        reason: "Cloud Coding agent error: task 'b': boom",
        tasks: [task('a'), task('b', { status: 'failed', error: 'boom' })],
      }),
    });
    expect(oneFailed.failure).toBe('1 of 2 Cloud Coding tasks did not complete: b (failed: boom)');
    expect(oneFailed.outputs.result).toBe('## a\na output\n\n\n## b\nb output\n');

    const refused = reportCloudCoding({
      ...base,
      plan: parallel,
      state: state({
        status: 'failed',
        reason: 'Cloud Coding API 401: Invalid API key',
        threadId: undefined,
        tasks: [task('a', { status: 'failed', output: '' }), task('b', { status: 'failed', output: '' })],
      }),
    });
    expect(refused.failure).toBe('Cloud Coding run failed: Cloud Coding API 401: Invalid API key');
    expect(refused.outputs['thread-id']).toBeUndefined();
    expect(refused.outputs.result).toBeUndefined();
  });

  it('folds output in a fence that backticks inside cannot close, and groups hold output, message and error', () => {
    const report = reportCloudCoding({
      ...base,
      plan: single,
      state: state({
        tasks: [task(undefined, { output: 'see ```js\ncode\n```\n', lastMessage: 'All <done>' })],
      }),
    });
    expect(report.summary).toContain('````text\nsee ```js\ncode\n```\n````');
    expect(report.summary).toContain('All &lt;done&gt;');
    const [reported] = report.tasks;
    expect(
      taskGroupLines(
        { ...reported!, error: 'late failure' },
        task(undefined, { output: 'one\ntwo\n', omittedChars: 10 }),
      ),
    ).toEqual([
      '[… 10 earlier characters not kept here; they are in the live log above]',
      'one',
      'two',
      '',
      'Agent:',
      'All <done>',
      '',
      'Error: late failure',
    ]);
  });
});

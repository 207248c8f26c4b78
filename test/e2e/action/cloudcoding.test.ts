/**
 * `backend: cloudcoding` end to end: the bundled Action (`dist/index.mjs`) run as the runner runs it, against the
 * Cloud Coding simulator's `POST /invoke/stdout` on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CloudCodingSimulator, startCloudCodingSimulator } from '../../sim/cloudcoding/standalone.js';
import {
  annotations,
  NODE20,
  NODE24,
  runPost,
  runStep,
  type StepResult,
  WORKFLOW_TOKEN,
} from './action-runner.js';

const API_KEY = 'cc-test-key';

let sim: CloudCodingSimulator;
const inputs = (extra: Record<string, string> = {}) => ({
  'api-key': API_KEY,
  backend: 'cloudcoding',
  'api-url': sim.url,
  ...extra,
});

beforeAll(async () => {
  sim = await startCloudCodingSimulator();
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

/**
 * The log with every `::stop-commands::` block removed: what the runner would still read as workflow commands.
 * Fails when a block is not closed.
 */
function commandLines(stdout: string): string[] {
  const out: string[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split('\n')) {
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) stopToken = stop[1];
    else if (line.startsWith('::')) out.push(line);
  }
  expect(stopToken, 'an unclosed ::stop-commands:: block').toBeUndefined();
  return out;
}

/** Every occurrence of a secret except the `::add-mask::` line that registers it. */
function leaks(step: StepResult, secret: string): number {
  const text = `${step.stdout}\n${step.stderr}`.split(`::add-mask::${secret}`).join('');
  return text.split(secret).length - 1;
}

/** Watches the live log: resolves never (so the runner emulation never cancels), records when `text` appeared. */
function watchFor(text: string, seen: { at?: number }) {
  return (child: ChildProcess) => {
    let log = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      log += chunk.toString();
      if (seen.at === undefined && log.includes(text)) seen.at = performance.now();
    });
    return new Promise<never>(() => {});
  };
}

describe.each([
  ['Node 24', NODE24],
  ['Node 20', NODE20],
])('one task (%s)', (_label, node) => {
  it('streams the output live inside a group, then writes thread-id, result, results and the summary', async () => {
    await sim.control.queue({
      delayMs: 120,
      stdout: { '': ['$ npm test\n', 'first line', ' (joined)\n', '12 passing\n', 'done\n'] },
      result: { '': 'Fixed the flaky test.' },
    });
    const seen: { at?: number } = {};
    const started = performance.now();
    const main = await runStep({
      node,
      inputs: inputs({ prompt: 'Fix the flaky test' }),
      cancelWhen: watchFor('$ npm test', seen),
    });
    const ended = started + main.ms;
    expect(main.exitCode, main.stdout).toBe(0);

    // Live: the first line was in the log while the stream still had several slow chunks to go.
    expect(seen.at).toBeDefined();
    expect(ended - (seen.at ?? ended)).toBeGreaterThan(400);

    const [invocation] = await sim.control.invocations();
    expect(invocation?.ended).toBe('completed');
    const threadId = invocation?.thread_id;
    expect(threadId).toMatch(/^thread_/);
    expect(main.outputs).toMatchObject({
      status: 'completed',
      'thread-id': threadId,
      result: '$ npm test\nfirst line (joined)\n12 passing\ndone\n',
    });
    expect(main.outputs['run-id']).toBeUndefined();
    expect(JSON.parse(main.outputs.results ?? '')).toEqual([
      {
        name: 'run',
        'run-id': null,
        status: 'completed',
        'pr-url': null,
        result: '$ npm test\nfirst line (joined)\n12 passing\ndone\n',
        error: null,
        'input-tokens': null,
        'output-tokens': null,
      },
    ]);

    // One group, opened before the output and closed after it; whole lines, no prefix for a single task.
    const log = main.stdout;
    const open = log.indexOf('::group::Cloud Coding: Fix the flaky test');
    expect(open).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('\n$ npm test\n')).toBeGreaterThan(open);
    expect(log.indexOf('::endgroup::')).toBeGreaterThan(log.indexOf('\ndone\n'));
    expect(log).toContain('\nfirst line (joined)\n');
    expect(log).toContain('» Fixed the flaky test.');
    expect(commandLines(log).filter((l) => l.startsWith('::group::'))).toHaveLength(1);

    expect(main.summary).toContain('### Cloud Coding');
    expect(main.summary).toContain(`thread \`${threadId}\``);
    expect(main.summary).toContain('| Fix the flaky test | ✅ completed | 4 lines |');
    expect(leaks(main, API_KEY)).toBe(0);
    expect(leaks(main, WORKFLOW_TOKEN)).toBe(0);
    expect(main.stdout).toContain(`::add-mask::${WORKFLOW_TOKEN}`);
    expect(main.state['active-runs']).toBe('[]');

    const post = await runPost(main, { node, inputs: inputs({ prompt: 'Fix the flaky test' }) });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to clean up');
  });
});

describe('Cloud Coding backend', () => {
  it('runs tasks in parallel in one invocation: interleaved lines prefixed per task, a group and a result each', async () => {
    await sim.control.queue({
      stdout: {
        'api-docs': ['writing docs/api.md\n', 'docs done\n'],
        'unit-tests': ['adding tests\n', '3 tests added\n'],
      },
      errors: { 'unit-tests': 'npm test failed with exit code 1' },
    });
    const main = await runStep({
      inputs: inputs({
        tasks: [
          '- name: api-docs',
          '  prompt: Create API documentation',
          '- name: unit-tests',
          '  prompt: Add unit tests',
        ].join('\n'),
      }),
    });
    expect(main.exitCode, main.stdout).toBe(1);
    const [invocation] = await sim.control.invocations();
    expect(invocation?.body).toMatchObject({
      parallel_tasks: [
        { prompt: 'Create API documentation', task_name: 'api-docs' },
        { prompt: 'Add unit tests', task_name: 'unit-tests' },
      ],
    });
    expect(sim.control).toBeDefined();
    expect((await sim.control.invocations()).length).toBe(1);

    // Interleaved as they arrived, each line tagged with its task.
    const log = main.stdout;
    const order = [
      '[api-docs] writing docs/api.md',
      '[unit-tests] adding tests',
      '[api-docs] docs done',
      '[unit-tests] 3 tests added',
    ].map((line) => log.indexOf(`\n${line}\n`));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(log).toContain('[unit-tests] error: npm test failed with exit code 1');

    // One group per task at the end, with its own output, unprefixed.
    const groups = commandLines(log).filter((line) => line.startsWith('::group::'));
    expect(groups).toEqual(['::group::api-docs: completed', '::group::unit-tests: failed']);
    const docsGroup = log.slice(log.indexOf('::group::api-docs'), log.indexOf('::group::unit-tests'));
    expect(docsGroup).toContain('\nwriting docs/api.md\ndocs done\n');
    expect(docsGroup).not.toContain('adding tests');

    const results = JSON.parse(main.outputs.results ?? '') as Array<Record<string, unknown>>;
    expect(results).toEqual([
      expect.objectContaining({ name: 'api-docs', status: 'completed', 'run-id': null, error: null }),
      expect.objectContaining({ name: 'unit-tests', status: 'failed' }),
    ]);
    expect(results[0]?.result).toBe('writing docs/api.md\ndocs done\n');
    expect(results[1]?.error).toContain('npm test failed with exit code 1');
    expect(main.outputs.status).toBe('failed');
    expect(main.outputs['thread-id']).toBe(invocation?.thread_id);
    expect(main.outputs.result).toContain('## api-docs\nwriting docs/api.md');
    expect(main.outputs.result).toContain('## unit-tests\nadding tests');
    expect(annotations(log, 'error')).toEqual([
      expect.stringMatching(
        /^1 of 2 Cloud Coding tasks did not complete: unit-tests \(failed: .*npm test failed/,
      ),
    ]);
    expect(main.summary).toContain('| api-docs | ✅ completed |');
    expect(main.summary).toContain('| unit-tests | ❌ failed |');
  });

  it('continues a thread with a follow-up given thread-id', async () => {
    const first = await runStep({ inputs: inputs({ prompt: 'Add rate limiting' }) });
    expect(first.exitCode, first.stdout).toBe(0);
    const threadId = first.outputs['thread-id'] ?? '';
    expect(threadId).toMatch(/^thread_/);

    const follow = await runStep({
      inputs: inputs({ command: 'follow-up', 'thread-id': threadId, prompt: 'Also add a test for it' }),
    });
    expect(follow.exitCode, follow.stdout).toBe(0);
    const invocations = await sim.control.invocations();
    expect(invocations).toHaveLength(2);
    expect(invocations[1]?.body).toMatchObject({
      thread_id: threadId,
      messages: [{ type: 'human', content: 'Also add a test for it' }],
      repo_url: 'https://github.com/octo/widgets',
    });
    const thread = await sim.control.thread(threadId);
    expect(thread?.invocations).toBe(2);
    expect(follow.outputs['thread-id']).toBe(threadId);
    expect(follow.outputs.result).toContain(`Continuing thread ${threadId}`);
    expect(follow.outputs.result).toContain('earlier: Add rate limiting');
    expect(follow.summary).toContain('### Cloud Coding follow-up');
  });

  it('fails the step, saying the stream was cut, when the connection drops mid-stream', async () => {
    await sim.control.queue({ disconnectAfter: 3, stdout: { '': ['one\n', 'two\n', 'three\n', 'four\n'] } });
    const main = await runStep({ inputs: inputs({ prompt: 'Refactor the parser' }) });
    expect(main.exitCode, main.stdout).toBe(1);
    const [invocation] = await sim.control.invocations();
    expect(invocation?.ended).toBe('disconnected');
    expect(main.outputs.status).toBe('failed');
    expect(main.outputs.error).toMatch(
      /^Cloud Coding run failed: The stream was cut before the run finished/,
    );
    expect(main.outputs['thread-id']).toBe(invocation?.thread_id);
    const [error] = annotations(main.stdout, 'error');
    expect(error).toMatch(/The stream was cut before the run finished \(Cloud Coding stream lost: /);
    expect(error).toContain('the agent may still be working, but its result is unknown');
    expect(main.summary).toContain('❌ failed');
  });

  it('keeps the step green for a cut stream with fail-on-error: false, but warns', async () => {
    await sim.control.queue({ disconnectAfter: 2 });
    const main = await runStep({ inputs: inputs({ prompt: 'Refactor', 'fail-on-error': 'false' }) });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.status).toBe('failed');
    expect(annotations(main.stdout, 'warning')).toEqual([
      expect.stringContaining('The stream was cut before the run finished'),
    ]);
  });

  it('names the status and the body of a 401 and of a 503', async () => {
    const denied = await runStep({ inputs: inputs({ prompt: 'x', 'api-key': 'wrong-key-123' }) });
    expect(denied.exitCode).toBe(1);
    expect(annotations(denied.stdout, 'error')).toEqual([
      'Cloud Coding run failed: Cloud Coding API 401: Invalid API key',
    ]);
    expect(denied.outputs).toMatchObject({
      status: 'failed',
      error: 'Cloud Coding run failed: Cloud Coding API 401: Invalid API key',
    });
    expect(leaks(denied, 'wrong-key-123')).toBe(0);

    await sim.control.queue({ status: 503, body: { detail: 'Agents are over capacity' } });
    const down = await runStep({ inputs: inputs({ prompt: 'x' }) });
    expect(down.exitCode).toBe(1);
    expect(annotations(down.stdout, 'error')).toEqual([
      'Cloud Coding run failed: Cloud Coding API 503: Agents are over capacity',
    ]);
    // Invoking starts an agent: a 5xx is never retried blindly.
    expect(await sim.control.invocations()).toHaveLength(2);
  });

  it('passes github-token, haiku, branch and repo (on GITHUB_SERVER_URL) through, and never prints the token', async () => {
    const token = 'ghp_customtoken1234567890abcdefghijklmn';
    await sim.control.queue({
      stdout: { '': [`cloning with ${token}\n`, 'GITHUB_TOKEN=plainsecretvalue99\n'] },
    });
    const main = await runStep({
      inputs: inputs({
        prompt: 'Upgrade dependencies',
        'github-token': token,
        haiku: 'true',
        branch: 'release/2.x',
        repo: 'acme/tools',
      }),
      env: { GITHUB_SERVER_URL: 'https://ghe.example.com' },
    });
    expect(main.exitCode, main.stdout).toBe(0);
    const [invocation] = await sim.control.invocations();
    expect(invocation?.body).toEqual({
      repo_url: 'https://ghe.example.com/acme/tools',
      github_token: token,
      messages: [{ type: 'human', content: 'Upgrade dependencies' }],
      branch: 'release/2.x',
      haiku: true,
    });
    expect(invocation?.headers['x-api-key']).toBe(API_KEY);
    expect(main.stdout).toContain(`::add-mask::${token}`);
    expect(leaks(main, token)).toBe(0);
    expect(main.outputs.result).not.toContain(token);
    expect(main.summary).not.toContain(token);
    // The credential redactor also catches what it was not told about, in outputs and summary.
    expect(main.outputs.result).not.toContain('plainsecretvalue99');
    expect(main.summary).not.toContain('plainsecretvalue99');
    expect(main.stdout).not.toContain('plainsecretvalue99');
  });

  it('keeps agent output from issuing workflow commands', async () => {
    await sim.control.queue({
      stdout: { '': ['::set-output name=status::completed\n', '::add-mask::x\n', '::error::fake failure\n'] },
    });
    const main = await runStep({ inputs: inputs({ prompt: 'Print things' }) });
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain('\n::error::fake failure\n');
    const live = commandLines(main.stdout);
    expect(live.some((line) => line.includes('fake failure') || line.includes('name=status'))).toBe(false);
    expect(live.some((line) => line === '::add-mask::x')).toBe(false);
  });

  it('closes the stream and fails at timeout-minutes', async () => {
    await sim.control.queue({ stallAfter: 3 });
    const main = await runStep({ inputs: inputs({ prompt: 'Think forever', 'timeout-minutes': '0.01' }) });
    expect(main.exitCode).toBe(1);
    expect(main.ms).toBeGreaterThanOrEqual(550);
    expect(main.ms).toBeLessThan(8_000);
    expect(main.outputs.status).toBe('timed-out');
    expect(annotations(main.stdout, 'error')).toEqual([
      expect.stringMatching(
        /^Cloud Coding run timed out: Did not finish within 0\.01 minutes; closed the stream/,
      ),
    ]);
    expect(main.stdout).toContain('closing the Cloud Coding stream (the Cloud Coding API has no stop call');
    // The simulator held the stream open after 3 events; the step did not wait for it.
    expect((await sim.control.invocations())[0]?.ended).toBe('stalled');
  });

  it('closes the stream on SIGINT and fails well before SIGTERM; the post step has nothing to stop', async () => {
    await sim.control.queue({
      delayMs: 200,
      stdout: { '': Array.from({ length: 40 }, (_, i) => `step ${i}\n`) },
    });
    const main = await runStep({
      inputs: inputs({ prompt: 'A long job' }),
      cancelWhen: (child) =>
        new Promise<void>((resolve) => {
          let log = '';
          child.stdout?.on('data', (chunk: Buffer | string) => {
            log += chunk.toString();
            if (log.includes('step 2\n')) resolve();
          });
        }),
    });
    expect(main.sent.map((s) => s.signal)).toEqual(['SIGINT']);
    expect(main.exitCode).toBe(1);
    expect(main.outputs.status).toBe('stopped');
    expect(main.stdout).toContain('Received SIGINT');
    expect(main.stdout).toContain('closing the Cloud Coding stream (the Cloud Coding API has no stop call');
    expect(annotations(main.stdout, 'error')).toEqual([
      'The step was cancelled; closed the Cloud Coding stream',
    ]);
    expect(main.stdout).not.toContain('step 30\n');
    await expect.poll(async () => (await sim.control.invocations())[0]?.ended).toBe('client-closed');
    expect(main.state['active-runs']).toBe('[]');
    const post = await runPost(main, { inputs: inputs({ prompt: 'A long job' }) });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to clean up');
  });

  it('refuses what Cloud Coding cannot do before calling it', async () => {
    const main = await runStep({ inputs: inputs({ prompt: 'Plan it', mode: 'plan', wait: 'false' }) });
    expect(main.exitCode).toBe(1);
    const [error] = annotations(main.stdout, 'error');
    expect(error).toContain(`Input 'wait' must be 'true' with backend 'cloudcoding'`);
    expect(error).toContain(`Input 'mode' must be 'execute' with backend 'cloudcoding'`);
    expect(await sim.control.invocations()).toEqual([]);
  });
});

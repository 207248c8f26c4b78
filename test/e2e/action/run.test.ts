import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { annotations, NODE20, NODE24, runPost, runStep } from './action-runner.js';

let sim: Simulator;
const inputs = (extra: Record<string, string> = {}) => ({
  'api-key': 'test-key',
  'api-url': sim.url,
  ...extra,
});

beforeAll(async () => {
  sim = await startSimulator({ timeFactor: 200 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe.each([
  ['Node 24', NODE24],
  ['Node 20', NODE20],
])('one run, waited for (%s)', (_label, node) => {
  it('creates the run, waits, and writes outputs, a notice and the summary; the post step does nothing', async () => {
    await sim.control.queueScripts({
      runningMs: 20_000,
      result: 'Fixed the flaky test.\nAll green.',
      title: 'Fix the flaky test',
      prs: [{ number: 42, branch: 'codecloud/fix-flaky' }],
      inputTokens: 12_500,
      outputTokens: 3_200,
    });
    const main = await runStep({
      node,
      inputs: inputs({ prompt: 'Fix the flaky test', model: 'claude-sonnet-4-5' }),
    });
    expect(main.exitCode, main.stdout).toBe(0);

    const [run] = await sim.control.runs();
    expect(run).toMatchObject({
      status: 'completed',
      repo: 'octo/widgets',
      branch: 'main',
      model: 'claude-sonnet-4-5',
      auto_create_pr: true,
    });
    expect(main.outputs).toMatchObject({
      'run-id': run?.id,
      status: 'completed',
      title: 'Fix the flaky test',
      result: 'Fixed the flaky test.\nAll green.',
      'pr-url': 'https://github.com/octo/widgets/pull/42',
      'pr-number': '42',
      'pr-branch': 'codecloud/fix-flaky',
      'input-tokens': '12500',
      'output-tokens': '3200',
    });
    expect(JSON.parse(main.outputs.results ?? '')).toEqual([
      {
        name: 'run',
        'run-id': run?.id,
        status: 'completed',
        'pr-url': 'https://github.com/octo/widgets/pull/42',
        result: 'Fixed the flaky test.\nAll green.',
        error: null,
        'input-tokens': 12_500,
        'output-tokens': 3_200,
      },
    ]);
    expect(main.stdout).toMatch(/Z run \w+: (queued|running) → completed \(/);
    expect(annotations(main.stdout, 'notice')).toEqual(['https://github.com/octo/widgets/pull/42']);
    expect(main.summary).toContain(`| Fix the flaky test | \`${run?.id}\` | ✅ completed | [#42](`);
    expect(main.stdout).toContain('::add-mask::test-key');
    expect(main.stdout.replace('::add-mask::test-key', '')).not.toContain('test-key');
    expect(main.state).toEqual({ isPost: 'true', 'active-runs': '[]', 'pending-creates': '[]' });

    const post = await runPost(main, { node, inputs: inputs({ prompt: 'Fix the flaky test' }) });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to clean up');
    expect(await sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/stop' })).toEqual([]);
  });
});

describe('one run', () => {
  it("fails the step when the run fails, with the run's error", async () => {
    await sim.control.queueScripts({ outcome: 'failed', error: 'Tests still failing after 3 attempts' });
    const main = await runStep({ inputs: inputs({ prompt: 'Fix it' }) });
    const [run] = await sim.control.runs();
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toMatchObject({ status: 'failed', error: 'Tests still failing after 3 attempts' });
    expect(annotations(main.stdout, 'error')).toEqual([
      `Run ${run?.id} failed: Tests still failing after 3 attempts`,
    ]);
    expect(main.summary).toContain('❌ failed');
  });

  it('does not fail the step for a failed run with fail-on-error: false', async () => {
    await sim.control.queueScripts({ outcome: 'failed' });
    const main = await runStep({ inputs: inputs({ prompt: 'Fix it', 'fail-on-error': 'false' }) });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.status).toBe('failed');
  });

  it('stops the run and fails at timeout-minutes', async () => {
    await sim.control.queueScripts({ runningMs: 24 * 3_600_000 });
    const main = await runStep({
      inputs: inputs({ prompt: 'Refactor everything', 'timeout-minutes': '0.02' }),
    });
    const [run] = await sim.control.runs();
    expect(main.exitCode).toBe(1);
    expect(main.ms).toBeGreaterThanOrEqual(1_200);
    expect(run?.status).toBe('failed');
    expect(run?.stops).toHaveLength(1);
    expect(main.outputs).toMatchObject({ 'run-id': run?.id, status: 'timed-out' });
    expect(annotations(main.stdout, 'error')).toEqual([
      `Run ${run?.id} timed out: Did not finish within 0.02 minutes; stopped it`,
    ]);
    expect(main.state['active-runs']).toBe('[]');
  });

  it('keeps waiting through 429 answers, never polling sooner than Retry-After', async () => {
    await sim.control.queueScripts({ runningMs: 400_000 });
    await sim.control.addFault({
      route: 'GET /api/v1/agents/run/{id}',
      status: 429,
      retryAfter: 1,
      times: 2,
    });
    const main = await runStep({ inputs: inputs({ prompt: 'Busy API' }) });
    expect(main.exitCode, main.stdout).toBe(0);
    expect(main.outputs.status).toBe('completed');
    const gets = await sim.control.requests({ route: 'GET /api/v1/agents/run/{id}' });
    const limited = gets.flatMap((request, i) => (request.status === 429 ? [i] : []));
    expect(limited).toHaveLength(2);
    for (const i of limited) {
      // Simulated time runs 200 times faster: 1 s of Retry-After is 200 s between the two requests' stamps.
      const gap = Date.parse(gets[i + 1]?.at ?? '') - Date.parse(gets[i]?.at ?? '');
      expect(gap).toBeGreaterThanOrEqual(0.9 * 200_000);
    }
  });

  it('never sends a create twice when its answer was lost: it looks the run up', async () => {
    await sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, phase: 'after', times: 1 });
    const main = await runStep({ inputs: inputs({ prompt: 'Answer lost' }) });
    expect(main.exitCode, main.stdout).toBe(0);
    const runs = await sim.control.runs();
    expect(runs).toHaveLength(1);
    expect(await sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
    expect(main.stdout).toContain(`the create's answer was lost; found run ${runs[0]?.id}`);
    expect(main.outputs).toMatchObject({ 'run-id': runs[0]?.id, status: 'completed' });
  });

  it('with wait: false, ends once the run is created and leaves it running', async () => {
    await sim.control.queueScripts({ runningMs: 24 * 3_600_000 });
    const main = await runStep({ inputs: inputs({ prompt: 'Long job', wait: 'false' }) });
    const [run] = await sim.control.runs();
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({ 'run-id': run?.id, status: 'queued' });
    expect(await sim.control.requests({ route: 'GET /api/v1/agents/run/{id}' })).toEqual([]);
    expect(run?.stops).toEqual([]);
  });

  it('refuses invalid inputs before any API call, naming input and value', async () => {
    const main = await runStep({ inputs: inputs({ prompt: 'x', mode: 'exec', 'max-parallel': 'lots' }) });
    expect(main.exitCode).toBe(1);
    expect(annotations(main.stdout, 'error')).toEqual([
      "Input 'mode' must be 'execute' or 'plan', got 'exec'\nInput 'max-parallel' must be a whole number from 1 to 100, got 'lots'",
    ]);
    expect(await sim.control.requests()).toEqual([]);
  });

  it('says what the API answered for a bad key, and never prints the key', async () => {
    const main = await runStep({ inputs: inputs({ prompt: 'x', 'api-key': 'wrong-key-123' }) });
    expect(main.exitCode).toBe(1);
    expect(annotations(main.stdout, 'error')[0]).toBe(
      'codecloud API 401: Invalid or missing API key (POST /api/v1/agents)',
    );
    expect(main.stdout.replace('::add-mask::wrong-key-123', '')).not.toContain('wrong-key-123');
  });

  it('reads the status of a run, and stops it', async () => {
    await sim.control.queueScripts({ runningMs: 24 * 3_600_000 });
    const created = await runStep({ inputs: inputs({ prompt: 'Long job', wait: 'false' }) });
    const runId = created.outputs['run-id'] ?? '';
    const status = await runStep({ inputs: inputs({ command: 'status', 'run-id': runId }) });
    expect(status.exitCode).toBe(0);
    expect(status.outputs).toMatchObject({ 'run-id': runId, title: 'Long job' });
    expect(['queued', 'running']).toContain(status.outputs.status);
    const stop = await runStep({ inputs: inputs({ command: 'stop', 'run-id': runId }) });
    expect(stop.exitCode).toBe(0);
    expect(stop.outputs).toEqual({ 'run-id': runId, status: 'failed' });
    expect((await sim.control.run(runId))?.stops).toHaveLength(1);
  });
});

describe('inputs and context', () => {
  it('refuses an input meant for another command, with no API call', async () => {
    const step = await runStep({ inputs: inputs({ prompt: 'Nightly tests', cron: '0 3 * * *' }) });
    expect(step.exitCode).toBe(1);
    expect(annotations(step.stdout, 'error')[0]).toBe(
      "Input 'cron' is only used with command 'schedule', but command is 'run': set 'command' or remove 'cron'",
    );
    expect(await sim.control.requests()).toEqual([]);
  });

  it("on pull_request_review runs on the pull request's head branch (from the event), not on N/merge", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codecloud-event-'));
    try {
      const eventPath = join(dir, 'event.json');
      await writeFile(
        eventPath,
        JSON.stringify({
          action: 'submitted',
          pull_request: {
            number: 7,
            head: { ref: 'feature/login', repo: { full_name: 'octo/widgets' } },
            base: { ref: 'main', repo: { full_name: 'octo/widgets' } },
          },
        }),
      );
      const env = {
        GITHUB_EVENT_NAME: 'pull_request_review',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_REF_NAME: '7/merge',
      };
      const step = await runStep({ inputs: inputs({ prompt: 'Address the review', wait: 'false' }), env });
      expect(step.exitCode, step.stdout).toBe(0);
      expect((await sim.control.runs())[0]?.branch).toBe('feature/login');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an unreachable API', () => {
  it('fails naming the base URL and the error code, never the key', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const step = await runStep({
      inputs: {
        'api-key': 'test-key',
        'api-url': `http://127.0.0.1:${port}`,
        command: 'status',
        'run-id': 'run_1',
      },
    });
    expect(step.exitCode).toBe(1);
    const [error] = annotations(step.stdout, 'error');
    expect(error).toContain(`at http://127.0.0.1:${port}`);
    expect(error).toContain('ECONNREFUSED');
  });
});

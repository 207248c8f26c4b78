import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/wait-for.js';
import { NODE20, NODE24, runPost, runStep } from './action-runner.js';

let sim: Simulator;
const TASKS = '- name: api\n  prompt: Speed up the API\n- name: ui\n  prompt: Polish the UI\n';
const inputs = (extra: Record<string, string> = {}) => ({
  'api-key': 'test-key',
  'api-url': sim.url,
  tasks: TASKS,
  ...extra,
});
const bothRunning = async () =>
  waitFor(
    async () => {
      const runs = await sim.control.runs();
      return runs.length === 2 && runs.every((run) => run.status === 'running');
    },
    { timeoutMs: 10_000, what: 'both runs running' },
  );

beforeAll(async () => {
  sim = await startSimulator({ timeFactor: 200 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.setDefaultScript({ queuedMs: 100, runningMs: 24 * 3_600_000 });
});

describe('cancellation (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after)', () => {
  it.each([
    ['Node 24', NODE24],
    ['Node 20', NODE20],
  ])(
    'stops the runs within the window, reports them stopped, and leaves nothing for the post step (%s)',
    async (_label, node) => {
      const main = await runStep({ node, inputs: inputs(), cancelWhen: bothRunning });
      expect(main.sent.map((s) => s.signal)).toEqual(['SIGINT']);
      expect(main.signal).toBeNull();
      expect(main.exitCode).toBe(1);
      const sigintAt = main.sent[0]?.at ?? 0;
      expect(main.ms - sigintAt).toBeLessThan(7_500);

      const runs = await sim.control.runs();
      expect(runs.map((run) => [run.status, run.stops.length])).toEqual([
        ['failed', 1],
        ['failed', 1],
      ]);
      expect(JSON.parse(main.outputs.results ?? '').map((r: { status: string }) => r.status)).toEqual([
        'stopped',
        'stopped',
      ]);
      expect(main.stdout).toContain('Received SIGINT');
      expect(main.stdout).toContain('::error::The step was cancelled');
      expect(main.state['active-runs']).toBe('[]');

      const post = await runPost(main, { node, inputs: inputs() });
      expect(post.exitCode).toBe(0);
      expect(post.stdout).toContain('nothing to clean up');
      expect(await sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/stop' })).toHaveLength(2);
    },
  );

  it('when stopping does not answer in time, the post step stops the runs left going', async () => {
    const fault = await sim.control.addFault({ route: 'POST /api/v1/agents/run/{id}/stop', hang: true });
    const main = await runStep({ inputs: inputs(), cancelWhen: bothRunning });
    // Every stop hung: the main step gave up inside the runner's window, with the runs saved for the post step.
    expect(main.sent.at(-1)?.signal).not.toBe('SIGKILL');
    const left = JSON.parse(main.state['active-runs'] ?? '[]') as Array<{ id: string; name: string }>;
    expect(left.map((run) => run.name).sort()).toEqual(['api', 'ui']);
    expect((await sim.control.runs()).every((run) => run.status === 'running')).toBe(true);

    await sim.control.removeFault(fault);
    const post = await runPost(main, { inputs: inputs() });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('left running by the main step');
    const runs = await sim.control.runs();
    expect(runs.every((run) => run.status === 'failed' && run.stops.length === 1)).toBe(true);
  });

  it('with stop-on-cancel: false, leaves the runs going', async () => {
    const main = await runStep({ inputs: inputs({ 'stop-on-cancel': 'false' }), cancelWhen: bothRunning });
    expect(main.exitCode).toBe(1);
    expect(main.state['active-runs']).toBe('[]');
    expect(
      (await sim.control.runs()).every((run) => run.status === 'running' && run.stops.length === 0),
    ).toBe(true);
  });
  it('cancelled while the create hangs: outputs and summary come in the window, the post step finds the run and stops it', async () => {
    await sim.control.addFault({ route: 'POST /api/v1/agents', phase: 'after', hang: true });
    const single = { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'Fix the flaky test' };
    const main = await runStep({
      inputs: single,
      cancelWhen: () =>
        waitFor(async () => (await sim.control.runs()).length === 1, { timeoutMs: 10_000, what: 'the run' }),
    });
    expect(main.sent.map((s) => s.signal)).toEqual(['SIGINT']);
    expect(main.signal).toBeNull();
    expect(main.exitCode).toBe(1);
    expect(main.ms - (main.sent[0]?.at ?? 0)).toBeLessThan(7_500);
    expect(main.outputs.status).toBe('stopped');
    expect(main.summary).toContain('stopped');
    expect(main.stdout).toContain('the post step will look it up and stop it');
    expect(JSON.parse(main.state['pending-creates'] ?? '[]')).toMatchObject([
      { name: 'run', prompt: 'Fix the flaky test', repo: 'octo/widgets' },
    ]);
    expect((await sim.control.runs()).map((run) => run.status)).not.toContain('failed');

    const post = await runPost(main, { inputs: single });
    expect(post.exitCode).toBe(0);
    const [run] = await sim.control.runs();
    expect(post.stdout).toContain(`Found run ${run?.id} (run)`);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run?.stops).toHaveLength(1);
  });
});

describe('the post step', () => {
  it('has the normal retry budget: stops a left-over run through two 503s', async () => {
    await sim.control.setDefaultScript({ queuedMs: 100, runningMs: 24 * 3_600_000 });
    const started = await runStep({
      inputs: { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'p', wait: 'false' },
    });
    const runId = started.outputs['run-id'] ?? '';
    await sim.control.addFault({ route: 'POST /api/v1/agents/run/{id}/stop', status: 503, times: 2 });
    const post = await runStep({
      inputs: { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'p' },
      state: { isPost: 'true', 'active-runs': JSON.stringify([{ id: runId, name: 'run' }]) },
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain(`Stopped run ${runId} (run)`);
    expect((await sim.control.run(runId))?.status).toBe('failed');
  });
});

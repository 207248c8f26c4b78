import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { annotations, runStep } from './action-runner.js';

let sim: Simulator;
const tasks = (names: string[]) => names.map((name) => `- name: ${name}\n  prompt: Task ${name}`).join('\n');

beforeAll(async () => {
  sim = await startSimulator({
    timeFactor: 200,
    apiKeys: [
      { key: 'starter-key', plan: 'starter' },
      { key: 'pro-key', plan: 'pro' },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.setDefaultScript({ queuedMs: 500, runningMs: 60_000 });
});

/** The most runs of one key in `queued`/`running` at once, from the runs' recorded times. */
async function peakConcurrency(): Promise<number> {
  const runs = await sim.control.runs();
  const edges = runs.flatMap((run) => [
    { at: Date.parse(run.created_at), d: 1 },
    { at: Date.parse(run.completed_at ?? '9999-01-01'), d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const edge of edges) {
    now += edge.d;
    peak = Math.max(peak, now);
  }
  return peak;
}

describe('parallel tasks', () => {
  it('under a plan limit of 1: every task runs, one at a time, refused creates retried without a tight loop', async () => {
    const main = await runStep({
      inputs: {
        'api-key': 'starter-key',
        'api-url': sim.url,
        tasks: tasks(['a', 'b', 'c']),
        'max-parallel': '3',
      },
    });
    expect(main.exitCode, main.stdout).toBe(0);
    const runs = await sim.control.runs();
    expect(runs).toHaveLength(3);
    expect(runs.every((run) => run.status === 'completed')).toBe(true);
    expect(await peakConcurrency()).toBe(1);
    const refused = (await sim.control.requests({ route: 'POST /api/v1/agents' })).filter(
      (r) => r.status === 429,
    );
    expect(refused.length).toBeGreaterThan(0);
    // Each waiting task retries when one of the step's runs finishes (or after the fallback): a handful, not a loop.
    expect(refused.length).toBeLessThanOrEqual(8);
    expect(main.stdout).toContain("the plan's concurrent-run limit is reached");
    const results = JSON.parse(main.outputs.results ?? '') as Array<{ name: string; status: string }>;
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'completed'],
    ]);
    expect(main.outputs.status).toBe('completed');
    expect(JSON.parse(main.outputs.prs ?? '')).toHaveLength(3);
  });

  it('under a plan limit of 5 with 7 tasks: 5 at once, a log group and a results entry per task', async () => {
    const names = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'];
    const main = await runStep({
      inputs: { 'api-key': 'pro-key', 'api-url': sim.url, tasks: tasks(names), 'max-parallel': '7' },
    });
    expect(main.exitCode, main.stdout).toBe(0);
    expect(await peakConcurrency()).toBe(5);
    for (const name of names) expect(main.stdout).toContain(`::group::${name}: completed`);
    expect(JSON.parse(main.outputs.results ?? '')).toHaveLength(7);
    expect(main.summary).toContain('7 runs: 7 completed');
    expect(annotations(main.stdout, 'notice')).toHaveLength(7);
  });

  it('max-parallel bounds the runs in flight below the plan limit', async () => {
    const main = await runStep({
      inputs: {
        'api-key': 'pro-key',
        'api-url': sim.url,
        tasks: tasks(['a', 'b', 'c', 'd']),
        'max-parallel': '2',
      },
    });
    expect(main.exitCode).toBe(0);
    expect(await peakConcurrency()).toBe(2);
    expect(
      (await sim.control.requests({ route: 'POST /api/v1/agents' })).every((r) => r.status === 201),
    ).toBe(true);
  });

  it('a failed task does not hide the others; the step fails naming it', async () => {
    await sim.control.addPromptScript({
      match: 'Task bad',
      script: { outcome: 'failed', error: 'Could not build' },
    });
    const main = await runStep({
      inputs: { 'api-key': 'pro-key', 'api-url': sim.url, tasks: tasks(['good', 'bad', 'fine']) },
    });
    expect(main.exitCode).toBe(1);
    const results = JSON.parse(main.outputs.results ?? '') as Array<{
      name: string;
      status: string;
      error: string;
    }>;
    expect(results.map((r) => r.status)).toEqual(['completed', 'failed', 'completed']);
    expect(results[1]?.error).toBe('Could not build');
    expect(annotations(main.stdout, 'error')).toEqual([
      '1 of 3 tasks did not complete: bad (failed: Could not build)',
    ]);
    expect(main.outputs.status).toBe('failed');
    expect(main.summary).toContain('3 runs: 2 completed, 1 failed');
    expect(main.summary).toContain('<details><summary><b>bad</b>: error</summary>');
  });

  it('per-task overrides reach the API', async () => {
    const main = await runStep({
      inputs: {
        'api-key': 'pro-key',
        'api-url': sim.url,
        tasks:
          '[{"name":"plan-it","prompt":"Plan the migration","mode":"plan"},{"name":"other","prompt":"Go","repo":"octo/other","auto-create-pr":false}]',
      },
    });
    expect(main.exitCode, main.stdout).toBe(0);
    const runs = await sim.control.runs();
    const byPrompt = Object.fromEntries(runs.map((run) => [run.prompt, run]));
    expect(byPrompt['Plan the migration']).toMatchObject({ mode: 'plan', repo: 'octo/widgets' });
    expect(byPrompt.Go).toMatchObject({ mode: 'execute', repo: 'octo/other', auto_create_pr: false });
  });
});

describe('a lost create among tasks with the same prompt', () => {
  it('never reports one run for two tasks (branches release-1 and release-2)', async () => {
    await sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, phase: 'after', times: 1 });
    const step = await runStep({
      inputs: {
        'api-key': 'pro-key',
        'api-url': sim.url,
        tasks:
          '- name: r1\n  prompt: Bump the version\n  branch: release-1\n' +
          '- name: r2\n  prompt: Bump the version\n  branch: release-2\n',
      },
    });
    const results = JSON.parse(step.outputs.results ?? '[]') as Array<{
      'run-id': string | null;
      status: string;
      error: string | null;
    }>;
    const runs = await sim.control.runs();
    // The create was not re-sent: one run per task, each reported by exactly one task (or named in its error).
    expect(runs).toHaveLength(2);
    const ids = results.map((r) => r['run-id']).filter((id): id is string => id !== null);
    expect(new Set(ids).size).toBe(ids.length);
    for (const result of results.filter((r) => r['run-id'] === null))
      expect(result.error).toMatch(/runs match it .*not adopting one of them nor sending the create again/);
    const byBranch = new Map(runs.map((run) => [run.id, run.branch]));
    const reported = results.filter((r) => r['run-id'] !== null).map((r) => byBranch.get(r['run-id'] ?? ''));
    expect(new Set(reported).size).toBe(reported.length);
  });
});

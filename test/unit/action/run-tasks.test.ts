import { describe, expect, it } from 'vitest';
import type { ActiveRun, PendingCreate } from '../../../src/action/action-context.js';
import { runTasks, type TaskJob } from '../../../src/action/run-tasks.js';
import { DEFAULT_LIMIT_POLICY, DEFAULT_POLL_POLICY } from '../../../src/action/wait-policy.js';
import { CodecloudError } from '../../../src/codecloud/errors.js';
import { FakeRuns, type FakeScript } from './fake-runs.js';
import { VirtualClock } from './virtual-clock.js';

function setup(scriptFor: (prompt: string) => FakeScript) {
  const clock = new VirtualClock();
  const api = new FakeRuns(clock, scriptFor);
  const log: string[] = [];
  const activeHistory: ActiveRun[][] = [];
  const pendingHistory: PendingCreate[][] = [];
  const jobs = (names: string[]): TaskJob[] =>
    names.map((name) => ({
      name,
      start: async () => ({ ...(await api.createRun({ prompt: name })), status: 'queued' as const }),
    }));
  const options = (
    names: string[],
    extra: { maxParallel?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ) => ({
    jobs: jobs(names),
    maxParallel: extra.maxParallel ?? 5,
    wait: true,
    stopOnCancel: true,
    deadline: clock.now() + (extra.timeoutMs ?? 60 * 60_000),
    timeoutMinutes: (extra.timeoutMs ?? 60 * 60_000) / 60_000,
    client: api,
    cancelGraceMs: 3_000,
    stopUrgently: (id: string) => api.stopRun(id),
    clock,
    signal: extra.signal ?? new AbortController().signal,
    pollPolicy: DEFAULT_POLL_POLICY,
    limitPolicy: DEFAULT_LIMIT_POLICY,
    random: () => 0.5,
    log: (task: string, line: string) => log.push(`[${task}] ${line}`),
    onActiveRuns: (runs: readonly ActiveRun[]) => activeHistory.push([...runs]),
    onPendingCreates: (creates: readonly PendingCreate[]) => pendingHistory.push([...creates]),
  });
  return { clock, api, log, activeHistory, pendingHistory, options };
}

describe('runTasks', () => {
  it('runs tasks in parallel; a failed task does not hide the others', async () => {
    const { clock, api, options, activeHistory } = setup((prompt) => ({
      endsAt: prompt === 'b' ? 30_000 : 120_000,
      outcome: prompt === 'b' ? 'failed' : 'completed',
    }));
    const results = await clock.run(runTasks(options(['a', 'b', 'c'])));
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'completed'],
      ['b', 'failed'],
      ['c', 'completed'],
    ]);
    expect(results[1]?.error).toBe('Agent failed: b');
    expect(api.maxActive).toBe(3);
    expect(activeHistory.at(-1)).toEqual([]);
  });

  it('keeps at most max-parallel runs in flight', async () => {
    const { clock, api, options } = setup(() => ({ endsAt: 60_000 }));
    const results = await clock.run(runTasks(options(['a', 'b', 'c', 'd', 'e'], { maxParallel: 2 })));
    expect(results.every((r) => r.status === 'completed')).toBe(true);
    expect(api.maxActive).toBe(2);
    expect(api.creates).toBe(5);
  });

  it('under a plan limit of 1, waits for its own runs to finish instead of looping', async () => {
    const { clock, api, options, log } = setup(() => ({ endsAt: 5 * 60_000 }));
    api.limit = 1;
    const start = clock.now();
    const results = await clock.run(runTasks(options(['a', 'b', 'c'])));
    expect(results.every((r) => r.status === 'completed')).toBe(true);
    expect(api.maxActive).toBe(1);
    // Each refused create waits for a slot: 3 successes, and at most a couple of refusals per finished run.
    // While its own run holds the slot, a refused create is retried at most every 2 minutes (fallback)…
    const refusals = log.filter((line) => line.includes("the plan's concurrent-run limit is reached"));
    expect(refusals.length).toBeGreaterThan(0);
    expect(api.creates).toBeLessThanOrEqual(3 + Math.ceil((15 * 60_000) / 120_000) + 2);
    // …and as soon as one finishes: the next run is created the moment the previous one is seen completed.
    const ends = log.filter((line) => line.includes('running → completed')).map((line) => line.slice(4, 24));
    const starts = log
      .filter((line) => /run run_\d "\w": queued$/.test(line))
      .map((line) => line.slice(4, 24));
    expect(starts.slice(1)).toEqual(ends.slice(0, 2));
    expect(clock.now() - start).toBeLessThan(3 * 5 * 60_000 + 3 * 40_000);
  });

  it('stops runs still going at the time-out and reports them timed out', async () => {
    const { clock, api, options } = setup((prompt) => ({
      endsAt: prompt === 'quick' ? 60_000 : 60 * 60_000,
    }));
    const results = await clock.run(runTasks(options(['quick', 'slow'], { timeoutMs: 10 * 60_000 })));
    expect(results.map((r) => r.status)).toEqual(['completed', 'timed-out']);
    expect(results[1]?.error).toBe('Did not finish within 10 minutes; stopped it');
    expect(api.stops).toEqual([results[1]?.runId]);
  });

  it('on cancellation stops every run in flight and gives up the rest', async () => {
    const { clock, api, options, activeHistory } = setup(() => ({ endsAt: 60 * 60_000 }));
    const cancel = new AbortController();
    const running = runTasks(options(['a', 'b', 'c'], { maxParallel: 2, signal: cancel.signal }));
    void clock.sleep(60_000).then(() => cancel.abort());
    const results = await clock.run(running);
    expect(results.map((r) => r.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(results[2]?.runId).toBeUndefined();
    expect(api.stops.sort()).toEqual(['run_1', 'run_2']);
    expect(activeHistory.at(-1)).toEqual([]);
  });

  it('reports a start the API refused (not a limit) as failed, with the API message', async () => {
    const { clock, options } = setup(() => ({ endsAt: 1_000 }));
    const opts = options(['a']);
    opts.jobs = [
      {
        name: 'a',
        start: () =>
          Promise.reject(new Error('codecloud API 401: Invalid or missing API key (POST /api/v1/agents)')),
      },
    ];
    const [result] = await clock.run(runTasks(opts));
    expect(result).toMatchObject({ status: 'failed', runId: undefined });
    expect(result?.error).toMatch(/^codecloud API 401: Invalid or missing API key/);
  });
  it('saves a create before sending it; cancelled while it hangs, gives up after the grace and keeps it for the post step', async () => {
    const { clock, options, pendingHistory } = setup(() => ({ endsAt: 1_000 }));
    const cancel = new AbortController();
    const opts = options(['a'], { signal: cancel.signal });
    let sentPending: PendingCreate[] | undefined;
    opts.jobs = [
      {
        name: 'a',
        create: { prompt: 'Fix it', repo: 'octo/widgets' },
        start: (signal) =>
          new Promise((_, reject) => {
            sentPending = pendingHistory.at(-1);
            signal.addEventListener('abort', () =>
              reject(
                new CodecloudError({
                  kind: 'network',
                  method: 'POST',
                  path: '/api/v1/agents',
                  retryable: false,
                }),
              ),
            );
          }),
      },
    ];
    const start = clock.now();
    void clock.sleep(1_500).then(() => cancel.abort());
    const [result] = await clock.run(runTasks(opts));
    expect(sentPending).toEqual([{ name: 'a', prompt: 'Fix it', repo: 'octo/widgets', sentAt: start }]);
    expect(result).toMatchObject({ status: 'stopped', runId: undefined });
    expect(result?.error).toBe('The step was cancelled before the create was answered');
    expect(clock.now() - start).toBe(1_500 + 3_000);
    expect(pendingHistory.at(-1)).toEqual(sentPending);
  });

  it('a create answered within the grace after a cancel is stopped at once, and nothing is left pending', async () => {
    const { clock, api, options, pendingHistory, activeHistory } = setup(() => ({ endsAt: 60 * 60_000 }));
    const cancel = new AbortController();
    const opts = options(['a'], { signal: cancel.signal });
    opts.jobs = [
      {
        name: 'a',
        create: { prompt: 'a' },
        start: async () => {
          await clock.sleep(2_000);
          return { ...(await api.createRun({ prompt: 'a' })), status: 'queued' as const };
        },
      },
    ];
    void clock.sleep(500).then(() => cancel.abort());
    const [result] = await clock.run(runTasks(opts));
    expect(result).toMatchObject({ status: 'stopped', runId: 'run_1' });
    expect(api.stops).toEqual(['run_1']);
    expect(pendingHistory.at(-1)).toEqual([]);
    expect(activeHistory.at(-1)).toEqual([]);
  });

  it("saves a follow-up's run before sending; cancelled while it hangs, keeps the run for the post step", async () => {
    const { clock, options, activeHistory } = setup(() => ({ endsAt: 1_000 }));
    const cancel = new AbortController();
    const opts = options(['follow-up'], { signal: cancel.signal });
    let savedBeforeSending: ActiveRun[] | undefined;
    opts.jobs = [
      {
        name: 'follow-up',
        runId: 'run_9',
        start: (signal) =>
          new Promise((_, reject) => {
            savedBeforeSending = activeHistory.at(-1);
            signal.addEventListener('abort', () => reject(new Error('cancelled')));
          }),
      },
    ];
    void clock.sleep(1_000).then(() => cancel.abort());
    const [result] = await clock.run(runTasks(opts));
    expect(savedBeforeSending).toEqual([{ id: 'run_9', name: 'follow-up' }]);
    expect(result).toMatchObject({ status: 'stopped', runId: 'run_9' });
    expect(activeHistory.at(-1)).toEqual([{ id: 'run_9', name: 'follow-up' }]);
  });

  it('a create refused for good (4xx) is not kept for the post step', async () => {
    const { clock, options, pendingHistory } = setup(() => ({ endsAt: 1_000 }));
    const opts = options(['a']);
    opts.jobs = [
      {
        name: 'a',
        create: { prompt: 'a' },
        start: () =>
          Promise.reject(
            new CodecloudError({
              kind: 'http',
              method: 'POST',
              path: '/api/v1/agents',
              status: 400,
              retryable: false,
            }),
          ),
      },
    ];
    const [result] = await clock.run(runTasks(opts));
    expect(result?.status).toBe('failed');
    expect(pendingHistory.at(-1)).toEqual([]);
  });

  const unauthorized = () =>
    new CodecloudError({ kind: 'http', method: 'GET', path: '/x', status: 401, retryable: false });

  it('a run it can no longer follow (401 while polling) is stopped, not left going', async () => {
    const { clock, api, options, activeHistory } = setup(() => ({ endsAt: 60 * 60_000 }));
    api.getErrors.push(unauthorized());
    const [result] = await clock.run(runTasks(options(['a'])));
    expect(result?.status).toBe('failed');
    expect(result?.error).toMatch(/codecloud API 401.*; stopped the run$/);
    expect(api.stops).toEqual(['run_1']);
    expect(activeHistory.at(-1)).toEqual([]);
  });

  it('when that stop fails too, the run stays saved for the post step', async () => {
    const { clock, api, options, activeHistory } = setup(() => ({ endsAt: 60 * 60_000 }));
    api.getErrors.push(unauthorized());
    const opts = options(['a']);
    opts.client = Object.assign(Object.create(api) as FakeRuns, {
      stopRun: () => Promise.reject(unauthorized()),
      getRun: (id: string) => api.getRun(id),
    });
    const [result] = await clock.run(runTasks(opts));
    expect(result?.error).toMatch(/stopping it failed too \(the post step tries again\)$/);
    expect(activeHistory.at(-1)).toEqual([{ id: 'run_1', name: 'a' }]);
  });
});

// The reconciler's schedule on a real clock: between full passes the lease holder sweeps for runs that finished
// without a completion webhook (one list call, only while runs are open; only the runs listed as finished are read
// back), and stopping it does not wait for a pass stuck on the network.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, BackendRunView } from '../../../src/backends/agent-backend.js';
import { sweepFinishedRuns } from '../../../src/runs/finished-run-sweep.js';
import { enqueue } from '../../../src/runs/jobs.js';
import { startReconciler } from '../../../src/runs/reconciler.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { JOB_CODECLOUD_EVENT } from '../../../src/runs/trigger.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { issueRun, quietGitHub, testRunDeps } from './run-fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('reconciler schedule', () => {
  let store: Store;
  let deps: RunDeps;
  let seq = 0;
  /** What the backend's run list says, by remote id; what `get` answers, by remote id (default running). */
  let listed: Map<string, BackendRunView['status']>;
  let views: Map<string, BackendRunView['status']>;
  let lists = 0;
  let gets: string[] = [];
  let holdGets: Promise<void> | undefined;
  const edits: string[] = [];

  const gh = quietGitHub({
    updateComment: async (_ref, _id, body) => {
      edits.push(body);
    },
  });
  const backend: AgentBackend = {
    name: 'codecloud',
    start: async () => ({ kind: 'started', remoteRunId: 'unused' }),
    followUp: async () => ({ kind: 'sent' }),
    stop: async () => undefined,
    get: async (id) => {
      gets.push(id);
      if (holdGets) await holdGets;
      return { status: views.get(id) ?? 'running', prs: [] };
    },
    listRecent: async () => {
      lists += 1;
      return [...listed].map(([remoteRunId, status]) => ({ remoteRunId, status }));
    },
  };

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    for (const run of await store.listActiveRunsAfter(null, 1_000)) {
      await store.updateRun(run.id, { status: 'completed' });
    }
    listed = new Map();
    views = new Map();
    lists = 0;
    gets = [];
    holdGets = undefined;
    edits.length = 0;
    deps = testRunDeps({ store, backend, gh, now: Date.now });
  });

  const openRun = async (status: 'queued' | 'running' = 'running') => {
    seq += 1;
    return store.createRun(
      issueRun({
        threadKey: `acme/app#${seq}`,
        number: seq,
        status,
        remoteRunId: `r-${seq}-${Date.now()}`,
        statusCommentId: 900 + seq,
      }),
    );
  };

  it('a sweep makes no API call when no run is open', async () => {
    expect(await sweepFinishedRuns(deps)).toBe(0);
    expect(lists).toBe(0);
  });

  it("a sweep makes no list call while every open run's completion webhook has arrived", async () => {
    const first = await openRun();
    const second = await openRun('queued');
    const completion = (run: typeof first, event: 'agent.completed' | 'agent.failed') =>
      enqueue(store, JOB_CODECLOUD_EVENT, {
        dedupeKey: `codecloud:${run.remoteRunId}:${event}:2026-01-01T00:00:00Z`,
        payload:
          event === 'agent.completed'
            ? {
                event,
                run_id: run.remoteRunId ?? '',
                status: 'completed',
                created_at: '2026-01-01T00:00:00Z',
              }
            : { event, run_id: run.remoteRunId ?? '', status: 'failed', created_at: '2026-01-01T00:00:00Z' },
      });
    await completion(first, 'agent.completed');
    expect(await sweepFinishedRuns(deps)).toBe(0);
    expect(lists).toBe(1); // the second run's completion has not arrived
    await completion(second, 'agent.failed');
    expect(await sweepFinishedRuns(deps)).toBe(0);
    expect(lists).toBe(1); // both have: no list call
    // A run with follow-ups always counts: the recorded completion may be an earlier one's.
    await store.incrementFollowUpCount(first.id);
    await sweepFinishedRuns(deps);
    expect(lists).toBe(2);
  });

  it('a sweep reads back and finishes only the open runs the list shows as finished', async () => {
    const done = await openRun();
    const failed = await openRun('queued');
    const still = await openRun();
    const unlisted = await openRun();
    listed.set(done.remoteRunId ?? '', 'completed');
    listed.set(failed.remoteRunId ?? '', 'failed');
    listed.set(still.remoteRunId ?? '', 'running');
    views.set(done.remoteRunId ?? '', 'completed');
    views.set(failed.remoteRunId ?? '', 'failed');
    expect(await sweepFinishedRuns(deps)).toBe(2);
    expect(lists).toBe(1);
    expect(gets.sort()).toEqual([done.remoteRunId, failed.remoteRunId].sort());
    expect((await store.getRun(done.id))?.status).toBe('completed');
    expect((await store.getRun(failed.id))?.status).toBe('failed');
    expect((await store.getRun(still.id))?.status).toBe('running');
    expect((await store.getRun(unlisted.id))?.status).toBe('running');
  });

  it('what the list says is only a hint: a run the API still reports running stays open', async () => {
    const run = await openRun();
    listed.set(run.remoteRunId ?? '', 'completed');
    expect(await sweepFinishedRuns(deps)).toBe(1);
    expect((await store.getRun(run.id))?.status).toBe('running');
  });

  it('between full passes the holder sweeps: a run whose completion webhook never came is finished in seconds', async () => {
    const run = await openRun();
    const reconciler = startReconciler(deps, { intervalMs: 3_600_000, holder: 'me', sweepMs: 150 });
    try {
      // The start-up pass reads every open run once.
      await until(() => gets.includes(run.remoteRunId ?? ''));
      await sleep(400);
      expect(gets.filter((id) => id === run.remoteRunId)).toHaveLength(1);
      expect(lists).toBeGreaterThan(0);
      // It finishes at codecloud; no webhook comes. The next sweep finds it in the list.
      views.set(run.remoteRunId ?? '', 'completed');
      listed.set(run.remoteRunId ?? '', 'completed');
      const finishedAt = Date.now();
      await until(async () => (await store.getRun(run.id))?.status === 'completed', 2_000);
      expect(Date.now() - finishedAt).toBeLessThan(1_000);
      // Nothing open: no more list calls.
      await sleep(100);
      const listsThen = lists;
      await sleep(400);
      expect(lists).toBe(listsThen);
    } finally {
      await reconciler.stop();
    }
  });

  it('no sweep when the interval is as short as the sweep (the full pass reads everything anyway)', async () => {
    await openRun();
    const reconciler = startReconciler(deps, { intervalMs: 200, holder: 'me', sweepMs: 500 });
    try {
      await sleep(700);
      expect(gets.length).toBeGreaterThan(1);
      expect(lists).toBe(0);
    } finally {
      await reconciler.stop();
    }
  });

  it('stopping waits only the grace for a pass stuck on the network, and frees the lease for another replica', async () => {
    const run = await openRun();
    let letGo = (): void => undefined;
    holdGets = new Promise((resolve) => {
      letGo = resolve;
    });
    const reconciler = startReconciler(deps, { intervalMs: 3_600_000, holder: 'me' });
    try {
      await until(() => gets.includes(run.remoteRunId ?? ''));
      const stopping = Date.now();
      await reconciler.stop(200);
      expect(Date.now() - stopping).toBeLessThan(1_000);
      expect(await store.tryAcquireLease('reconciler', 'other-replica', 1_000)).toBe(true);
    } finally {
      letGo();
      await store.releaseLease('reconciler', 'other-replica');
    }
  });
});

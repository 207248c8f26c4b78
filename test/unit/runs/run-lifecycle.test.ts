import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, BackendRunView, StartRunResult } from '../../../src/backends/agent-backend.js';
import type { GitHubApi, ReactionContent, ReactionTarget } from '../../../src/github/github-api.js';
import { refreshRun } from '../../../src/runs/refresh-run.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { drainInstallation, finalizeRun, timeOutRuns } from '../../../src/runs/run-lifecycle.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { issueRun, testRunDeps } from './run-fixtures.js';

interface Recorded {
  comments: Map<number, string>;
  edits: Array<{ id: number; body: string }>;
  reactions: Array<{ target: ReactionTarget; content: ReactionContent }>;
}

function fakeGitHub(recorded: Recorded): GitHubApi {
  let next = 1;
  const unused = async (): Promise<never> => {
    throw new Error('not used in this test');
  };
  return {
    permissionOf: async () => 'write',
    createComment: async (_ref, _n, body) => {
      const id = next++;
      recorded.comments.set(id, body);
      return id;
    },
    updateComment: async (_ref, id, body) => {
      recorded.comments.set(id, body);
      recorded.edits.push({ id, body });
    },
    replyToReviewComment: unused,
    updateReviewComment: unused,
    react: async (_ref, target, content) => {
      recorded.reactions.push({ target, content });
    },
    getPull: unused,
    listComments: async () => [],
    listReviewComments: async () => [],
    dispatch: unused,
  };
}

function fakeBackend(): AgentBackend & {
  view: BackendRunView;
  stops: string[];
  startResult: StartRunResult;
} {
  const backend = {
    name: 'codecloud' as const,
    view: { status: 'running', prs: [] } as BackendRunView,
    stops: [] as string[],
    startResult: { kind: 'started', remoteRunId: 'r1' } as StartRunResult,
    async start() {
      return backend.startResult;
    },
    async followUp() {
      return { kind: 'sent' as const };
    },
    async stop(id: string) {
      backend.stops.push(id);
    },
    async get() {
      return backend.view;
    },
  };
  return backend;
}

describe('run lifecycle', () => {
  let store: Store;
  let now = 1_700_000_000_000;
  let recorded: Recorded;
  let backend: ReturnType<typeof fakeBackend>;
  let deps: RunDeps;

  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://', now: () => now });
    await store.migrate();
    recorded = { comments: new Map(), edits: [], reactions: [] };
    backend = fakeBackend();
    const gh = fakeGitHub(recorded);
    deps = testRunDeps({ store, backend, gh, now: () => now });
  });
  afterEach(async () => {
    await store.close();
  });

  async function waitingRun(options: Record<string, number | string | boolean> = {}) {
    const run = await store.createRun(
      issueRun({ options: { timeoutMinutes: 1, maxConcurrentRuns: 5, ...options } }),
    );
    return store.updateRun(run.id, { statusCommentId: 900 });
  }

  it('starts a waiting run and sets its deadline from timeout_minutes', async () => {
    const run = await waitingRun();
    await drainInstallation(deps, 7);
    const started = await store.getRun(run.id);
    expect(started?.status).toBe('queued');
    expect(started?.remoteRunId).toBe('r1');
    expect(started?.deadlineAt).toBe(now + 60_000);
    expect(recorded.edits.at(-1)?.body).toContain('Queued');
  });

  it('a limit-reached answer puts the run back in line and schedules a later try', async () => {
    backend.startResult = {
      kind: 'limit-reached',
      message: 'Concurrent agent limit reached',
      retryAfterMs: 30_000,
    };
    const run = await waitingRun();
    await drainInstallation(deps, 7);
    expect((await store.getRun(run.id))?.status).toBe('waiting');
    const jobs = await store.claimJobs(10, 1_000);
    expect(jobs).toHaveLength(0); // not due yet: no tight loop
    now += 31_000;
    const due = await store.claimJobs(10, 1_000);
    expect(due.map((j) => j.kind)).toEqual(['runs.drain']);
  });

  it('times out a run past its deadline: stops it and posts the final state once', async () => {
    const run = await waitingRun();
    await drainInstallation(deps, 7);
    now += 61_000;
    await timeOutRuns(deps);
    await timeOutRuns(deps);
    const after = await store.getRun(run.id);
    expect(after?.status).toBe('timed_out');
    expect(backend.stops).toEqual(['r1']);
    const finals = recorded.edits.filter((e) => e.body.includes('Timed out'));
    expect(finals).toHaveLength(1);
    expect(recorded.reactions.map((r) => r.content)).toEqual(['confused']);
  });

  it('posts one final comment however many refreshes race', async () => {
    const run = await waitingRun();
    await drainInstallation(deps, 7);
    backend.view = {
      status: 'completed',
      result: 'All done',
      prs: [{ repo: 'acme/app', number: 3, url: 'https://x/pr/3' }],
    };
    const started = await store.getRun(run.id);
    if (!started) throw new Error('no run');
    await Promise.all([refreshRun(deps, started), refreshRun(deps, started), refreshRun(deps, started)]);
    const finals = recorded.edits.filter((e) => e.body.includes('Completed'));
    expect(finals).toHaveLength(1);
    expect(finals[0]?.body).toContain('https://x/pr/3');
    expect(recorded.reactions.map((r) => r.content)).toEqual(['rocket']);
    expect((await store.findRunByPullRequest('acme/app', 3))?.id).toBe(run.id);
  });

  it('finalizing a run with no remote id (stopped while waiting) frees nothing twice', async () => {
    const run = await waitingRun();
    await store.updateRun(run.id, { stopRequestedBy: 'bob' });
    const fresh = await store.getRun(run.id);
    if (!fresh) throw new Error('no run');
    await finalizeRun(deps, fresh, { status: 'stopped' });
    await finalizeRun(deps, fresh, { status: 'stopped' });
    expect((await store.getRun(run.id))?.status).toBe('stopped');
    expect(recorded.edits.filter((e) => e.body.includes('Stopped'))).toHaveLength(1);
  });
});

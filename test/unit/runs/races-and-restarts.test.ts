// Races and crashes in the run orchestration: stale read-backs against the completion (two replicas on one store),
// status comments posted by a job that died, codecloud's plan limit with short Retry-After, the trigger word in the
// status comment, and the reconciler taking over from a replica that died.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, BackendRunView, StartRunResult } from '../../../src/backends/agent-backend.js';
import type { GitHubApi, IssueCommentInfo } from '../../../src/github/github-api.js';
import { pendingMarker } from '../../../src/render/markers.js';
import { handleCommandJob } from '../../../src/runs/command-handler.js';
import { startReconciler } from '../../../src/runs/reconciler.js';
import { refreshRun } from '../../../src/runs/refresh-run.js';
import { loadRunConfig } from '../../../src/runs/run-config.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { drainInstallation, finalizeRun } from '../../../src/runs/run-lifecycle.js';
import { postStatusComment } from '../../../src/runs/status-comment.js';
import type { CommandTrigger } from '../../../src/runs/trigger.js';
import { openStore } from '../../../src/store/open-store.js';
import type { NewRun, Store } from '../../../src/store/store.js';
import { issueRun, runDueJobs, testRunDeps } from './run-fixtures.js';

/** A promise with its resolve, to hold a call until the test lets it go. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** One GitHub thread as both replicas see it. */
class Thread {
  readonly bodies = new Map<number, string>();
  readonly comments: IssueCommentInfo[] = [];
  posts = 0;
  #next = 1000;

  api(options: { beforeEdit?: (body: string) => Promise<void> } = {}): GitHubApi {
    const unused = async (): Promise<never> => {
      throw new Error('not used in this test');
    };
    return {
      permissionOf: async () => 'write',
      createComment: async (_ref, _n, body) => {
        this.posts += 1;
        const id = this.#next++;
        this.bodies.set(id, body);
        this.comments.push({
          id,
          body,
          author: 'codecloud[bot]',
          authorType: 'Bot',
          createdAt: new Date().toISOString(),
        });
        return id;
      },
      updateComment: async (_ref, id, body) => {
        await options.beforeEdit?.(body);
        this.bodies.set(id, body);
      },
      replyToReviewComment: unused,
      updateReviewComment: unused,
      react: async () => undefined,
      getPull: unused,
      listComments: async () => [...this.comments],
      listReviewComments: async () => [],
      dispatch: unused,
    };
  }
}

let remoteSeq = 0;

function backendSaying(get: (id: string) => Promise<BackendRunView>): AgentBackend & { starts: number } {
  const backend = {
    name: 'codecloud' as const,
    starts: 0,
    async start(): Promise<StartRunResult> {
      backend.starts += 1;
      remoteSeq += 1;
      return { kind: 'started', remoteRunId: `r-${remoteSeq}` };
    },
    async followUp() {
      return { kind: 'sent' as const };
    },
    async stop() {},
    get,
  };
  return backend;
}

describe('races and restarts', () => {
  let store: Store;
  let now = 1_800_000_000_000;
  let seq = 0;

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://', now: () => now });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(() => {
    now += 86_400_000;
  });

  /** A run of its own installation and thread, already started at the backend, with its status comment. */
  async function startedRun(thread: Thread, overrides: Partial<NewRun> = {}) {
    seq += 1;
    const body = 'Queued';
    const commentId = await thread.api().createComment({ owner: 'acme', repo: 'app' }, 1, body);
    return store.createRun(
      issueRun({
        installationId: 500 + seq,
        threadKey: `acme/app#${500 + seq}`,
        status: 'queued',
        remoteRunId: `remote-${now}-${seq}`,
        statusCommentId: commentId,
        ...overrides,
      }),
    );
  }

  it('a stale "running" read back while the completion is handled never overwrites the finished run', async () => {
    const thread = new Thread();
    const run = await startedRun(thread);
    // Replica A (the reconciler) reads "running"; its answer arrives only after replica B handled the completion.
    const staleAnswer = gate<BackendRunView>();
    const asked = gate();
    const replicaA = testRunDeps({
      store,
      backend: backendSaying(async () => {
        asked.open();
        return staleAnswer.promise;
      }),
      gh: thread.api(),
      now: () => now,
    });
    const replicaB = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'completed', result: 'All fixed', prs: [] })),
      gh: thread.api(),
      now: () => now,
    });
    const reconciling = refreshRun(replicaA, run, { throttled: true });
    await asked.promise;
    await refreshRun(replicaB, run); // the completion webhook's job
    expect(thread.bodies.get(run.statusCommentId ?? -1)).toContain('Completed');
    staleAnswer.open({ status: 'running', prs: [] });
    await reconciling;
    const after = await store.getRun(run.id);
    expect(after?.status).toBe('completed');
    expect(after?.result.result).toBe('All fixed');
    expect(thread.bodies.get(run.statusCommentId ?? -1)).toContain('Completed');
  });

  it('a non-final edit in flight when the run finishes is never the last edit', async () => {
    const thread = new Thread();
    const run = await startedRun(thread);
    // Replica A's "Running" edit is in flight at GitHub while replica B finishes the run and makes its final edit.
    const editSent = gate();
    const editLands = gate();
    const replicaA = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'running', prs: [] })),
      gh: thread.api({
        beforeEdit: async (body) => {
          if (!body.includes('Running')) return;
          editSent.open();
          await editLands.promise;
        },
      }),
      now: () => now,
    });
    const replicaB = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'completed', result: 'All fixed', prs: [] })),
      gh: thread.api(),
      now: () => now,
    });
    const reconciling = refreshRun(replicaA, run, { throttled: true });
    await editSent.promise;
    const running = await store.getRun(run.id);
    expect(running?.status).toBe('running');
    const completing = refreshRun(replicaB, running ?? run);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.getRun(run.id))?.status).toBe('completed');
    editLands.open();
    await Promise.all([reconciling, completing]);
    expect((await store.getRun(run.id))?.status).toBe('completed');
    expect(thread.bodies.get(run.statusCommentId ?? -1)).toContain('Completed');
  });

  it('a final run is never moved back, by a progress event or a stop', async () => {
    const thread = new Thread();
    const run = await startedRun(thread);
    const deps = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'completed', prs: [] })),
      gh: thread.api(),
      now: () => now,
    });
    await finalizeRun(deps, run, { status: 'completed' });
    expect(await store.transitionRun(run.id, [run.status], { status: 'running' })).toBeNull();
    expect((await refreshRun(deps, run)).status).toBe('completed');
  });

  it('a retried job finds the status comment an attempt that died posted, and never posts a second one', async () => {
    const thread = new Thread();
    seq += 1;
    const run = await store.createRun(
      issueRun({ installationId: 500 + seq, threadKey: `acme/app#${500 + seq}` }),
    );
    const gh = thread.api();
    // The first attempt: GitHub created the comment, then the process died before recording its id.
    await gh.createComment({ owner: 'acme', repo: 'app' }, 1, `${pendingMarker(run.id)}\n⏳ **Queued**`);
    // Someone else's comment and another run's comment are not it.
    thread.comments.push({
      id: 1,
      body: `${pendingMarker('another-run')}\nx`,
      author: 'codecloud[bot]',
      authorType: 'Bot',
      createdAt: new Date().toISOString(),
    });
    const deps = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'queued', prs: [] })),
      gh,
      now: () => now,
    });
    const adopted = await postStatusComment(deps, gh, run, { lookFirst: true });
    expect(adopted.statusCommentId).toBe(1000);
    expect(thread.posts).toBe(1);
    // Once started, the marker carries the backend's run id.
    await drainInstallation(deps, run.installationId);
    const started = await store.getRun(run.id);
    expect(started?.remoteRunId).toMatch(/^r-\d+$/);
    expect(thread.bodies.get(1000)).toContain(`<!-- codecloud:run=${started?.remoteRunId} -->`);
    expect(thread.bodies.get(1000)).not.toContain('codecloud:pending=');
    expect(thread.posts).toBe(1);
  });

  it('in a review thread the status comment is looked for among the review comments (newest first)', async () => {
    seq += 1;
    const run = await store.createRun(
      issueRun({
        installationId: 500 + seq,
        threadKey: `acme/app#${500 + seq}:review-31`,
        targetKind: 'pull_request',
        reviewCommentThreadId: 31,
      }),
    );
    const edited: Array<{ id: number; body: string }> = [];
    const unused = async (): Promise<never> => {
      throw new Error('not used in this test');
    };
    const comment = (id: number, body: string, author = 'codecloud[bot]'): IssueCommentInfo => ({
      id,
      body,
      author,
      authorType: author.endsWith('[bot]') ? 'Bot' : 'User',
      createdAt: new Date().toISOString(),
    });
    const gh: GitHubApi = {
      permissionOf: async () => 'write',
      createComment: unused,
      updateComment: unused,
      replyToReviewComment: unused,
      updateReviewComment: async (_ref, id, body) => {
        edited.push({ id, body });
      },
      react: async () => undefined,
      getPull: unused,
      listComments: unused,
      listReviewComments: async () => [
        comment(31, 'please fix', 'alice'),
        comment(40, `${pendingMarker(run.id)}\nold copy`),
        // Someone quoting the marker is not the app.
        comment(41, `${pendingMarker(run.id)}\nquoted`, 'mallory'),
        comment(42, `${pendingMarker(run.id)}\nnewest`),
      ],
      dispatch: unused,
    };
    const deps = testRunDeps({
      store,
      backend: backendSaying(async () => ({ status: 'queued', prs: [] })),
      gh,
      now: () => now,
    });
    const adopted = await postStatusComment(deps, gh, run, { lookFirst: true });
    expect(adopted.statusCommentId).toBe(42);
    expect(edited.map((e) => e.id)).toEqual([42]);
  });

  it("codecloud's plan limit with a short Retry-After is retried every time, and the comment says why it waits", async () => {
    now = Math.ceil(now / 30_000) * 30_000; // two back-offs 5 s apart fall in one 30 s bucket
    const thread = new Thread();
    seq += 1;
    const installationId = 500 + seq;
    const gh = thread.api();
    const commentId = await gh.createComment({ owner: 'acme', repo: 'app' }, 1, 'Queued');
    const run = await store.createRun(
      issueRun({ installationId, threadKey: `acme/app#${installationId}`, statusCommentId: commentId }),
    );
    const answers: StartRunResult[] = [
      { kind: 'limit-reached', retryAfterMs: 5_000, message: 'limit' },
      { kind: 'limit-reached', retryAfterMs: 5_000, message: 'limit' },
      { kind: 'started', remoteRunId: `r-limit-${now}` },
    ];
    const backend = backendSaying(async () => ({ status: 'queued', prs: [] }));
    backend.start = async () => answers.shift() ?? { kind: 'started', remoteRunId: 'unexpected' };
    const deps = testRunDeps({ store, backend, gh, now: () => now });
    await drainInstallation(deps, installationId);
    const waiting = thread.bodies.get(commentId) ?? '';
    expect(waiting).toContain('Waiting for a free slot');
    expect(waiting).toContain('plan limit');
    expect(waiting).not.toContain('Queued');
    now += 5_000;
    await runDueJobs(deps); // refused again: another 5 s
    expect((await store.getRun(run.id))?.status).toBe('waiting');
    expect(thread.bodies.get(commentId)).toContain('Waiting for a free slot');
    now += 5_000;
    await runDueJobs(deps);
    expect((await store.getRun(run.id))?.status).toBe('queued');
    expect(answers).toHaveLength(0);
  });

  it("a repository's own trigger word is in its status comments' hints", async () => {
    const thread = new Thread();
    const gh = thread.api();
    const backend = backendSaying(async () => ({ status: 'queued', prs: [] }));
    const deps: RunDeps = {
      ...testRunDeps({ store, backend, gh, now: () => now }),
      loadConfig: async () => loadRunConfig({ trigger: '!ai' }),
    };
    seq += 1;
    const trigger: CommandTrigger = {
      deliveryId: `d-${now}`,
      installationId: 500 + seq,
      owner: 'acme',
      repo: 'app',
      defaultBranch: 'main',
      source: 'issue_comment',
      number: 500 + seq,
      isPullRequest: false,
      title: 'Crash',
      body: 'It crashes',
      commentId: 77_000 + seq,
      text: '!ai fix it',
      sender: { login: 'alice', type: 'User' },
    };
    await handleCommandJob(deps, trigger);
    const bodies = [...thread.bodies.values()].join('\n');
    expect(bodies).toContain('`!ai stop`');
    expect(bodies).not.toContain('/codecloud');
    const run = await store.latestRunForThread(`acme/app#${500 + seq}`);
    expect(run?.options.trigger).toBe('!ai');
  });

  it('the reconciler takes over within seconds from a replica that died holding its lease, whatever the interval', async () => {
    // Real time here: the reconciler's lease renewal runs on timers.
    const realStore = await openStore({ dataDir: 'memory://' });
    await realStore.migrate();
    try {
      const thread = new Thread();
      const read: string[] = [];
      const backend = backendSaying(async (id) => {
        read.push(id);
        return { status: 'running', prs: [] };
      });
      const deps = testRunDeps({ store: realStore, backend, gh: thread.api(), now: Date.now });
      const open = await realStore.createRun(
        issueRun({ status: 'queued', remoteRunId: 'left-open', statusCommentId: 5 }),
      );
      // The replica that died: its lease still runs for a moment.
      await realStore.tryAcquireLease('reconciler', 'dead-replica', 600);
      const started = Date.now();
      const reconciler = startReconciler(
        { ...deps, holder: 'new-replica' },
        { intervalMs: 3_600_000, holder: 'new-replica', leaseMs: 600 },
      );
      try {
        while (!read.includes('left-open') && Date.now() - started < 5_000) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(read).toContain('left-open');
        expect(Date.now() - started).toBeLessThan(3_000);
        expect((await realStore.getRun(open.id))?.status).toBe('running');
      } finally {
        await reconciler.stop();
      }
    } finally {
      await realStore.close();
    }
  });
});

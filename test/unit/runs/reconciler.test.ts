// The reconciler as the safety net: final comments that failed or were cut off are edited later (with back-off),
// follow-ups cut off mid-call are decided from what the API says, and every non-final run is visited.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, BackendRunView } from '../../../src/backends/agent-backend.js';
import type { GitHubApi, ReactionContent, ReactionTarget } from '../../../src/github/github-api.js';
import { finalCommentRetryAt } from '../../../src/runs/final-comment.js';
import { reconcileOnce } from '../../../src/runs/reconciler.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { drainInstallation, finalizeRun } from '../../../src/runs/run-lifecycle.js';
import { startLeaseName } from '../../../src/runs/run-start.js';
import { followUpIdempotencyKey } from '../../../src/runs/thread-commands.js';
import { openStore } from '../../../src/store/open-store.js';
import type { NewRun, Store } from '../../../src/store/store.js';
import { issueRun, runDueJobs, testRunDeps } from './run-fixtures.js';

describe('reconciler', () => {
  let store: Store;
  let now = 1_700_000_000_000;
  let deps: RunDeps;
  let failEdits = 0;
  let failReactions = 0;
  const edits: Array<{ id: number; body: string }> = [];
  const reactions: Array<{ target: ReactionTarget; content: ReactionContent }> = [];
  const gets: string[] = [];
  const followUps: Array<{ id: string; key: string; prompt: string }> = [];
  let startAnswer: Awaited<ReturnType<AgentBackend['start']>> = { kind: 'started', remoteRunId: 'r-new' };
  let view: BackendRunView = { status: 'running', prs: [] };
  let lost: { remoteRunId: string } | undefined;
  const lookUps: Array<{ prompt: string; since: number }> = [];

  const gh: GitHubApi = {
    permissionOf: async () => 'write',
    createComment: async () => 1,
    updateComment: async (_ref, id, body) => {
      if (failEdits > 0) {
        failEdits -= 1;
        throw Object.assign(new Error('Server Error'), { status: 502 });
      }
      edits.push({ id, body });
    },
    replyToReviewComment: async () => 2,
    updateReviewComment: async () => undefined,
    react: async (_ref, target, content) => {
      if (failReactions > 0) {
        failReactions -= 1;
        throw Object.assign(new Error('You have exceeded a secondary rate limit'), { status: 403 });
      }
      reactions.push({ target, content });
    },
    getPull: async () => {
      throw new Error('unused');
    },
    listComments: async () => [],
    listReviewComments: async () => [],
    dispatch: async () => undefined,
  };
  const backend: AgentBackend = {
    name: 'codecloud',
    start: async () => startAnswer,
    followUp: async (id, request) => {
      followUps.push({ id, key: request.idempotencyKey, prompt: request.prompt });
      return { kind: 'sent' };
    },
    stop: async () => undefined,
    get: async (id) => {
      gets.push(id);
      return view;
    },
    findStarted: async (request, since) => {
      lookUps.push({ prompt: request.prompt, since });
      return lost;
    },
  };

  beforeAll(async () => {
    // One embedded store for the file (opening one takes seconds); each test starts from no pending work.
    store = await openStore({ dataDir: 'memory://', now: () => now });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    now += 86_400_000;
    for (const run of await store.listActiveRunsAfter(null, 1_000)) {
      await store.updateRun(run.id, { status: 'completed' });
    }
    for (const run of await store.listRunsAwaitingFinalComment(1_000))
      await store.confirmFinalComment(run.id);
    failEdits = 0;
    failReactions = 0;
    edits.length = 0;
    reactions.length = 0;
    gets.length = 0;
    followUps.length = 0;
    lookUps.length = 0;
    lost = undefined;
    startAnswer = { kind: 'started', remoteRunId: `r-new-${now}` };
    view = { status: 'running', prs: [] };
    deps = testRunDeps({ store, backend, gh, now: () => now });
  });

  const newRun = (overrides: Partial<NewRun> = {}): NewRun => ({
    ...issueRun({ statusCommentId: 900, ...overrides }),
    // Remote ids are unique across the file's one store.
    ...(overrides.remoteRunId ? { remoteRunId: `${now}-${overrides.remoteRunId}` } : {}),
  });

  it('a final edit that GitHub refuses is made later by the reconciler, after a back-off', async () => {
    const run = await store.createRun(newRun({ status: 'running', remoteRunId: 'r1' }));
    failEdits = 1;
    const final = await finalizeRun(deps, run, { status: 'failed', result: { error: 'boom' } });
    expect(final.status).toBe('failed');
    expect(edits).toEqual([]);
    await reconcileOnce(deps, 'me', 10_000);
    expect(edits).toEqual([]); // not before the back-off
    now += 20_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.body).toContain('Failed');
    expect(reactions.map((r) => r.content)).toEqual(['confused']);
    now += 3_600_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect(edits).toHaveLength(1); // once only
  });

  it('a 🚀 that GitHub refuses after the final edit is sent again later, without editing the comment twice', async () => {
    const run = await store.createRun(newRun({ status: 'running', remoteRunId: 'r1' }));
    failReactions = 1;
    await finalizeRun(deps, run, { status: 'completed', result: { result: 'done' } });
    expect(edits).toHaveLength(1);
    expect(reactions).toEqual([]);
    now += 20_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect(reactions.map((r) => r.content)).toEqual(['rocket']);
    expect(edits).toHaveLength(1);
    now += 3_600_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect(reactions).toHaveLength(1); // once only
  });

  it('a run moved to its final state whose edit never happened (a crash) gets its final comment', async () => {
    await store.createRun(newRun({ status: 'completed', remoteRunId: 'r1' }));
    await reconcileOnce(deps, 'me', 10_000);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.body).toContain('Completed');
    expect(reactions.map((r) => r.content)).toEqual(['rocket']);
  });

  it('a stop asked for by a user gets no 😕 on the trigger', async () => {
    const run = await store.createRun(newRun({ status: 'running', remoteRunId: 'r1' }));
    await store.updateRun(run.id, { stopRequestedBy: 'alice' });
    await finalizeRun(deps, run, { status: 'stopped' });
    expect(edits).toHaveLength(1);
    expect(reactions).toEqual([]);
  });

  it('back-off grows and is capped, with jitter', () => {
    expect(finalCommentRetryAt(0, 1, () => 0.5)).toBe(5_000);
    expect(finalCommentRetryAt(0, 3, () => 0.5)).toBe(20_000);
    expect(finalCommentRetryAt(0, 30, () => 0.5)).toBe(1_800_000);
    expect(finalCommentRetryAt(0, 1, () => 0)).toBe(4_000);
  });

  it('a follow-up cut off mid-call: running at the API means it got through', async () => {
    const run = await store.createRun(newRun({ status: 'completed', remoteRunId: 'r1' }));
    const moved = await store.transitionRun(run.id, ['completed'], { status: 'starting', startedAt: now });
    expect(moved).not.toBeNull();
    now += 6 * 60_000;
    view = { status: 'running', prs: [] };
    await reconcileOnce(deps, 'me', 10_000);
    expect((await store.getRun(run.id))?.status).toBe('running');
    expect(edits.at(-1)?.body).toContain('Running');
  });

  it('a follow-up cut off mid-call: an answer from before it was sent means it never arrived', async () => {
    const run = await store.createRun(newRun({ status: 'completed', remoteRunId: 'r1' }));
    await store.transitionRun(run.id, ['completed'], { status: 'starting', startedAt: now });
    view = { status: 'completed', prs: [], completedAt: new Date(now - 60_000).toISOString() };
    now += 6 * 60_000;
    await reconcileOnce(deps, 'me', 10_000);
    const after = await store.getRun(run.id);
    expect(after?.status).toBe('failed');
    expect(after?.result.error).toContain('never received it');
  });

  it('visits every non-final run, not just the oldest page', async () => {
    for (let i = 0; i < 205; i += 1) {
      await store.createRun(newRun({ threadKey: `acme/app#${i}`, status: 'running', remoteRunId: `r${i}` }));
    }
    await reconcileOnce(deps, 'me', 10_000);
    expect(new Set(gets.filter((id) => id.startsWith(`${now}-`))).size).toBe(205);
  });

  it("codecloud's plan limit holds the installation's queue until Retry-After, also for the reconciler", async () => {
    const run = await store.createRun(newRun({ installationId: 31 }));
    startAnswer = { kind: 'limit-reached', retryAfterMs: 120_000, message: 'limit' };
    await drainInstallation(deps, 31);
    expect((await store.getRun(run.id))?.status).toBe('waiting');
    expect(await store.installationNotBefore(31)).toBe(now + 120_000);
    startAnswer = { kind: 'started', remoteRunId: `r-late-${now}` };
    now += 60_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect((await store.getRun(run.id))?.status).toBe('waiting');
    now += 60_000;
    await reconcileOnce(deps, 'me', 10_000);
    expect((await store.getRun(run.id))?.status).toBe('queued');
  });

  it('a follow-up held by the plan limit waits in line and is sent (with its key) when its turn comes', async () => {
    const run = await store.createRun(
      newRun({
        installationId: 32,
        remoteRunId: 'r9',
        options: {
          pendingFollowUp: { prompt: 'add a test', mode: 'execute', idempotencyKey: 'github-comment-9' },
        },
      }),
    );
    view = { status: 'completed', prs: [] };
    await reconcileOnce(deps, 'me', 10_000); // not finalized from the previous message's answer
    const after = await store.getRun(run.id);
    expect(after?.status).toBe('queued');
    expect(followUps).toEqual([{ id: `${now}-r9`, key: 'github-comment-9', prompt: 'add a test' }]);
    expect(after?.options.pendingFollowUp).toBeUndefined();
  });

  it('a waiting run whose status comment was never posted is not started, and is failed with a new comment later', async () => {
    const posted: string[] = [];
    gh.createComment = async (_ref, _n, body) => {
      posted.push(body);
      return 77;
    };
    const run = await store.createRun(newRun({ installationId: 33, statusCommentId: null }));
    await reconcileOnce(deps, 'me', 10_000);
    expect((await store.getRun(run.id))?.status).toBe('waiting'); // never started without its comment
    now += 16 * 60_000;
    await reconcileOnce(deps, 'me', 10_000);
    const after = await store.getRun(run.id);
    expect(after?.status).toBe('failed');
    expect(after?.statusCommentId).toBe(77);
    expect(posted.join('')).toContain('was not started');
  });

  it('a create cut off by a restart: looked up for two minutes (never sent again), adopted when found, else failed', async () => {
    const starts: string[] = [];
    const start = backend.start;
    backend.start = async (request) => {
      starts.push(request.prompt);
      return start(request);
    };
    const foundByPrompt = new Map<string, string>();
    const find = backend.findStarted as NonNullable<AgentBackend['findStarted']>;
    backend.findStarted = async (request, since) => {
      lookUps.push({ prompt: request.prompt, since });
      const id = foundByPrompt.get(request.prompt);
      return id ? { remoteRunId: id } : undefined;
    };
    const sentAt = now;
    const inStarting = async (installationId: number, prompt: string, sent: boolean) => {
      const run = await store.createRun(
        newRun({ installationId, threadKey: `acme/app#${installationId}`, prompt }),
      );
      await store.transitionRun(run.id, ['waiting'], {
        status: 'starting',
        ...(sent ? { options: { createSentAt: sentAt } } : {}),
      });
      return run;
    };
    const adopted = await inStarting(34, 'fix A', true);
    const notSent = await inStarting(35, 'fix B', false);
    const neverFound = await inStarting(36, 'fix C', true);
    const heldElsewhere = await inStarting(37, 'fix D', true);
    await store.tryAcquireLease(startLeaseName(heldElsewhere.id), 'another-live-process', 15_000);
    try {
      now += 6_000;
      await reconcileOnce(deps, 'me', 10_000);
      // Cut off before the create was sent: back in line, and started normally (by the reconciler's drain).
      expect((await store.getRun(notSent.id))?.status).toBe('queued');
      expect(starts).toEqual(['fix B']);
      // Another process still holds its start lease (it is alive and working on it): left alone.
      expect(lookUps).toEqual([]);
      for (let i = 0; i < 3; i += 1) {
        now += 10_000;
        await runDueJobs(deps);
      }
      expect(lookUps.map((l) => l.prompt).sort()).toEqual(['fix A', 'fix A', 'fix C', 'fix C']);
      expect(lookUps.every((l) => l.since === sentAt)).toBe(true);
      // codecloud's list shows it only now: the next look-up adopts it.
      foundByPrompt.set('fix A', `${now}-late`);
      for (let i = 0; i < 3; i += 1) {
        now += 10_000;
        await runDueJobs(deps);
      }
      const a = await store.getRun(adopted.id);
      // Adopted and read back at once (its webhooks came before it was known to be ours): running.
      expect(a?.status).toBe('running');
      expect(a?.remoteRunId).toBe(`${now - 30_000}-late`);
      for (let i = 0; i < 8; i += 1) {
        now += 10_000;
        await runDueJobs(deps);
      }
      const c = await store.getRun(neverFound.id);
      expect(c?.status).toBe('failed');
      expect(c?.result.error).toContain('codecloud dashboard');
      expect(lookUps.filter((l) => l.prompt === 'fix C')).toHaveLength(5);
      expect(edits.at(-1)?.body).toContain('Failed');
      expect(edits.map((e) => e.body).join('\n')).not.toContain('Timed out');
      // Its holder died: the lease runs out within seconds and the reconciler takes over.
      await reconcileOnce(deps, 'me', 10_000);
      await runDueJobs(deps);
      expect(lookUps.filter((l) => l.prompt === 'fix D').length).toBeGreaterThanOrEqual(1);
      // Nothing was ever created twice, and nothing cut off mid-create was sent again.
      expect(starts).toEqual(['fix B']);
    } finally {
      backend.start = start;
      backend.findStarted = find;
    }
  });

  it('follow-up idempotency keys tell issue comments, review comments and reviews apart', () => {
    const key = (source: 'issue_comment' | 'review_comment' | 'review') =>
      followUpIdempotencyKey({ source, commentId: 42, deliveryId: 'd' });
    expect(key('issue_comment')).toBe('github-comment-42');
    expect(key('review_comment')).toBe('github-review-comment-42');
    expect(key('review')).toBe('github-review-42');
  });
});

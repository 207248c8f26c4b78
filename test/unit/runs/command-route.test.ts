// Where a command goes, from plain data: a new run, a follow-up to the run that opened the pull request, or a busy
// reply; which run a thread command is about; when a busy reply is left out and what it links to.
import { describe, expect, it } from 'vitest';
import {
  busyAnswerOf,
  isOwnRun,
  isSpentTrigger,
  type RouteTrigger,
  routeCommand,
  statusCommentUrl,
  threadRunOf,
} from '../../../src/runs/command-route.js';
import type { Run } from '../../../src/store/store.js';
import { issueRun } from './run-fixtures.js';

/** The store's view of `issueRun()`: a running codecloud run on acme/app#1 with its status comment. */
function run(overrides: Partial<Run> = {}): Run {
  return {
    ...issueRun(),
    id: 'run-1',
    remoteRunId: 'r-1',
    cloudcodingThreadId: null,
    reviewCommentThreadId: null,
    options: { deliveryId: 'delivery-of-run' },
    statusCommentId: 900,
    status: 'running',
    remoteStatus: null,
    result: {},
    stopRequestedBy: null,
    createdAt: 1,
    startedAt: 1,
    finishedAt: null,
    deadlineAt: null,
    lastCommentEditAt: null,
    lastCommentBodyHash: null,
    progress: null,
    finalCommentPosted: false,
    followUpCount: 0,
    updatedAt: 1,
    ...overrides,
  };
}

const onIssue: RouteTrigger = {
  isPullRequest: false,
  deliveryId: 'delivery-2',
  commentId: 77,
  source: 'issue_comment',
};
const onPull: RouteTrigger = { ...onIssue, isPullRequest: true };

describe('routeCommand', () => {
  describe("a trigger older than the one that started the thread's latest run starts nothing (a replay)", () => {
    const latest = (overrides: Partial<Run> = {}) =>
      run({
        status: 'completed',
        triggerKind: 'issue_comment',
        triggerCommentId: 200,
        options: { deliveryId: 'delivery-of-b', triggeredAt: '2026-01-01T10:05:00Z' },
        ...overrides,
      });
    const comment = (createdAt: string, commentId: number): RouteTrigger => ({
      ...onIssue,
      deliveryId: 'a-replayed',
      commentId,
      createdAt,
    });
    it.each([
      ['an older comment', comment('2026-01-01T10:00:00Z', 100), 'stale'],
      ['an older comment of the same second', comment('2026-01-01T10:05:00Z', 150), 'stale'],
      ['a newer comment', comment('2026-01-01T10:06:00Z', 300), 'new-run-on-issue'],
      [
        'a replayed label of the run',
        { ...onIssue, source: 'label', commentId: null, deliveryId: 'x', createdAt: '2026-01-01T10:05:00Z' },
        'stale',
      ],
      [
        'a replayed issue body',
        {
          ...onIssue,
          source: 'issue_body',
          commentId: null,
          deliveryId: 'x',
          createdAt: '2026-01-01T09:00:00Z',
        },
        'stale',
      ],
      [
        'a later real labeling',
        { ...onIssue, source: 'label', commentId: null, deliveryId: 'x', createdAt: '2026-01-01T11:00:00Z' },
        'new-run-on-issue',
      ],
    ] as const)('%s', (_what, trigger, kind) => {
      expect(routeCommand({ trigger, threadRun: latest(), pullRequestRun: null }).kind).toBe(kind);
      // Also while that run is active: no busy reply to a replay.
      if (kind === 'stale') {
        expect(
          routeCommand({ trigger, threadRun: latest({ status: 'running' }), pullRequestRun: null }).kind,
        ).toBe('stale');
      }
    });

    it('a run recorded without its trigger time is compared by when it was created', () => {
      const old = run({ status: 'completed', createdAt: Date.parse('2026-01-01T10:05:00Z'), options: {} });
      expect(
        routeCommand({ trigger: comment('2026-01-01T10:00:00Z', 100), threadRun: old, pullRequestRun: null })
          .kind,
      ).toBe('stale');
    });
  });

  it('starts a new run on an issue with no run, or with a finished one', () => {
    expect(routeCommand({ trigger: onIssue, threadRun: null, pullRequestRun: null })).toEqual({
      kind: 'new-run-on-issue',
    });
    for (const status of ['completed', 'failed', 'stopped', 'timed_out'] as const) {
      expect(routeCommand({ trigger: onIssue, threadRun: run({ status }), pullRequestRun: null }).kind).toBe(
        'new-run-on-issue',
      );
    }
  });

  it('answers busy while another run of the thread is active, in every non-final status', () => {
    for (const status of ['waiting', 'starting', 'queued', 'running'] as const) {
      const active = run({ status });
      expect(routeCommand({ trigger: onIssue, threadRun: active, pullRequestRun: null })).toEqual({
        kind: 'busy',
        active,
      });
    }
  });

  it("goes on with the trigger's own active run (a retried job or a redelivery), not busy", () => {
    const sameDelivery = run({ options: { deliveryId: onIssue.deliveryId } });
    expect(routeCommand({ trigger: onIssue, threadRun: sameDelivery, pullRequestRun: null }).kind).toBe(
      'new-run-on-issue',
    );
    const sameComment = run({ triggerCommentId: 77, triggerKind: 'issue_comment' });
    expect(routeCommand({ trigger: onIssue, threadRun: sameComment, pullRequestRun: null }).kind).toBe(
      'new-run-on-issue',
    );
  });

  it('starts a new run on a pull request nobody opened, or one whose run never reached the backend', () => {
    expect(routeCommand({ trigger: onPull, threadRun: null, pullRequestRun: null }).kind).toBe(
      'new-run-on-pull-request',
    );
    const neverStarted = run({ remoteRunId: null, status: 'failed' });
    expect(routeCommand({ trigger: onPull, threadRun: null, pullRequestRun: neverStarted }).kind).toBe(
      'new-run-on-pull-request',
    );
  });

  it('sends a follow-up to the completed run that opened the pull request', () => {
    const opener = run({ id: 'opener', threadKey: 'acme/app#1', status: 'completed' });
    expect(routeCommand({ trigger: onPull, threadRun: null, pullRequestRun: opener })).toEqual({
      kind: 'follow-up',
      run: opener,
    });
  });

  describe("a replayed comment on the agent's pull request sends no follow-up (even with its job record pruned)", () => {
    // The opener was started on the issue at 10:00; its latest follow-up was asked by PR comment 500 at 11:00.
    const opener = (overrides: Partial<Run> = {}) =>
      run({
        id: 'opener',
        status: 'completed',
        triggerKind: 'issue_comment',
        triggerCommentId: 100,
        options: {
          deliveryId: 'delivery-of-opener',
          triggeredAt: '2026-01-01T10:00:00Z',
          followUpTrigger: { at: '2026-01-01T11:00:00Z', commentId: 500, kind: 'issue_comment' },
        },
        ...overrides,
      });
    const onPr = (
      createdAt: string,
      commentId: number,
      source: RouteTrigger['source'] = 'issue_comment',
    ) => ({
      ...onPull,
      deliveryId: 'a-new-delivery-id',
      source,
      commentId,
      createdAt,
    });
    it.each([
      ["the latest follow-up's own comment, replayed", onPr('2026-01-01T11:00:00Z', 500), 'stale'],
      ["an earlier follow-up's comment", onPr('2026-01-01T10:30:00Z', 400), 'stale'],
      ['an older comment of the same second', onPr('2026-01-01T11:00:00Z', 499), 'stale'],
      ["the opener's own trigger", { ...onPr('2026-01-01T10:00:00Z', 100), isPullRequest: true }, 'stale'],
      ['a newer comment', onPr('2026-01-01T11:00:01Z', 501), 'follow-up'],
      ['a newer comment of the same second', onPr('2026-01-01T11:00:00Z', 501), 'follow-up'],
      [
        'a review of the same second (another id space)',
        onPr('2026-01-01T11:00:00Z', 3, 'review'),
        'follow-up',
      ],
    ] as const)('%s', (_what, trigger, kind) => {
      expect(routeCommand({ trigger, threadRun: null, pullRequestRun: opener() }).kind).toBe(kind);
      if (kind === 'stale') {
        // No busy reply to a replay while a newer follow-up runs, and no new run after a failed one.
        for (const status of ['running', 'failed'] as const) {
          expect(routeCommand({ trigger, threadRun: null, pullRequestRun: opener({ status }) }).kind).toBe(
            'stale',
          );
        }
      }
    });

    it("without a recorded follow-up, only triggers up to the opener's own are spent", () => {
      const first = opener({ options: { triggeredAt: '2026-01-01T10:00:00Z' } });
      expect(isSpentTrigger(onPr('2026-01-01T10:30:00Z', 400), first)).toBe(false);
      expect(isSpentTrigger(onPr('2026-01-01T09:00:00Z', 50), first)).toBe(true);
    });
  });

  it('answers busy while the run that opened the pull request is still active', () => {
    const opener = run({ id: 'opener', status: 'running' });
    expect(routeCommand({ trigger: onPull, threadRun: null, pullRequestRun: opener })).toEqual({
      kind: 'busy',
      active: opener,
    });
  });

  it('starts a new run on the pull request when its opener failed or was stopped', () => {
    for (const status of ['failed', 'stopped', 'timed_out'] as const) {
      const opener = run({ id: 'opener', status });
      expect(routeCommand({ trigger: onPull, threadRun: null, pullRequestRun: opener }).kind).toBe(
        'new-run-on-pull-request',
      );
    }
  });

  it("puts the thread's own active run before the pull request's opener", () => {
    const here = run({ id: 'here', status: 'queued' });
    const opener = run({ id: 'opener', status: 'completed' });
    expect(routeCommand({ trigger: onPull, threadRun: here, pullRequestRun: opener })).toEqual({
      kind: 'busy',
      active: here,
    });
  });
});

describe('isOwnRun', () => {
  it('matches by delivery, or by the same comment of the same kind', () => {
    const trigger = { deliveryId: 'd-1', commentId: 5, source: 'review_comment' as const };
    expect(isOwnRun(run({ options: { deliveryId: 'd-1' } }), trigger)).toBe(true);
    expect(isOwnRun(run({ triggerCommentId: 5, triggerKind: 'review_comment' }), trigger)).toBe(true);
    // Issue comments and review comments have separate id spaces.
    expect(isOwnRun(run({ triggerCommentId: 5, triggerKind: 'issue_comment' }), trigger)).toBe(false);
    // A label or an issue body has no comment id: only the delivery tells.
    expect(
      isOwnRun(run({ triggerCommentId: null, triggerKind: 'label' }), {
        deliveryId: 'd-2',
        commentId: null,
        source: 'label',
      }),
    ).toBe(false);
  });
});

describe('threadRunOf', () => {
  it('takes the first active candidate, else the most recently updated one, else none', () => {
    const doneOld = run({ id: 'old', status: 'completed', updatedAt: 1 });
    const doneNew = run({ id: 'new', status: 'failed', updatedAt: 5 });
    const active = run({ id: 'active', status: 'running', updatedAt: 0 });
    expect(threadRunOf([doneOld, active, doneNew])?.id).toBe('active');
    expect(threadRunOf([doneOld, doneNew])?.id).toBe('new');
    expect(threadRunOf([])).toBeNull();
  });
});

describe('busyAnswerOf', () => {
  const trigger = {
    source: 'issue_comment' as const,
    number: 1,
    commentUrl: 'https://ghe.example/acme/app/issues/1#issuecomment-77',
  };

  it("links the active run's status comment, on the trigger's host", () => {
    expect(busyAnswerOf(trigger, run())).toEqual({
      kind: 'reply',
      statusCommentUrl: 'https://ghe.example/acme/app/issues/1#issuecomment-900',
    });
  });

  it('replies without a link while the active run has no status comment yet', () => {
    expect(busyAnswerOf(trigger, run({ statusCommentId: null }))).toEqual({ kind: 'reply' });
  });

  it('ignores the label and the issue body of one new issue (one request, two deliveries)', () => {
    const byBody = run({ triggerKind: 'issue_body', triggerCommentId: null });
    expect(busyAnswerOf({ source: 'label', number: 1 }, byBody)).toEqual({ kind: 'ignore' });
    expect(busyAnswerOf({ source: 'issue_body', number: 1 }, run({ triggerKind: 'label' }))).toEqual({
      kind: 'ignore',
    });
    // A comment, or another issue, still gets the reply.
    expect(busyAnswerOf({ source: 'issue_comment', number: 1 }, byBody).kind).toBe('reply');
    expect(busyAnswerOf({ source: 'label', number: 2 }, byBody).kind).toBe('reply');
  });
});

describe('statusCommentUrl', () => {
  it('points into the review thread for a run whose status comment is a review reply', () => {
    const inReview = run({ number: 4, reviewCommentThreadId: 31, statusCommentId: 32 });
    expect(statusCommentUrl({}, inReview)).toBe('https://github.com/acme/app/pull/4#discussion_r32');
  });
});

/**
 * Where a command goes, decided from plain data (the trigger and the runs the store knows for its thread): a new run,
 * a follow-up to the completed run that opened the pull request, or a "still working" reply. Also which run a
 * thread command (stop, status, approve) is about, and when a busy reply is left out. No I/O here.
 */
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { statusCommentPlaceOf } from './status-comment.js';
import type { CommandTrigger } from './trigger.js';

export type CommandRoute =
  /**
   * The trigger is older than the one that started the thread's latest run, or no newer than the latest trigger the
   * pull request's run acted on (its start or its latest follow-up): a replay, nothing happens.
   */
  | { kind: 'stale'; latest: Run }
  /** Another run is active in this thread, or on the pull request: answer "still working". */
  | { kind: 'busy'; active: Run }
  /** On an issue: a new run on the requested base branch. */
  | { kind: 'new-run-on-issue' }
  /** On a pull request: a new run on its head branch (unless the pull request comes from a fork). */
  | { kind: 'new-run-on-pull-request' }
  /** On a pull request opened by a run that completed: a follow-up message to that run. */
  | { kind: 'follow-up'; run: Run };

export type RouteTrigger = Pick<
  CommandTrigger,
  'isPullRequest' | 'deliveryId' | 'commentId' | 'source' | 'createdAt'
>;

export interface RouteInput {
  trigger: RouteTrigger;
  /** The latest run of the trigger's own thread (`threadKeyOf`), or null. */
  threadRun: Run | null;
  /** On a pull request: the run that opened it, or null. */
  pullRequestRun: Run | null;
}

/** Where an `execute` or `plan` command goes. */
export function routeCommand({ trigger, threadRun, pullRequestRun }: RouteInput): CommandRoute {
  if (threadRun && !isOwnRun(threadRun, trigger) && isOlderTrigger(trigger, threadRun)) {
    return { kind: 'stale', latest: threadRun };
  }
  if (threadRun && !isFinalLocalRunStatus(threadRun.status) && !isOwnRun(threadRun, trigger)) {
    return { kind: 'busy', active: threadRun };
  }
  if (!trigger.isPullRequest) return { kind: 'new-run-on-issue' };
  if (pullRequestRun && pullRequestRun.remoteRunId !== null) {
    if (isSpentTrigger(trigger, pullRequestRun)) return { kind: 'stale', latest: pullRequestRun };
    if (!isFinalLocalRunStatus(pullRequestRun.status)) return { kind: 'busy', active: pullRequestRun };
    if (pullRequestRun.status === 'completed') return { kind: 'follow-up', run: pullRequestRun };
  }
  return { kind: 'new-run-on-pull-request' };
}

/**
 * Whether `trigger` happened before the trigger of `run` (its `triggeredAt`; for a run recorded without it, the
 * run's creation): a replayed old comment, label or issue body. At the same second, comments of one kind are told
 * apart by their ids (GitHub numbers them in order); a label or issue body at the same second is the same request.
 */
export function isOlderTrigger(
  trigger: Pick<CommandTrigger, 'createdAt' | 'commentId' | 'source'>,
  run: Pick<Run, 'options' | 'createdAt' | 'triggerCommentId' | 'triggerKind'>,
): boolean {
  const at = trigger.createdAt === undefined ? Number.NaN : Date.parse(trigger.createdAt);
  if (Number.isNaN(at)) return false;
  const runAt = run.options.triggeredAt === undefined ? run.createdAt : Date.parse(run.options.triggeredAt);
  if (Number.isNaN(runAt) || at > runAt) return false;
  if (at < runAt) return true;
  if (trigger.commentId !== null && run.triggerCommentId !== null && trigger.source === run.triggerKind) {
    return trigger.commentId < run.triggerCommentId;
  }
  return trigger.commentId === null;
}

/**
 * Whether `trigger` is no newer than the latest trigger `run` acted on: the one that started it, or the one of its
 * latest follow-up (`options.followUpTrigger`), that very trigger included. Such a trigger (a replay, under any
 * delivery id, even after its job record was pruned) sends no follow-up and no approval.
 */
export function isSpentTrigger(
  trigger: Pick<CommandTrigger, 'createdAt' | 'commentId' | 'source'>,
  run: Pick<Run, 'options' | 'createdAt' | 'triggerCommentId' | 'triggerKind'>,
): boolean {
  const spent = (by: Pick<Run, 'options' | 'createdAt' | 'triggerCommentId' | 'triggerKind'>) =>
    isOlderTrigger(trigger, by) ||
    (trigger.commentId !== null &&
      trigger.commentId === by.triggerCommentId &&
      trigger.source === by.triggerKind);
  if (spent(run)) return true;
  const latest = run.options.followUpTrigger;
  if (latest === undefined) return false;
  return spent({
    options: { triggeredAt: latest.at },
    createdAt: run.createdAt,
    triggerCommentId: latest.commentId,
    triggerKind: latest.kind,
  });
}

/** The run this very trigger created (a retried or redelivered job), not another one. */
export function isOwnRun(
  run: Pick<Run, 'options' | 'triggerCommentId' | 'triggerKind'>,
  trigger: Pick<CommandTrigger, 'deliveryId' | 'commentId' | 'source'>,
): boolean {
  if (run.options.deliveryId === trigger.deliveryId) return true;
  return (
    trigger.commentId !== null &&
    run.triggerCommentId === trigger.commentId &&
    run.triggerKind === trigger.source
  );
}

/**
 * The run a thread command is about, of the candidates found for the thread (its own run, the conversation's run
 * for a review thread, the run that opened the pull request): the first active one, else the most recently updated.
 */
export function threadRunOf(candidates: readonly Run[]): Run | null {
  const active = candidates.find((run) => !isFinalLocalRunStatus(run.status));
  if (active) return active;
  return [...candidates].sort((a, b) => b.updatedAt - a.updatedAt)[0] ?? null;
}

export type BusyAnswer = { kind: 'ignore' } | { kind: 'reply'; statusCommentUrl?: string };

/**
 * How to answer a request that finds `active` busy. The label and the issue body of one new issue (two deliveries of
 * one event) are one request: the second is ignored without a reply. Otherwise a reply linking the active run's
 * status comment, when it has one.
 */
export function busyAnswerOf(
  trigger: Pick<CommandTrigger, 'source' | 'number' | 'commentUrl'>,
  active: Run,
): BusyAnswer {
  const auto = (kind: Run['triggerKind']) => kind === 'label' || kind === 'issue_body';
  if (auto(trigger.source) && auto(active.triggerKind) && active.number === trigger.number) {
    return { kind: 'ignore' };
  }
  const url = statusCommentUrl(trigger, active);
  return url ? { kind: 'reply', statusCommentUrl: url } : { kind: 'reply' };
}

/** The web address of a run's status comment (same host as the trigger's own `html_url`). */
export function statusCommentUrl(trigger: Pick<CommandTrigger, 'commentUrl'>, run: Run): string | undefined {
  if (run.statusCommentId === null) return undefined;
  const repoPath = `/${run.owner}/${run.repo}/`;
  const at = trigger.commentUrl?.toLowerCase().indexOf(repoPath.toLowerCase()) ?? -1;
  const base = trigger.commentUrl && at > 0 ? trigger.commentUrl.slice(0, at) : 'https://github.com';
  const place = statusCommentPlaceOf(run);
  return place.kind === 'review_comment'
    ? `${base}/${run.owner}/${run.repo}/pull/${place.number}#discussion_r${run.statusCommentId}`
    : `${base}/${run.owner}/${run.repo}/issues/${place.number}#issuecomment-${run.statusCommentId}`;
}

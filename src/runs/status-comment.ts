/** Posting and editing a run's one status comment, and the reactions on the comment that triggered it. */

import { createHash, randomUUID } from 'node:crypto';
import { syncCheckRunQuietly } from '../autofix/check-run.js';
import type {
  GitHubApi,
  IssueCommentInfo,
  ReactionContent,
  ReactionTarget,
  RepoRef,
} from '../github/github-api.js';
import { readMarkers } from '../render/markers.js';
import { DEFAULT_MAX_CONCURRENT_RUNS } from '../run-defaults.js';
import type { StatusCommentPlace } from '../store/run-options.js';
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { statusCommentBody, type WaitingFor } from './comment-bodies.js';
import { PROGRESS_EDIT_INTERVAL_MS, type RunDeps } from './run-deps.js';

export const refOf = (run: Pick<Run, 'owner' | 'repo'>): RepoRef => ({ owner: run.owner, repo: run.repo });

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

/** Where the trigger of a run can carry a reaction (a review body cannot: GitHub has no reactions on reviews). */
export function triggerTarget(
  run: Pick<Run, 'triggerKind' | 'triggerCommentId' | 'number'> & { options?: Run['options'] },
): ReactionTarget | null {
  // A follow-up reacts on the comment that asked for it.
  const reactOn = run.options?.reactOn;
  if (reactOn) return reactOn;
  switch (run.triggerKind) {
    case 'issue_comment':
      return run.triggerCommentId === null ? null : { kind: 'issue_comment', id: run.triggerCommentId };
    case 'review_comment':
      return run.triggerCommentId === null ? null : { kind: 'review_comment', id: run.triggerCommentId };
    case 'issue_body':
    case 'label':
      return { kind: 'issue', number: run.number };
    case 'review':
      return null;
  }
}

/** A reaction that must not fail the work around it (the comment may have been deleted meanwhile). */
export async function reactQuietly(
  deps: RunDeps,
  gh: GitHubApi,
  ref: RepoRef,
  target: ReactionTarget | null,
  content: ReactionContent,
): Promise<void> {
  if (!target) return;
  try {
    await gh.react(ref, target, content);
  } catch (error) {
    deps.log.warn(`reaction ${content} on ${ref.owner}/${ref.repo} failed: ${String(error)}`);
  }
}

/**
 * Where a run's status comment lives. A follow-up's comment goes where the follow-up was asked (the pull request's
 * conversation, or the review thread it came from), recorded in `options.statusCommentPlace`; otherwise the run's
 * own thread. The edit endpoint follows the kind (issue comment vs review comment: separate id spaces).
 */
export type { StatusCommentPlace };

export function statusCommentPlaceOf(
  run: Pick<Run, 'options' | 'number' | 'reviewCommentThreadId'>,
): StatusCommentPlace {
  const place = run.options.statusCommentPlace;
  if (place) return place;
  return run.reviewCommentThreadId !== null
    ? { kind: 'review_comment', number: run.number, threadId: run.reviewCommentThreadId }
    : { kind: 'issue_comment', number: run.number };
}

/** Posts a new comment where the run's status comment belongs (a reply in a review thread, if so); returns its id. */
export async function postInThread(gh: GitHubApi, run: Run, body: string): Promise<number> {
  const place = statusCommentPlaceOf(run);
  if (place.kind === 'review_comment') {
    return gh.replyToReviewComment(refOf(run), place.number, place.threadId, body);
  }
  return gh.createComment(refOf(run), place.number, body);
}

async function editComment(gh: GitHubApi, run: Run, commentId: number, body: string): Promise<void> {
  if (statusCommentPlaceOf(run).kind === 'review_comment') {
    await gh.updateReviewComment(refOf(run), commentId, body);
  } else await gh.updateComment(refOf(run), commentId, body);
}

/** The status comment as the run stands now, with its place in line when it waits for a slot. */
async function currentBody(deps: RunDeps, run: Run): Promise<string> {
  return statusCommentBody(run, {
    now: deps.now(),
    knownSecrets: deps.knownSecrets,
    waitingFor: await waitingFor(deps, run),
  });
}

/** GitHub's clock may differ from ours by this much. */
const CLOCK_SKEW_MS = 60_000;
/** Comments read when looking for a status comment already posted (newest pages of the thread). */
const LOOK_BACK_COMMENTS = 300;

/**
 * The status comment of this run already on GitHub, if any: the newest comment by the app in the run's thread that
 * carries the run's marker (its local id until it has the backend's id). A job that died after GitHub created the
 * comment but before its id was recorded finds it here instead of posting a second one.
 */
export async function findPostedStatusComment(
  deps: RunDeps,
  gh: GitHubApi,
  run: Run,
): Promise<number | undefined> {
  const place = statusCommentPlaceOf(run);
  const comments: IssueCommentInfo[] =
    place.kind === 'review_comment'
      ? await gh.listReviewComments(refOf(run), place.number, LOOK_BACK_COMMENTS)
      : await gh.listComments(refOf(run), place.number, LOOK_BACK_COMMENTS);
  const bot = deps.botLogin.toLowerCase();
  for (const comment of [...comments].reverse()) {
    if (comment.author.toLowerCase() !== bot) continue;
    const markers = readMarkers(comment.body);
    if (markers.pendingId === run.id) return comment.id;
    // Posted once the run had the backend's id: a follow-up's comment carries the same id as the run's earlier
    // comments, so for a follow-up only one posted since it was asked for (its `startedAt`) is its own.
    if (run.remoteRunId === null || markers.runId !== run.remoteRunId) continue;
    const postedAt = Date.parse(comment.createdAt);
    const followUp = run.options.statusCommentPlace !== undefined;
    if (!followUp || (run.startedAt !== null && postedAt >= run.startedAt - CLOCK_SKEW_MS)) {
      return comment.id;
    }
  }
  return undefined;
}

/**
 * Posts the status comment of a run that has none yet, and records its id. With `lookFirst` (a retried job, a run
 * whose comment may have been posted by a process that died) the comment already on GitHub is adopted and edited
 * instead: a run never has two status comments.
 */
export async function postStatusComment(
  deps: RunDeps,
  gh: GitHubApi,
  run: Run,
  options: { lookFirst?: boolean } = {},
): Promise<Run> {
  if (options.lookFirst) {
    const posted = await findPostedStatusComment(deps, gh, run);
    if (posted !== undefined) {
      deps.log.info(`run ${run.id}: adopting its status comment ${posted}, posted before a crash`);
      const adopted = await deps.store.updateRun(run.id, { statusCommentId: posted });
      await updateStatusComment(deps, gh, { ...adopted, lastCommentBodyHash: null }, { throttled: false });
      return (await deps.store.getRun(run.id)) ?? adopted;
    }
  }
  const body = await currentBody(deps, run);
  const id = await postInThread(gh, run, body);
  const updated = await deps.store.updateRun(run.id, { statusCommentId: id });
  await deps.store.recordCommentEdit(run.id, bodyHash(body));
  if (!isFinalLocalRunStatus(updated.status)) await syncCheckRunQuietly(deps, updated);
  return updated;
}

/**
 * Edits the status comment to show the run as it is now. `throttled` edits (progress) happen at most once per 10 s
 * per run and are skipped when nothing changed; state changes and the final state always go through.
 *
 * One edit of a run's comment at a time, across replicas (a lock in the store), and a non-final body is written
 * only when the run, read under the lock, is still not final: the final edit then always comes after it, so no edit
 * ever replaces a final comment with a non-final one (e.g. "Running", read back just before the completion).
 */
export async function updateStatusComment(
  deps: RunDeps,
  gh: GitHubApi,
  run: Run,
  options: { throttled: boolean },
): Promise<boolean> {
  if (run.statusCommentId === null) return false;
  const edited = await withEditLock(deps, run.id, options.throttled, async () => {
    if (!isFinalLocalRunStatus(run.status)) {
      const now = await deps.store.getRun(run.id);
      if (!now || isFinalLocalRunStatus(now.status)) return false;
    }
    return editOnce(deps, gh, run, options);
  });
  // The check run follows the comment's edits while the run is active (its final state comes with the final edit).
  if (edited && !isFinalLocalRunStatus(run.status)) await syncCheckRunQuietly(deps, run);
  return edited ?? false;
}

/** How long one edit may hold a run's edit lock (a caller that died frees it then). */
const EDIT_LOCK_MS = 10_000;
/** How long a state change or final edit waits for another edit of the same comment to finish. */
const EDIT_LOCK_WAIT_MS = 12_000;
/** How long a throttled (progress) edit waits before it is skipped (the next one shows the latest state). */
const THROTTLED_EDIT_LOCK_WAIT_MS = 3_000;

/**
 * Runs `work` holding the run's status-comment edit lock (renewed until `work` ends). A throttled edit that cannot
 * get it in time is skipped (undefined); any other throws, so its job or the final-comment retry tries again later.
 */
async function withEditLock<T>(
  deps: RunDeps,
  runId: string,
  throttled: boolean,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const waitMs = throttled ? THROTTLED_EDIT_LOCK_WAIT_MS : EDIT_LOCK_WAIT_MS;
  const name = `status-comment-edit:${runId}`;
  // Unique per call: two edits in one process exclude each other too.
  const holder = `${deps.holder}:${randomUUID()}`;
  const giveUpAt = Date.now() + waitMs;
  while (!(await deps.store.tryAcquireLease(name, holder, EDIT_LOCK_MS))) {
    if (Date.now() >= giveUpAt) {
      if (throttled) return undefined;
      throw new Error(`the status comment of run ${runId} is being edited by another caller`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Renewed while the edit runs: an edit can wait longer than the lease in the installation's write queue (a second
  // between writes, a Retry-After on top), and a lease that lapsed then would let the final edit go first and this
  // older body land after it.
  const renewal = setInterval(() => {
    void deps.store.tryAcquireLease(name, holder, EDIT_LOCK_MS).catch(() => undefined);
  }, EDIT_LOCK_MS / 3);
  renewal.unref?.();
  try {
    return await work();
  } finally {
    clearInterval(renewal);
    await deps.store.releaseLease(name, holder).catch(() => undefined);
  }
}

async function editOnce(
  deps: RunDeps,
  gh: GitHubApi,
  run: Run,
  options: { throttled: boolean },
): Promise<boolean> {
  if (run.statusCommentId === null) return false;
  const body = await currentBody(deps, run);
  const hash = bodyHash(body);
  if (options.throttled) {
    if (!(await deps.store.tryReserveCommentEdit(run.id, hash, PROGRESS_EDIT_INTERVAL_MS))) return false;
  } else if (run.lastCommentBodyHash === hash) {
    return false;
  }
  await editComment(gh, run, run.statusCommentId, body);
  if (!options.throttled) await deps.store.recordCommentEdit(run.id, hash);
  return true;
}

/**
 * What a waiting run waits for: its place in line and whether codecloud's plan limit holds the installation's runs;
 * undefined when it is first in line, a slot is free and nothing holds it (it starts right away: shown as queued).
 */
async function waitingFor(deps: RunDeps, run: Run): Promise<WaitingFor | undefined> {
  if (run.status !== 'waiting') return undefined;
  const planLimit = (await deps.store.installationNotBefore(run.installationId)) !== null;
  const line = await deps.store.oldestWaitingRuns(run.installationId, 100);
  const index = Math.max(
    0,
    line.findIndex((waiting) => waiting.id === run.id),
  );
  if (planLimit) return { ahead: index, planLimit: true };
  if (index > 0) return { ahead: index };
  const max = run.options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;
  return (await deps.store.countSlotHoldingRuns(run.installationId)) >= max ? { ahead: 0 } : undefined;
}

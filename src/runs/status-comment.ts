/** Posting and editing a run's one status comment, and the reactions on the comment that triggered it. */
import { createHash } from 'node:crypto';
import type { CommentTarget, GitHubApi, ReactionContent, RepoRef } from '../github/github-api.js';
import type { Run } from '../store/store.js';
import { statusCommentBody } from './comment-bodies.js';
import { PROGRESS_EDIT_INTERVAL_MS, type RunDeps } from './run-deps.js';

export const refOf = (run: Pick<Run, 'owner' | 'repo'>): RepoRef => ({ owner: run.owner, repo: run.repo });

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

/** Where the trigger of a run can carry a reaction (a review body cannot: GitHub has no reactions on reviews). */
export function triggerTarget(
  run: Pick<Run, 'triggerKind' | 'triggerCommentId' | 'number'> & { options?: Run['options'] },
): CommentTarget | null {
  // A follow-up reacts on the comment that asked for it.
  const reactOn = run.options?.reactOn;
  if (reactOn && typeof reactOn === 'object' && !Array.isArray(reactOn)) {
    if (reactOn.kind === 'issue' && typeof reactOn.number === 'number')
      return { kind: 'issue', number: reactOn.number };
    if (
      (reactOn.kind === 'issue_comment' || reactOn.kind === 'review_comment') &&
      typeof reactOn.id === 'number'
    ) {
      return { kind: reactOn.kind, id: reactOn.id };
    }
  }
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
  target: CommentTarget | null,
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
export type StatusCommentPlace =
  | { kind: 'issue_comment'; number: number }
  | { kind: 'review_comment'; number: number; threadId: number };

export function statusCommentPlaceOf(
  run: Pick<Run, 'options' | 'number' | 'reviewCommentThreadId'>,
): StatusCommentPlace {
  const place = run.options.statusCommentPlace;
  if (place && typeof place === 'object' && !Array.isArray(place) && typeof place.number === 'number') {
    if (place.kind === 'review_comment' && typeof place.threadId === 'number') {
      return { kind: 'review_comment', number: place.number, threadId: place.threadId };
    }
    if (place.kind === 'issue_comment') return { kind: 'issue_comment', number: place.number };
  }
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
    waitingAhead: await waitingAheadOf(deps, run),
  });
}

/** Posts the status comment of a run that has none yet, and records its id. */
export async function postStatusComment(deps: RunDeps, gh: GitHubApi, run: Run): Promise<Run> {
  const body = await currentBody(deps, run);
  const id = await postInThread(gh, run, body);
  const updated = await deps.store.updateRun(run.id, { statusCommentId: id });
  await deps.store.recordCommentEdit(run.id, bodyHash(body));
  return updated;
}

/**
 * Edits the status comment to show the run as it is now. `throttled` edits (progress) happen at most once per 10 s
 * per run and are skipped when nothing changed; state changes and the final state always go through.
 */
export async function updateStatusComment(
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
 * How many runs of the installation wait for a slot ahead of this one, for a waiting run that has to wait; undefined
 * when it is first in line and a slot is free (it starts right away: shown as queued).
 */
async function waitingAheadOf(deps: RunDeps, run: Run): Promise<number | undefined> {
  if (run.status !== 'waiting') return undefined;
  const line = await deps.store.oldestWaitingRuns(run.installationId, 100);
  const index = line.findIndex((waiting) => waiting.id === run.id);
  if (index < 0) return undefined;
  if (index > 0) return index;
  const max = typeof run.options.maxConcurrentRuns === 'number' ? run.options.maxConcurrentRuns : 5;
  return (await deps.store.countSlotHoldingRuns(run.installationId)) >= max ? 0 : undefined;
}

/**
 * A final run's one final edit of its status comment and its 🚀 or 😕 on the trigger, claimed by one caller at a
 * time and retried with back-off when it fails.
 */
import { syncCheckRun } from '../autofix/check-run.js';
import { type GitHubApi, statusOf } from '../github/github-api.js';
import type { Run } from '../store/store.js';
import type { RunDeps } from './run-deps.js';
import { postStatusComment, refOf, triggerTarget, updateStatusComment } from './status-comment.js';

/** How long one caller holds the final comment edit before another may take over (it crashed). */
const FINAL_COMMENT_LEASE_MS = 60_000;
const FINAL_COMMENT_RETRY_BASE_MS = 5_000;
const FINAL_COMMENT_RETRY_MAX_MS = 30 * 60_000;

/** Back-off for the `attempts`-th failed final edit: 5 s, 10 s, 20 s, … up to 30 min, with ±20 % jitter. */
export function finalCommentRetryAt(
  now: number,
  attempts: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    FINAL_COMMENT_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1),
    FINAL_COMMENT_RETRY_MAX_MS,
  );
  return now + Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The one final edit of a final run's status comment (a new comment if the run never got one), then 🚀 or 😕 on
 * the trigger (a user's stop gets neither: it is neither a success nor a failure). Both are one durable step: it is
 * confirmed only once the reaction is on GitHub too, so a refused or cut-off reaction is tried again with the edit
 * (an unchanged body is not sent twice; GitHub answers a reaction that exists with 200). Whoever claims it does it; a
 * failure is deferred with back-off for the reconciler, and rethrown.
 */
export async function postFinalComment(deps: RunDeps, run: Run): Promise<void> {
  if (!(await deps.store.claimFinalComment(run.id, FINAL_COMMENT_LEASE_MS))) return;
  const current = (await deps.store.getRun(run.id)) ?? run;
  try {
    const gh = await deps.github(run.installationId);
    // A run without a recorded comment may have one all the same (its job died right after posting it).
    if (current.statusCommentId === null) await postStatusComment(deps, gh, current, { lookFirst: true });
    else await updateStatusComment(deps, gh, current, { throttled: false });
    if (current.status !== 'stopped') await reactOnFinalState(gh, current);
    // Never left in progress: a failed check run update is retried with the final edit.
    await syncCheckRun(deps, (await deps.store.getRun(run.id)) ?? current);
    await deps.store.confirmFinalComment(run.id);
  } catch (error) {
    await deps.store.deferFinalComment(run.id, (attempts) => finalCommentRetryAt(deps.now(), attempts));
    throw error;
  }
}

/** 🚀 or 😕 on the trigger; a trigger that is gone (deleted comment: 404/410, or refused as invalid: 422) is skipped. */
async function reactOnFinalState(gh: GitHubApi, run: Run): Promise<void> {
  const target = triggerTarget(run);
  if (!target) return;
  try {
    await gh.react(refOf(run), target, run.status === 'completed' ? 'rocket' : 'confused');
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 410 || status === 422) return;
    throw error;
  }
}

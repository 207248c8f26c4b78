/**
 * Autofix's webhook fast path: one job per agent-PR candidate of a completed check suite, and one per push by a
 * person, keyed by the delivery (a redelivery is dropped). Whether anything is sent is decided in the worker.
 */
import { enqueue } from '../runs/jobs.js';
import type { Store } from '../store/store.js';
import {
  type BranchPushTrigger,
  type CheckSuiteTrigger,
  JOB_AUTOFIX_CI,
  JOB_AUTOFIX_PUSH,
  JOB_AUTOFIX_REVIEW,
  JOB_STOP_BUTTON,
  type ReviewJob,
  type StopButtonJob,
} from './triggers.js';

interface IntakeDeps {
  store: Store;
  /** `<slug>[bot]`: the app's own check suite and pushes never count. */
  botLogin: string;
  wake(): void;
}

export const appSlugOf = (botLogin: string): string => botLogin.replace(/\[bot\]$/i, '').toLowerCase();

export async function recordCheckSuite(deps: IntakeDeps, trigger: CheckSuiteTrigger): Promise<number> {
  if (trigger.appSlug !== null && trigger.appSlug.toLowerCase() === appSlugOf(deps.botLogin)) return 0;
  let recorded = 0;
  for (const number of new Set(trigger.pullNumbers)) {
    const fresh = await enqueue(deps.store, JOB_AUTOFIX_CI, {
      dedupeKey: `github:${trigger.deliveryId}:${number}`,
      payload: {
        installationId: trigger.installationId,
        owner: trigger.owner,
        repo: trigger.repo,
        number,
        headSha: trigger.headSha,
        waits: 0,
      },
    });
    if (fresh) recorded += 1;
  }
  if (recorded > 0) deps.wake();
  return recorded;
}

/** A push by a person (not a bot, not this app): recorded so that autofix pauses on that branch's pull request. */
export async function recordBranchPush(deps: IntakeDeps, push: BranchPushTrigger): Promise<boolean> {
  if (push.sender.type === 'Bot' || push.sender.login.toLowerCase() === deps.botLogin.toLowerCase())
    return false;
  const fresh = await enqueue(deps.store, JOB_AUTOFIX_PUSH, {
    dedupeKey: `github:${push.deliveryId}:autofix`,
    payload: push,
  });
  if (fresh) deps.wake();
  return fresh;
}

/** A review that requested changes: one job per review (a redelivery, or an edit, is dropped). */
export async function recordChangesRequested(deps: IntakeDeps, review: ReviewJob): Promise<boolean> {
  if (review.reviewer.login.toLowerCase() === deps.botLogin.toLowerCase()) return false;
  const fresh = await enqueue(deps.store, JOB_AUTOFIX_REVIEW, {
    dedupeKey: `autofix-review:${review.owner}/${review.repo}:${review.reviewId}`,
    payload: review,
  });
  if (fresh) deps.wake();
  return fresh;
}

/** A click on the Stop button of a `codecloud` check run: one job per delivery. */
export async function recordStopButton(deps: IntakeDeps, click: StopButtonJob): Promise<boolean> {
  const fresh = await enqueue(deps.store, JOB_STOP_BUTTON, {
    dedupeKey: `github:${click.deliveryId}`,
    payload: click,
  });
  if (fresh) deps.wake();
  return fresh;
}

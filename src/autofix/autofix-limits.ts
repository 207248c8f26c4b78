/**
 * The limits at an autofix attempt: each attempt is counted (`chargeAttempt`) right before it is sent, keyed by the
 * attempt (its follow-up's idempotency key), so a retried job counts it once. It is counted for the person who asked
 * for the run (`run.requestedBy`): autofix acts on their behalf, and nobody else asked. Over a limit, one comment on
 * the pull request per limit and period names the limit, the usage and the reset time, and nothing is sent.
 */
import { chargeAttempt, type LimitRefusal } from '../limits/charge.js';
import { renderAutofixRefusalComment } from '../limits/limit-replies.js';
import type { Limits } from '../limits/limits.js';
import type { RunDeps } from '../runs/run-deps.js';
import type { Run } from '../store/store.js';
import { pullKeyOf } from './triggers.js';

/** The attempt's charge key: one per pull request and follow-up (head commit or review). */
export const autofixChargeKey = (run: Run, pullNumber: number, idempotencyKey: string): string =>
  `autofix:${pullKeyOf(run.owner, run.repo, pullNumber)}:${idempotencyKey}`;

/**
 * Counts the attempt; refused: one comment on the pull request (once per limit and period, whatever the retries and
 * replicas) and null, and nothing may be sent. Counted: the charge key, to record on the run.
 */
export async function chargeAutofix(
  deps: RunDeps,
  run: Run,
  attempt: { number: number; idempotencyKey: string; limits: Limits; trigger: string },
): Promise<string | null> {
  const outcome = await chargeAttempt(
    deps.store,
    attempt.limits,
    {
      chargeKey: autofixChargeKey(run, attempt.number, attempt.idempotencyKey),
      installationId: run.installationId,
      owner: run.owner,
      repo: run.repo,
      login: run.requestedBy,
    },
    deps.now(),
  );
  if (outcome.kind === 'counted') return outcome.chargeKey;
  const { refusal } = outcome;
  const pullKey = pullKeyOf(run.owner, run.repo, attempt.number);
  deps.log.info(`autofix of ${pullKey}: refused by ${refusal.limit} (${refusal.used} of ${refusal.max})`);
  if (await deps.store.markOnce(refusalMarkOf(pullKey, refusal))) {
    const gh = await deps.github(run.installationId);
    await gh.createComment(
      { owner: run.owner, repo: run.repo },
      attempt.number,
      renderAutofixRefusalComment(run.requestedBy, refusal, attempt.trigger),
    );
  }
  return null;
}

/** One comment per pull request, limit and period (the period is named by when it resets). */
const refusalMarkOf = (pullKey: string, refusal: LimitRefusal): string =>
  `autofix-usage-limit:${pullKey}:${refusal.limit}:${new Date(refusal.resetsAt).toISOString()}`;

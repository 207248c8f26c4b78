/**
 * The default `idempotency-key` of a follow-up: the same when the workflow re-runs the same step (so a re-run sends
 * the message once, even if the prompt changed, e.g. test output from an earlier step), different for another step,
 * job or workflow run. Built from `GITHUB_RUN_ID`, `GITHUB_JOB`, the step (`GITHUB_ACTION`) and the codecloud run it
 * follows up, never `GITHUB_RUN_ATTEMPT` nor the prompt. Matrix legs that follow up different runs get different
 * keys; legs that follow up the same run from one step must set `idempotency-key` themselves.
 */
import type { Env } from './default-branch.js';

export type IdempotencyKeyResult = { derived: true; key: string } | { derived: false; reason: string };

export function deriveIdempotencyKey(env: Env, target: { runId: string }): IdempotencyKeyResult {
  const runId = env.GITHUB_RUN_ID;
  const job = env.GITHUB_JOB;
  const step = env.GITHUB_ACTION;
  if (!runId || !job || !step) {
    return { derived: false, reason: 'GITHUB_RUN_ID, GITHUB_JOB or GITHUB_ACTION is not set' };
  }
  const key = `gha-${clean(runId)}-${clean(job)}-${clean(step)}-${clean(target.runId)}`;
  return { derived: true, key: key.slice(0, 255) };
}

const clean = (part: string): string => part.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);

/**
 * The default `idempotency-key` of a follow-up: the same when the workflow re-runs the same step (so a re-run sends
 * the message once), different for another step, job or workflow run. Built from `GITHUB_RUN_ID`, `GITHUB_JOB` and
 * the step (`GITHUB_ACTION`), never `GITHUB_RUN_ATTEMPT`; the run id and prompt are hashed in, so matrix legs of one
 * job (same `GITHUB_JOB`) that send different follow-ups do not share a key.
 */
import { createHash } from 'node:crypto';

export type IdempotencyKeyResult = { derived: true; key: string } | { derived: false; reason: string };

export function deriveIdempotencyKey(
  env: Readonly<Record<string, string | undefined>>,
  target: { runId: string; prompt: string },
): IdempotencyKeyResult {
  const runId = env.GITHUB_RUN_ID;
  const job = env.GITHUB_JOB;
  const step = env.GITHUB_ACTION;
  if (!runId || !job || !step) {
    return { derived: false, reason: 'GITHUB_RUN_ID, GITHUB_JOB or GITHUB_ACTION is not set' };
  }
  const digest = createHash('sha256')
    .update(`${env.GITHUB_REPOSITORY ?? ''}\n${target.runId}\n${target.prompt}`)
    .digest('hex')
    .slice(0, 16);
  const key = `gha-${runId}-${clean(job)}-${clean(step)}-${digest}`;
  return { derived: true, key: key.slice(0, 200) };
}

const clean = (part: string): string => part.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);

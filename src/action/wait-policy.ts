/**
 * How long to wait between polls of a run, and before retrying a create that hit the plan's concurrent-run limit.
 * Pure: randomness is passed in. Polls start a few seconds apart and grow to 30 s (a 10-minute run costs about 25
 * polls); a `Retry-After` from the API is always honoured (never polled sooner). `scale` shrinks the computed delays
 * for tests only (`CODECLOUD_ACTION_POLL_SCALE`); it never shortens a `Retry-After`.
 */

export interface WaitPolicy {
  /** First poll delay (ms). */
  initialMs: number;
  /** Largest poll delay (ms). */
  maxMs: number;
  /** Growth per poll. */
  factor: number;
  /** ± this fraction of jitter, so parallel waiters do not poll in lock-step. */
  jitter: number;
  /** Multiplies the computed delays (tests only; 1 in production). */
  scale: number;
}

export const DEFAULT_POLL_POLICY: WaitPolicy = {
  initialMs: 3_000,
  maxMs: 30_000,
  factor: 1.5,
  jitter: 0.1,
  scale: 1,
};

/** Retrying a create after "limit reached": 15 s growing to 2 min, unless one of our own runs frees a slot first. */
export const DEFAULT_LIMIT_POLICY: WaitPolicy = {
  initialMs: 15_000,
  maxMs: 120_000,
  factor: 1.5,
  jitter: 0.2,
  scale: 1,
};

/** The delay before poll number `attempt + 1` (`attempt` counts from 0). */
export function backoffDelay(
  attempt: number,
  policy: WaitPolicy,
  retryAfterMs: number | undefined = undefined,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  const scaled = Math.round(jittered * policy.scale);
  return retryAfterMs === undefined ? scaled : Math.max(scaled, retryAfterMs);
}

/** `policy` with its delays multiplied by `scale` (a positive finite number, else unchanged). */
export function scaled(policy: WaitPolicy, scale: number): WaitPolicy {
  return Number.isFinite(scale) && scale > 0 ? { ...policy, scale } : policy;
}

/** `CODECLOUD_ACTION_POLL_SCALE`: internal, for tests; anything but a positive number means 1. */
export function pollScaleFromEnv(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : 1;
}

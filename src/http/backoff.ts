/** Exponential back-off with full jitter, and `Retry-After` parsing. Pure: the random source and clock are passed in. */

export interface BackoffPolicy {
  /** First delay ceiling in ms. */
  baseMs: number;
  /** Largest delay ceiling in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Full jitter: a uniform delay in [0, min(max, base * 2^attempt)). `attempt` starts at 0. */
export function fullJitterDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Anything else number-like ("-5", "+3") is not a valid Retry-After; Date.parse would read it as a year.
  if (/^[+-]?[\d.]+$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The delay before retry number `attempt`: the server's `Retry-After` when it gave one, else full jitter. */
export function retryDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return fullJitterDelay(attempt, policy, random);
}

/** How many times, and how long at most, a client waits to try a call again. */
export interface RetryBudget {
  /** Tries after the first. */
  retries: number;
  backoff: BackoffPolicy;
  /** A `Retry-After` longer than this is not waited for. */
  maxRetryAfterMs: number;
  random: () => number;
}

/** A server's `Retry-After` longer than this is not waited for, unless a client says otherwise. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/**
 * The delay before retry number `attempt + 1` after failed try number `attempt` (0-based), or undefined when the
 * budget says to give up: no tries left, or the server asked to wait longer than `maxRetryAfterMs`.
 */
export function nextRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  budget: RetryBudget,
): number | undefined {
  if (attempt >= budget.retries) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs > budget.maxRetryAfterMs) return undefined;
  return retryDelay(attempt, budget.backoff, retryAfterMs, budget.random);
}

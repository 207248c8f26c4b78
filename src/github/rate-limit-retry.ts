/**
 * GitHub's rate limits, honoured on every request (reads and writes alike: POST, PATCH, DELETE): a 429, or a 403
 * that is a rate limit, is tried again after at least what GitHub asked for. `Retry-After` first (seconds or an HTTP
 * date); else the primary limit's `x-ratelimit-reset`; else a minute, as GitHub's documentation says for secondary
 * limits. Other errors (a 403 for missing access, a 422) are not retried here.
 */
import { parseRetryAfter } from '../http/backoff.js';

/**
 * One client's pause: once GitHub asked it to wait, none of its requests goes out before that time, not only the
 * refused one (other edits queued meanwhile would otherwise go out while GitHub still asks for quiet).
 */
export class RateLimitGate {
  #openAt = 0;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onWait: ((ms: number) => void) | undefined;

  constructor(
    options: {
      now?: () => number;
      sleep?: ((ms: number) => Promise<void>) | undefined;
      /** Told how long a request waited for the pause to end (for `GET /metrics`). */
      onWait?: (ms: number) => void;
    } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.#onWait = options.onWait;
  }

  /** No request before `delayMs` from now (a later time already set stays). */
  closeFor(delayMs: number): void {
    this.#openAt = Math.max(this.#openAt, this.#now() + delayMs);
  }

  /** Resolves once the pause (if any) is over. */
  async passed(): Promise<void> {
    const from = this.#now();
    if (this.#openAt <= from) return;
    for (let wait = this.#openAt - this.#now(); wait > 0; wait = this.#openAt - this.#now()) {
      await this.#sleep(wait);
    }
    this.#onWait?.(this.#now() - from);
  }
}

/** A retry not made because a newer request replaced the refused one (a later edit of the same comment). */
export class SupersededError extends Error {
  override readonly name = 'SupersededError';
}

export interface GitHubRetryOptions {
  /**
   * Asked before each retry: true when a newer request has replaced this one (a later edit of the same comment was
   * sent meanwhile), so trying again would put older content over newer. Then `SupersededError` is thrown.
   */
  superseded?: () => boolean;
  /** Shared by all requests of one client: every one of them waits out a pause GitHub asked for. */
  gate?: RateLimitGate;
  /** Tries after the first (default 3). */
  maxRetries?: number;
  /** A wait longer than this is not made: the error is thrown instead (default 2 minutes). */
  maxWaitMs?: number;
  /** For a gate made here when none is given. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Told before each wait (for a log line). */
  onRetry?: (info: { status: number; delayMs: number; attempt: number; reason: string }) => void;
}

/** Without any hint from GitHub, a rate-limited request waits this long (GitHub: "at least one minute"). */
const FALLBACK_WAIT_MS = 60_000;
/** Even `Retry-After: 0` waits this long, so three retries never hammer GitHub back to back. */
const MIN_WAIT_MS = 1_000;

interface ErrorShape {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown> };
}

const headerOf = (headers: Record<string, unknown> | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
};

/**
 * How long to wait before trying `error`'s request again, with the reason, or undefined when it is not a rate
 * limit (then it is not retried here).
 */
export function gitHubRetryDelay(
  error: unknown,
  now: number,
): { delayMs: number; reason: string } | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { status, message, response } = error as ErrorShape;
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers;
  const retryAfter = parseRetryAfter(headerOf(headers, 'retry-after'), now);
  if (retryAfter !== undefined) {
    return {
      delayMs: Math.max(MIN_WAIT_MS, retryAfter),
      reason: `Retry-After: ${headerOf(headers, 'retry-after')}`,
    };
  }
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  if (headerOf(headers, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    // One second past the reset, as GitHub advises.
    return {
      delayMs: Math.max(MIN_WAIT_MS, reset * 1000 - now + 1000),
      reason: 'the rate limit resets then',
    };
  }
  if (status === 429 || (typeof message === 'string' && /secondary rate limit/i.test(message))) {
    return { delayMs: FALLBACK_WAIT_MS, reason: 'a secondary rate limit without Retry-After' };
  }
  return undefined;
}

/**
 * Sends with `send` (after any pause the gate holds) and, while GitHub answers with a rate limit, closes the gate
 * for as long as GitHub asked and sends again once it opens.
 */
export async function withGitHubRetries<T>(
  send: () => Promise<T>,
  options: GitHubRetryOptions = {},
): Promise<T> {
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const now = options.now ?? Date.now;
  const gate = options.gate ?? new RateLimitGate({ now, sleep: options.sleep });
  for (let attempt = 0; ; attempt++) {
    await gate.passed();
    if (attempt > 0 && options.superseded?.()) throw new SupersededError('a newer request replaced this one');
    try {
      return await send();
    } catch (error) {
      const wait = gitHubRetryDelay(error, now());
      if (wait === undefined) throw error;
      // Even a request that is not tried again leaves the pause in place for the client's other requests.
      gate.closeFor(Math.min(wait.delayMs, maxWaitMs));
      if (attempt >= maxRetries || wait.delayMs > maxWaitMs) throw error;
      options.onRetry?.({
        status: (error as { status: number }).status,
        delayMs: wait.delayMs,
        attempt: attempt + 1,
        reason: wait.reason,
      });
    }
  }
}

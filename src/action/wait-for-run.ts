/**
 * Waits for a codecloud run to reach a final state by polling `GET /api/v1/agents/run/{id}` with back-off, honouring
 * `Retry-After`, logging each status change with its time, until the deadline or cancellation.
 */
import { CodecloudError } from '../codecloud/errors.js';
import { isFinalRunStatus, type RunDetail, type RunStatus } from '../codecloud/schemas.js';
import type { Clock } from './clock.js';
import { backoffDelay, type WaitPolicy } from './wait-policy.js';

/** Consecutive answers with an unexpected body before waiting gives up. */
const MAX_BAD_BODIES = 3;

export interface RunReader {
  getRun(id: string): Promise<RunDetail>;
}

export type WaitOutcome =
  | { kind: 'final'; run: RunDetail; polls: number }
  | { kind: 'timed-out'; run: RunDetail | undefined; polls: number }
  | { kind: 'aborted'; run: RunDetail | undefined; polls: number }
  /** `stopWhen` said so (the run passed `max-tokens`): the caller stops it. */
  | { kind: 'over-tokens'; run: RunDetail; polls: number }
  /** The API refused to tell (401, 404…): waiting cannot go on. */
  | { kind: 'error'; error: Error; run: RunDetail | undefined; polls: number };

export interface WaitForRunOptions {
  client: RunReader;
  runId: string;
  /** The status the run is known to have (from the create or follow-up answer). */
  knownStatus: RunStatus;
  /** Clock time (ms) at which waiting stops. */
  deadline: number;
  clock: Clock;
  policy: WaitPolicy;
  signal: AbortSignal;
  random?: (() => number) | undefined;
  /** One line per status change, and warnings about polls that failed. */
  log: (line: string, level?: 'info' | 'warning') => void;
  /** Every run read (for the status comment). */
  onRun?: (run: RunDetail) => void;
  /** A run still going for which this is true ends the wait with `over-tokens`. */
  overTokens?: ((run: RunDetail) => boolean) | undefined;
}

export async function waitForRun(options: WaitForRunOptions): Promise<WaitOutcome> {
  const { client, runId, clock, signal, policy } = options;
  const random = options.random ?? Math.random;
  let status: RunStatus = options.knownStatus;
  let last: RunDetail | undefined;
  let polls = 0;
  let retryAfterMs: number | undefined;
  let badBodies = 0;
  const since = clock.now();

  for (let attempt = 0; ; attempt++) {
    const remaining = options.deadline - clock.now();
    if (signal.aborted) return { kind: 'aborted', run: last, polls };
    if (remaining <= 0) return { kind: 'timed-out', run: last, polls };
    await clock.sleep(Math.min(backoffDelay(attempt, policy, retryAfterMs, random), remaining), signal);
    retryAfterMs = undefined;
    if (signal.aborted) return { kind: 'aborted', run: last, polls };

    let run: RunDetail;
    try {
      polls++;
      run = await untilAborted(client.getRun(runId), signal);
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted', run: last, polls };
      // Outages and rate limits pass: keep polling until the deadline. A body that keeps not matching the
      // documented schema will not get better: give up after a few in a row.
      const transient =
        error instanceof CodecloudError &&
        (error.retryable || (error.kind === 'invalid-response' && ++badBodies < MAX_BAD_BODIES));
      if (transient) {
        retryAfterMs = error.retryAfterMs;
        options.log(
          `${stamp(clock.now())} could not read run ${runId} (${error.message}); polling again`,
          'warning',
        );
        continue;
      }
      return {
        kind: 'error',
        error: error instanceof Error ? error : new Error(String(error)),
        run: last,
        polls,
      };
    }
    last = run;
    badBodies = 0;
    options.onRun?.(run);
    if (run.status !== status) {
      options.log(
        `${stamp(clock.now())} run ${runId}: ${status} → ${run.status} (${elapsed(clock.now() - since)})`,
      );
      status = run.status;
    }
    if (isFinalRunStatus(run.status)) return { kind: 'final', run, polls };
    if (options.overTokens?.(run)) return { kind: 'over-tokens', run, polls };
  }
}

/** A run's reported tokens, input + output (0 when it reports none yet). */
export function tokensOf(run: Pick<RunDetail, 'input_tokens' | 'output_tokens'>): number {
  return (run.input_tokens ?? 0) + (run.output_tokens ?? 0);
}

/** `2026-11-22T21:50:03Z` */
export function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `4m 05s`, `12s`, `1h 02m` */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the request itself ends by its own time-out). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

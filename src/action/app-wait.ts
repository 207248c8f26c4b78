/**
 * Waiting through the codecloud App (`app-url`): one long-poll after another on the App's
 * `GET /codecloud/runs/{id}/wait`, which answers as soon as the App receives the run's completion webhook.
 * Anything that stops this from working (no OIDC token, the App answering 401/403/404, the App unreachable, also
 * mid-wait) ends with `fallback` and a reason, and the caller polls the API instead.
 */
import { z } from 'zod';
import { isFinalRunStatus, RunStatus } from '../codecloud/schemas.js';
import { describeCause } from '../error-messages.js';
import type { Clock } from './clock.js';
import { OidcRequestError, type OidcTokenSource } from './oidc-request.js';
import { elapsed, stamp } from './wait-for-run.js';

/** The App's longest wait; the Action asks for a little less so proxies in between do not cut the request. */
const LONG_POLL_SECONDS = 50;
/** Connection problems or 5xx in a row before the App counts as unreachable. */
const MAX_TRANSIENT_FAILURES = 3;

export type AppWaitOutcome =
  | { kind: 'final'; status: RunStatus; longPolls: number }
  | { kind: 'timed-out'; longPolls: number }
  | { kind: 'aborted'; longPolls: number }
  | { kind: 'fallback'; reason: string; longPolls: number };

export interface AppWaitHooks {
  log: (line: string, level?: 'info' | 'warning') => void;
  /** The App reported a new status (not final). */
  onStatus?: (status: RunStatus) => void;
  /** Ends the wait (`aborted`) besides the step's cancellation: the `max-tokens` check found the run over. */
  signal?: AbortSignal;
}

export interface AppWaitOptions extends AppWaitHooks {
  appUrl: string;
  runId: string;
  knownStatus: RunStatus;
  deadline: number;
  tokens: OidcTokenSource;
  fetch: typeof fetch;
  clock: Clock;
  signal: AbortSignal;
  /** Multiplies the pause between retries (tests only). */
  scale?: number;
}

const WaitAnswer = z.object({ run: z.object({ id: z.string(), status: RunStatus }) });
const ErrorAnswer = z.object({ message: z.string() });

export async function waitViaApp(options: AppWaitOptions): Promise<AppWaitOutcome> {
  const { clock, signal, runId } = options;
  let status = options.knownStatus;
  let longPolls = 0;
  let failures = 0;
  let refreshedAfter401 = false;
  const since = clock.now();
  const url = `${options.appUrl}/codecloud/runs/${encodeURIComponent(runId)}/wait`;

  for (;;) {
    if (signal.aborted) return { kind: 'aborted', longPolls };
    const remaining = options.deadline - clock.now();
    if (remaining <= 0) return { kind: 'timed-out', longPolls };
    const seconds = Math.max(1, Math.min(LONG_POLL_SECONDS, Math.ceil(remaining / 1000)));

    let token: string;
    try {
      token = await options.tokens.token();
    } catch (error) {
      const reason = error instanceof OidcRequestError ? error.message : String(error);
      return { kind: 'fallback', reason, longPolls };
    }
    let answer: Response;
    try {
      longPolls++;
      answer = await options.fetch(`${url}?timeout=${seconds}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout((seconds + 15) * 1000)]),
      });
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted', longPolls };
      if (++failures >= MAX_TRANSIENT_FAILURES)
        return { kind: 'fallback', reason: `the App cannot be reached (${describeCause(error)})`, longPolls };
      await clock.sleep(1_000 * failures * (options.scale ?? 1), signal);
      continue;
    }
    if (answer.status >= 500 || answer.status === 429) {
      await answer.body?.cancel();
      if (++failures >= MAX_TRANSIENT_FAILURES)
        return { kind: 'fallback', reason: `the App answers HTTP ${answer.status}`, longPolls };
      await clock.sleep(1_000 * failures * (options.scale ?? 1), signal);
      continue;
    }
    if (answer.status === 401 && !refreshedAfter401) {
      // The token may have expired while waiting: one fresh token, then a 401 is final.
      await answer.body?.cancel();
      refreshedAfter401 = true;
      try {
        await options.tokens.token(true);
      } catch (error) {
        return { kind: 'fallback', reason: describeCause(error), longPolls };
      }
      continue;
    }
    const body: unknown = await answer.json().catch(() => undefined);
    if (answer.status !== 200) {
      const message = ErrorAnswer.safeParse(body);
      return {
        kind: 'fallback',
        reason: `the App answered ${answer.status}${message.success ? `: ${message.data.message}` : ''}`,
        longPolls,
      };
    }
    const parsed = WaitAnswer.safeParse(body);
    if (!parsed.success) {
      return { kind: 'fallback', reason: `the App's answer is not a run (${url})`, longPolls };
    }
    failures = 0;
    refreshedAfter401 = false;
    const run = parsed.data.run;
    if (run.status !== status) {
      options.log(
        `${stamp(clock.now())} run ${runId}: ${status} → ${run.status} (${elapsed(clock.now() - since)})`,
      );
      status = run.status;
      if (!isFinalRunStatus(run.status)) options.onStatus?.(run.status);
    }
    if (isFinalRunStatus(run.status)) return { kind: 'final', status: run.status, longPolls };
  }
}

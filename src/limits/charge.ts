/**
 * Counting runs, follow-ups and autofix attempts against the limits in force, one atomic store step each
 * (`UsageStore.charge`): a charge that would pass `runs_per_day` or `runs_per_user_per_day`, or any charge once the
 * repository's `tokens_per_month` is used up, is refused and counts nothing. A charge is keyed: asking again with
 * the same key (a retried job) counts nothing more. `refundAttempt` gives a charge back when the backend refused to
 * create the run.
 */
import type { Store } from '../store/store.js';
import { USAGE_SCOPES } from '../store/usage-store.js';
import { effectiveLimits, type Limits } from './limits.js';
import type { LimitsConfig } from './limits-config.js';
import { describeReset, nextUtcDay, nextUtcMonth, utcDay, utcMonth } from './periods.js';

export interface AttemptRequest {
  /** What is counted, unique per attempt: `command:<source>:<comment id>`, `autofix:<pr>:<head sha>`, … */
  chargeKey: string;
  installationId: number;
  owner: string;
  repo: string;
  /** Who asked (for autofix: who the attempt is counted for, e.g. the run's requester). */
  login: string;
}

export interface LimitRefusal {
  limit: 'runs_per_day' | 'runs_per_user_per_day' | 'tokens_per_month';
  used: number;
  max: number;
  /** When the count starts again (epoch ms). */
  resetsAt: number;
  now: number;
}

export type AttemptOutcome =
  | { kind: 'counted'; chargeKey: string }
  | { kind: 'refused'; refusal: LimitRefusal };

/** The counters' keys of a repository and of a person (across the installation). */
export const repoKeyOf = (owner: string, repo: string): string => `${owner}/${repo}`.toLowerCase();
export const userKeyOf = (installationId: number, login: string): string =>
  `${installationId}:${login.toLowerCase()}`;

/** The limits in force for a repository: the operator's ceilings lowered by its `limits` config. */
export function limitsInForce(ceilings: Limits | undefined, config: LimitsConfig | undefined): Limits {
  return effectiveLimits(ceilings ?? {}, config).limits;
}

/**
 * Counts one run, follow-up or autofix attempt, or refuses it (then nothing is counted and nothing may start).
 * For the autofix feature as for commands: call it right before the attempt is sent, and `refundAttempt` if the
 * backend refuses to create it.
 */
export async function chargeAttempt(
  store: Store,
  limits: Limits,
  request: AttemptRequest,
  now: number,
): Promise<AttemptOutcome> {
  const repoKey = repoKeyOf(request.owner, request.repo);
  const tokensLimit = limits.tokens_per_month;
  if (tokensLimit !== undefined) {
    const used = await store.usage.count(USAGE_SCOPES.repoTokens, repoKey, utcMonth(now));
    if (used >= tokensLimit) {
      return {
        kind: 'refused',
        refusal: { limit: 'tokens_per_month', used, max: tokensLimit, resetsAt: nextUtcMonth(now), now },
      };
    }
  }
  const result = await store.usage.charge({
    chargeKey: request.chargeKey,
    repoKey,
    userKey: userKeyOf(request.installationId, request.login),
    day: utcDay(now),
    repoLimit: limits.runs_per_day,
    userLimit: limits.runs_per_user_per_day,
  });
  if (result.kind !== 'refused') return { kind: 'counted', chargeKey: request.chargeKey };
  return {
    kind: 'refused',
    refusal: {
      limit: result.which === 'repo' ? 'runs_per_day' : 'runs_per_user_per_day',
      used: result.used,
      max: result.limit,
      resetsAt: nextUtcDay(now),
      now,
    },
  };
}

/** Gives a charge back (the backend refused to create the run, or the command found the thread busy). */
export async function refundAttempt(store: Store, chargeKey: string | undefined): Promise<void> {
  if (chargeKey !== undefined) await store.usage.refund(chargeKey);
}

const count = (n: number): string => n.toLocaleString('en-US');

/** "This repository has used 50 of its 50 runs today (UTC); the count resets at 00:00 UTC (…), in 3 h 12 min." */
export function describeRefusal(refusal: LimitRefusal, login?: string): string {
  const { used, max, limit } = refusal;
  const period = limit === 'tokens_per_month' ? 'month' : 'day';
  const resets = `the count resets ${describeReset(refusal.now, refusal.resetsAt, period)}`;
  switch (limit) {
    case 'runs_per_day':
      return `This repository has used ${count(used)} of its ${count(max)} runs today (UTC) (\`limits.runs_per_day\`); ${resets}.`;
    case 'runs_per_user_per_day':
      return `${login === undefined ? 'This person has' : `@${login}, you have`} used ${count(used)} of ${login === undefined ? 'their' : 'your'} ${count(max)} runs today (UTC) (\`limits.runs_per_user_per_day\`); ${resets}.`;
    case 'tokens_per_month':
      return `This repository has used ${count(used)} of its ${count(max)} tokens this month (UTC) (\`limits.tokens_per_month\`); ${resets}.`;
  }
}

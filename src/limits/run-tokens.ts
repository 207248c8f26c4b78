/**
 * A run's token usage as the backend reports it (input + output, while it runs and at the end), recorded where the
 * app already reads the run: the run's own figure, and the repository's month counter by the difference. Says when
 * the run has passed `tokens_per_run` and this caller won the one stop.
 */
import type { Run } from '../store/store.js';
import type { UsageStore } from '../store/usage-store.js';
import { repoKeyOf } from './charge.js';
import { utcMonth } from './periods.js';

export interface TokenFigures {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
}

/** Passed `tokens_per_run`: stop it, with this note at the end of its status comment. */
export interface TokenStop {
  limit: number;
  used: number;
  note: string;
}

type UsageStoreOf = { usage: UsageStore };

/**
 * Records the figures (nothing when the backend reports none) and returns the stop to make, once per run attempt
 * across replicas, when the attempt's tokens pass the run's `tokensPerRun`.
 */
export async function recordRunTokens(
  store: UsageStoreOf,
  run: Pick<Run, 'id' | 'owner' | 'repo' | 'options'>,
  view: TokenFigures,
  now: number,
): Promise<TokenStop | null> {
  if (view.inputTokens === undefined && view.outputTokens === undefined) return null;
  const total = (view.inputTokens ?? 0) + (view.outputTokens ?? 0);
  const recorded = await store.usage.recordRunTokens({
    runId: run.id,
    repoKey: repoKeyOf(run.owner, run.repo),
    month: utcMonth(now),
    total,
  });
  const limit = run.options.tokensPerRun;
  if (limit === undefined || recorded.attemptTokens <= limit) return null;
  if (!(await store.usage.claimTokenStop(run.id))) return null;
  return { limit, used: recorded.attemptTokens, note: tokenStopNote(limit, recorded.attemptTokens) };
}

/** "Stopped: the 2,000,000-token limit for one run was reached (2,013,455 used)" */
export function tokenStopNote(limit: number, used: number): string {
  const count = (n: number) => n.toLocaleString('en-US');
  return `Stopped: the ${count(limit)}-token limit for one run was reached (${count(used)} used)`;
}

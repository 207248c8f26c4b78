/**
 * The operator's limits the dashboard's usage view shows (`LIMIT_RUNS_PER_DAY`, `LIMIT_TOKENS_PER_MONTH`): read in
 * this one place, an unset or unreadable value showing as no limit (enforcing them is the runs' business).
 */
import { z } from 'zod';
import type { UsageLimits } from '../src/dashboard/usage-page.js';

const Limit = z.coerce.number().int().positive();

export function usageLimitsFromEnv(source: NodeJS.ProcessEnv): UsageLimits {
  const runsPerDay = Limit.safeParse(source.LIMIT_RUNS_PER_DAY);
  const tokensPerMonth = Limit.safeParse(source.LIMIT_TOKENS_PER_MONTH);
  return {
    ...(source.LIMIT_RUNS_PER_DAY && runsPerDay.success ? { runsPerDay: runsPerDay.data } : {}),
    ...(source.LIMIT_TOKENS_PER_MONTH && tokensPerMonth.success
      ? { tokensPerMonth: tokensPerMonth.data }
      : {}),
  };
}

/**
 * The operator's ceilings the dashboard's usage view shows beside each repository's figures (`LIMIT_RUNS_PER_DAY`,
 * `LIMIT_TOKENS_PER_MONTH`, validated with the rest of the environment); unset: no limit shown.
 */
import type { UsageLimits } from '../src/dashboard/usage-page.js';
import { definedProps } from '../src/objects.js';
import type { AppEnv } from './env.js';

export function usageLimitsOf(env: AppEnv): UsageLimits {
  return definedProps({ runsPerDay: env.LIMIT_RUNS_PER_DAY, tokensPerMonth: env.LIMIT_TOKENS_PER_MONTH });
}

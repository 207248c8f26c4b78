/**
 * The limits in force for a repository: the operator's ceilings (`LIMIT_*`) and the repository's `limits` config,
 * which may only lower them. A config value above its ceiling is capped (with a note for the help reply), never an
 * error that blocks runs.
 */
import type { LimitsConfig } from './limits-config.js';

/** The four limits, by their config names. */
export const LIMIT_NAMES = [
  'runs_per_day',
  'runs_per_user_per_day',
  'tokens_per_month',
  'tokens_per_run',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** A value per limit; absent: no limit. */
export type Limits = Partial<Record<LimitName, number>>;

/** The environment variable of each ceiling. */
export const LIMIT_ENV_NAMES: Readonly<Record<LimitName, string>> = {
  runs_per_day: 'LIMIT_RUNS_PER_DAY',
  runs_per_user_per_day: 'LIMIT_RUNS_PER_USER_PER_DAY',
  tokens_per_month: 'LIMIT_TOKENS_PER_MONTH',
  tokens_per_run: 'LIMIT_TOKENS_PER_RUN',
};

export interface EffectiveLimits {
  limits: Limits;
  /** One line per config value above its ceiling, for the help reply. */
  capped: string[];
}

/** The smaller of ceiling and config, per limit. */
export function effectiveLimits(ceilings: Limits, config: LimitsConfig | undefined): EffectiveLimits {
  const limits: Limits = {};
  const capped: string[] = [];
  for (const name of LIMIT_NAMES) {
    const ceiling = ceilings[name];
    const asked = config?.[name];
    if (asked !== undefined && ceiling !== undefined && asked > ceiling) {
      capped.push(
        `\`limits.${name}: ${asked}\` is above this app's ceiling (${LIMIT_ENV_NAMES[name]}=${ceiling}); ${ceiling} applies.`,
      );
    }
    const value = asked === undefined ? ceiling : ceiling === undefined ? asked : Math.min(asked, ceiling);
    if (value !== undefined) limits[name] = value;
  }
  return { limits, capped };
}

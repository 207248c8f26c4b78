/**
 * The `limits` key of `.github/codecloud.yml`: each value a positive whole number, each optional (absent: the
 * operator's ceiling, or no limit). Errors quote the key and the value
 * (`limits.runs_per_day: expected a positive integer, got -1`).
 */
import { z } from 'zod';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A positive whole number; YAML's empty value (`null`) counts as not set. */
const PositiveCount = z.unknown().transform((value, ctx): number | undefined => {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  ctx.addIssue({
    code: 'custom',
    message: `expected a positive integer, got ${describe(value)}`,
    input: value,
    params: { quotesInput: true },
  });
  return z.NEVER;
});

export const LimitsConfig = z.object({
  runs_per_day: PositiveCount.optional(),
  runs_per_user_per_day: PositiveCount.optional(),
  tokens_per_month: PositiveCount.optional(),
  tokens_per_run: PositiveCount.optional(),
});
export type LimitsConfig = z.output<typeof LimitsConfig>;

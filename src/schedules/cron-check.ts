/**
 * Checks for codecloud schedule times, shared by the App (`schedules:` in `.github/codecloud.yml`) and the Action
 * (`cron`, `run-at` inputs). Pure: no clock reads, `now` is a parameter.
 *
 * codecloud accepts a 5-field cron (minute hour day-of-month month day-of-week, read in UTC) whose runs are at least
 * 15 minutes apart, or a one-off ISO 8601 `run_at` in the future (seed 003, "Schedules").
 */
import { Cron } from 'croner';
import { z } from 'zod';

/** The smallest gap codecloud allows between two runs of one recurring schedule. */
export const MIN_CRON_INTERVAL_MINUTES = 15;

/** How many consecutive runs are compared. 1000 covers ten days of `*\/15 * * * *` and years of daily patterns. */
const OCCURRENCES_CHECKED = 1000;
/**
 * A fixed starting point keeps the check deterministic; 2024 is a leap year, so Feb 29 patterns are seen. One minute
 * before midnight, because croner's `nextRun` answers strictly later times.
 */
const CHECK_FROM = new Date('2023-12-31T23:59:00Z');
const MINUTE_MS = 60_000;

export type CheckResult = { ok: true } | { ok: false; reason: string };

/** Parses a 5-field cron expression (UTC); throws croner's error for a malformed one. */
function parseCron(expr: string): Cron {
  return new Cron(expr, { paused: true, mode: '5-part', utcOffset: 0 });
}

const hhmm = (date: Date): string => date.toISOString().slice(11, 16);

function describeMinutes(minutes: number): string {
  return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
}

/**
 * Checks a recurring schedule's cron expression: exactly 5 fields (no seconds, no `@daily` nicknames), valid
 * values, it runs at all, and consecutive runs are at least {@link MIN_CRON_INTERVAL_MINUTES} apart (checked over
 * the next 1000 runs from a fixed date, stopping at the first gap that is too small).
 *
 * `checkCron('*\/5 * * * *')` → `{ ok: false, reason: "cron '*\/5 * * * *' runs every 5 minutes; the minimum interval
 * is 15 minutes" }`.
 */
export function checkCron(expr: string): CheckResult {
  const trimmed = expr.trim();
  const fields = trimmed === '' ? [] : trimmed.split(/\s+/);
  if (fields.length !== 5) {
    return {
      ok: false,
      reason: `cron '${expr}' must have exactly 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    };
  }
  let cron: Cron;
  try {
    cron = parseCron(trimmed);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return { ok: false, reason: `cron '${expr}' is not a valid cron expression: ${detail}` };
  }

  let previous = cron.nextRun(CHECK_FROM);
  if (previous === null) return { ok: false, reason: `cron '${expr}' never runs` };
  let smallestGap = Number.POSITIVE_INFINITY;
  let smallestAt: [Date, Date] | undefined;
  let uniform = true;
  let firstGap: number | undefined;
  for (let i = 1; i < OCCURRENCES_CHECKED; i++) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    const gap = Math.round((next.getTime() - previous.getTime()) / MINUTE_MS);
    firstGap ??= gap;
    if (gap !== firstGap) uniform = false;
    if (gap < smallestGap) {
      smallestGap = gap;
      smallestAt = [previous, next];
    }
    // Past the first too-small gap, keep going only while every gap is the same, so the reason can say
    // "every 5 minutes" for `*/5` and name two close runs otherwise.
    if (smallestGap < MIN_CRON_INTERVAL_MINUTES && !uniform) break;
    previous = next;
  }
  if (smallestGap >= MIN_CRON_INTERVAL_MINUTES || smallestAt === undefined) return { ok: true };

  const [a, b] = smallestAt;
  const how = uniform
    ? `runs ${describeMinutes(smallestGap)}`
    : `has runs only ${smallestGap} minute${smallestGap === 1 ? '' : 's'} apart (${hhmm(a)} and ${hhmm(b)} UTC)`;
  return {
    ok: false,
    reason: `cron '${expr}' ${how}; the minimum interval is ${MIN_CRON_INTERVAL_MINUTES} minutes`,
  };
}

/**
 * The next `count` run times of a cron expression after `from` (UTC), e.g. to show when a schedule runs next.
 * Returns `[]` for an invalid expression; call {@link checkCron} first to get the reason.
 */
export function nextCronRuns(expr: string, from: Date, count: number): Date[] {
  try {
    return parseCron(expr.trim()).nextRuns(count, from);
  } catch {
    return [];
  }
}

const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * Checks a one-off schedule's `run_at`: an ISO 8601 date-time with a time zone (`2026-12-01T03:00:00Z` or
 * `…+02:00`; a bare local time would be ambiguous) on a real calendar day (zod refuses `2027-02-30`), strictly after
 * `now`. On success returns the parsed instant.
 */
export function checkRunAt(iso: string, now: Date): { ok: true; at: Date } | { ok: false; reason: string } {
  const parsed = IsoDateTime.safeParse(iso.trim());
  if (!parsed.success) {
    return {
      ok: false,
      reason: `run_at '${iso}' is not an ISO 8601 date-time with a time zone (e.g. 2026-12-01T03:00:00Z)`,
    };
  }
  const at = new Date(parsed.data);
  if (at.getTime() <= now.getTime()) {
    return { ok: false, reason: `run_at '${iso}' is in the past (now is ${now.toISOString()})` };
  }
  return { ok: true, at };
}

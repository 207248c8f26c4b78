/**
 * Checks for codecloud schedule times, shared by the App (`schedules:` in `.github/codecloud.yml`) and the Action
 * (`cron`, `run-at` inputs). Pure: no clock reads, `now` is a parameter.
 *
 * codecloud accepts a 5-field cron (minute hour day-of-month month day-of-week, read in UTC) whose runs are at least
 * 15 minutes apart, or a one-off ISO 8601 `run_at` in the future.
 */
import { Cron } from 'croner';
import { messageOf } from '../error-messages.js';

/** The smallest gap codecloud allows between two runs of one recurring schedule. */
export const MIN_CRON_INTERVAL_MINUTES = 15;

/**
 * A fixed starting point keeps the check deterministic; 2024 is a leap year, so Feb 29 patterns are seen. One minute
 * before midnight, because croner's `nextRun` answers strictly later times.
 */
const CHECK_FROM = new Date('2023-12-31T23:59:00Z');
/** Runs of the full pattern compared when only the gap across midnight is in doubt (years of daily patterns). */
const OCCURRENCES_CHECKED = 1000;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

export type CheckResult = { ok: true } | { ok: false; reason: string };

/** Parses a 5-field cron expression (UTC); throws croner's error for a malformed one. */
function parseCron(expr: string): Cron {
  return new Cron(expr, { paused: true, mode: '5-part', utcOffset: 0 });
}

const clock = (minuteOfDay: number): string =>
  `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

const tooOften = (expr: string, how: string): CheckResult => ({
  ok: false,
  reason: `cron '${expr}' ${how}; the minimum interval is ${MIN_CRON_INTERVAL_MINUTES} minutes`,
});

const closeRuns = (gap: number, from: number, to: number): string =>
  `has runs only ${gap} minute${gap === 1 ? '' : 's'} apart (${clock(from)} and ${clock(to)} UTC)`;

/** The times of day (minutes after midnight UTC, ascending) at which `minute hour * * *` runs. */
function timesOfDay(minuteField: string, hourField: string): number[] {
  const daily = parseCron(`${minuteField} ${hourField} * * *`);
  const dayEnd = CHECK_FROM.getTime() + MINUTE_MS + DAY_MINUTES * MINUTE_MS;
  const times: number[] = [];
  for (
    let run = daily.nextRun(CHECK_FROM);
    run !== null && run.getTime() < dayEnd;
    run = daily.nextRun(run)
  ) {
    times.push(run.getUTCHours() * 60 + run.getUTCMinutes());
  }
  return times;
}

/**
 * Checks a recurring schedule's cron expression: exactly 5 fields (no seconds, no `@daily` nicknames), valid
 * values, it runs at all, and consecutive runs are at least {@link MIN_CRON_INTERVAL_MINUTES} apart.
 *
 * Every day the pattern runs, it runs at the same times of day (its minute and hour fields), so gaps within a day
 * are read off one day exactly. Only a gap across midnight (a run late in the evening, one early the next morning)
 * depends on which days run; then the next 1000 runs of the full pattern are compared.
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
  let times: number[];
  try {
    cron = parseCron(trimmed);
    times = timesOfDay(fields[0] ?? '', fields[1] ?? '');
  } catch (error) {
    const detail = messageOf(error).replace(/^CronPattern:\s*/, '');
    return { ok: false, reason: `cron '${expr}' is not a valid cron expression: ${detail}` };
  }
  if (cron.nextRun(CHECK_FROM) === null || times.length === 0)
    return { ok: false, reason: `cron '${expr}' never runs` };

  // Gaps between the day's runs, then from its last run to the first run of the next day (if that day runs).
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  const wrap = first + DAY_MINUTES - last;
  let smallest: { gap: number; from: number; to: number } | undefined;
  for (let i = 1; i < times.length; i++) {
    const from = times[i - 1] ?? 0;
    const to = times[i] ?? 0;
    if (smallest === undefined || to - from < smallest.gap) smallest = { gap: to - from, from, to };
  }
  if (smallest !== undefined && smallest.gap < MIN_CRON_INTERVAL_MINUTES) {
    const uniform =
      times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === smallest.gap) && wrap === smallest.gap;
    return tooOften(
      expr,
      uniform
        ? `runs ${smallest.gap === 1 ? 'every minute' : `every ${smallest.gap} minutes`}`
        : closeRuns(smallest.gap, smallest.from, smallest.to),
    );
  }
  if (wrap >= MIN_CRON_INTERVAL_MINUTES) return { ok: true };

  // Too close across midnight: a problem only when two consecutive days both run.
  let previous = cron.nextRun(CHECK_FROM);
  for (let i = 1; previous !== null && i < OCCURRENCES_CHECKED; i++) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    if (next.getTime() - previous.getTime() < MIN_CRON_INTERVAL_MINUTES * MINUTE_MS) {
      return tooOften(expr, closeRuns(wrap, last, first));
    }
    previous = next;
  }
  return { ok: true };
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))$/i;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Reads an ISO 8601 date-time with a time zone: `2026-12-01T03:00Z`, `2026-12-01T03:00:00.5+05:30`,
 * `…+0530`. Seconds are optional; a time zone is not (a bare local time would be ambiguous). Refuses dates that
 * don't exist (`2027-02-30`, which JavaScript would roll over to March 2). `undefined` when it is not one.
 */
export function parseIsoDateTime(text: string): Date | undefined {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    Number(v ?? 0),
  ) as [number, number, number, number, number, number];
  const millis = Number(`0.${m[7] ?? '0'}`) * 1000;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(millis)) - offset * MINUTE_MS,
  );
}

/**
 * Checks a one-off schedule's `run_at`: an ISO 8601 date-time with a time zone (see {@link parseIsoDateTime}),
 * strictly after `now`. On success returns the instant (send `at.toISOString()` to the API).
 */
export function checkRunAt(iso: string, now: Date): { ok: true; at: Date } | { ok: false; reason: string } {
  const at = parseIsoDateTime(iso);
  if (at === undefined) {
    return {
      ok: false,
      reason: `run_at '${iso}' is not an ISO 8601 date-time with a time zone (e.g. 2026-12-01T03:00:00Z)`,
    };
  }
  if (at.getTime() <= now.getTime()) {
    return { ok: false, reason: `run_at '${iso}' is in the past (now is ${now.toISOString()})` };
  }
  return { ok: true, at };
}

/** The limits' periods: a UTC day and a UTC calendar month, as counter keys, with when each ends. */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** `2026-12-06`: the UTC day of `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-12`: the UTC calendar month of `ms`. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The start of the next UTC day after `ms`. */
export function nextUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** The start of the next UTC calendar month after `ms`. */
export function nextUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `3 h 12 min`, `25 days 3 h`, `45 s`: a wait in words, rounded up to the minute past a minute. */
export function formatWait(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`;
}

/** When a period ends, in words and as UTC: `at 00:00 UTC (2026-12-07), in 3 h 12 min`. */
export function describeReset(now: number, resetAt: number, period: 'day' | 'month'): string {
  const d = new Date(resetAt);
  const date = d.toISOString().slice(0, 10);
  const when =
    period === 'day' ? `at 00:00 UTC (${date})` : `on 1 ${MONTHS[d.getUTCMonth()]} at 00:00 UTC (${date})`;
  return `${when}, in ${formatWait(resetAt - now)}`;
}

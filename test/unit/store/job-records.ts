/**
 * A job with the bookkeeping the store keeps but never hands out (state, lease and finish times), read straight from
 * the `jobs` table: how the store's tests see what `completeJob`, `failJob` and the leases did.
 */
import { jobFromRow, toMs } from '../../../src/store/row-mapping.js';
import type { SqlRow } from '../../../src/store/sql-database.js';
import type { Job } from '../../../src/store/store.js';

export interface JobRecord extends Job {
  state: 'pending' | 'leased' | 'done' | 'dead';
  /** When a pending job may next be claimed. */
  runAt: number;
  /** When the current lease ends (a leased job whose lease ended is claimable again). */
  leaseUntil: number | null;
  finishedAt: number | null;
}

/** Runs one SQL statement without parameters and returns its rows. */
export type RawQuery = (text: string) => Promise<SqlRow[]>;

/** The job `id` with its bookkeeping, or null when there is none. */
export async function readJob(query: RawQuery, id: string): Promise<JobRecord | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await query(`SELECT * FROM jobs WHERE id = ${id}`);
  if (row === undefined) return null;
  const msOrNull = (value: unknown) => (value === null || value === undefined ? null : toMs(value));
  return {
    ...jobFromRow(row),
    state: String(row.state) as JobRecord['state'],
    runAt: toMs(row.run_at),
    leaseUntil: msOrNull(row.lease_until),
    finishedAt: msOrNull(row.finished_at),
  };
}

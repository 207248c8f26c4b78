/**
 * The dashboard's reads: a page of runs (keyset on `seq`, newest first, through `runs_repo_seq` or `runs`' own
 * order) and a run's timeline (`run_events`); usage per repository is the limits' counters (`UsageStore`). Written
 * once in PostgreSQL's syntax like the rest of the store.
 */
import type { LocalRunStatus } from '../vocabulary.js';
import { runFromRow, toMs } from './row-mapping.js';
import type { SqlExecutor } from './sql-database.js';
import type { SqlDialect } from './sql-dialect.js';
import type { DashboardRunQuery, RepoName, Run, RunEvent } from './store.js';

/** More repositories than this in one query are refused (each is two parameters). */
export const MAX_DASHBOARD_REPOS = 5_000;

/** `(owner, repo) IN (VALUES …)` for `repos`, its parameters pushed onto `params`. */
function repoCondition(repos: readonly RepoName[], params: unknown[]): string {
  if (repos.length > MAX_DASHBOARD_REPOS) {
    throw new Error(
      `store: at most ${MAX_DASHBOARD_REPOS} repositories per dashboard query, got ${repos.length}`,
    );
  }
  const rows = repos.map(({ owner, repo }) => {
    params.push(owner, repo);
    return `($${params.length - 1}, $${params.length})`;
  });
  return `(owner, repo) IN (VALUES ${rows.join(', ')})`;
}

export async function listDashboardRuns(db: SqlExecutor, query: DashboardRunQuery): Promise<Run[]> {
  if (query.repos.length === 0 || query.statuses?.length === 0) return [];
  if (!Number.isInteger(query.limit) || query.limit <= 0) {
    throw new Error(`store: limit must be a positive integer, got ${query.limit}`);
  }
  const params: unknown[] = [];
  const where = [repoCondition(query.repos, params)];
  if (query.statuses) {
    const placeholders = query.statuses.map((status) => {
      params.push(status);
      return `$${params.length}`;
    });
    where.push(`status IN (${placeholders.join(', ')})`);
  }
  if (query.requestedBy !== undefined) {
    params.push(query.requestedBy);
    where.push(`requested_by = $${params.length}`);
  }
  if (query.beforeId !== undefined) {
    params.push(query.beforeId);
    where.push(`seq < (SELECT seq FROM runs WHERE id = $${params.length}::uuid)`);
  }
  params.push(query.limit);
  const { rows } = await db.query(
    `SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(runFromRow);
}

export async function listRunEvents(db: SqlExecutor, runId: string): Promise<RunEvent[]> {
  const { rows } = await db.query(
    'SELECT at, status, detail FROM run_events WHERE run_id = $1::uuid ORDER BY id LIMIT 1000',
    [runId],
  );
  return rows.map((row) => ({
    at: toMs(row.at),
    status: String(row.status) as LocalRunStatus,
    detail: row.detail === null || row.detail === undefined ? null : String(row.detail),
  }));
}

/** Writes one timeline line; called in the transaction that changed the run's status. */
export async function recordRunEvent(
  db: SqlExecutor,
  dialect: SqlDialect,
  event: { runId: string; at: number; status: LocalRunStatus; detail: string | null },
): Promise<void> {
  await db.query(
    'INSERT INTO run_events (run_id, at, status, detail) VALUES ($1::uuid, $2::timestamptz, $3, $4)',
    [event.runId, dialect.time(event.at), event.status, event.detail],
  );
}

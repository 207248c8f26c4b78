/**
 * Usage counters for the limits: runs per repository and per person per UTC day, tokens per repository per UTC
 * month, and each run's latest token figure. Every check-and-count is one atomic step: a conditional upsert
 * (`… ON CONFLICT DO UPDATE SET count = count + 1 WHERE count < limit RETURNING count`), the repository's and the
 * person's counters in one transaction that rolls back when either is over. A constant number of primary-key
 * operations per call, whatever the history.
 */
import type { SqlDatabase, SqlExecutor } from './sql-database.js';
import { dialectOf, type SqlDialect } from './sql-dialect.js';

/** A count as the drivers return it (`pg` gives int8 as a string); absent: 0. */
function toNumber(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** The counters' scopes. */
export const USAGE_SCOPES = {
  repoRuns: 'repo-runs',
  userRuns: 'user-runs',
  repoTokens: 'repo-tokens',
} as const;

/** How long a claimed token stop stands before another caller may make it again. */
const TOKEN_STOP_RETRY_MS = 60_000;

/** No limit: a count that never refuses. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export interface ChargeRequest {
  /** Identifies what is counted (the command, the autofix attempt): a second charge with it counts nothing. */
  chargeKey: string;
  /** `owner/name`, lower case. */
  repoKey: string;
  /** The person across the installation: `<installation>:<login>`, lower case. */
  userKey: string;
  /** The UTC day, `2026-12-06`. */
  day: string;
  repoLimit?: number | undefined;
  userLimit?: number | undefined;
}

export type ChargeResult =
  | { kind: 'counted'; repoCount: number; userCount: number }
  /** Counted before under the same key: nothing changed. */
  | { kind: 'already' }
  /** Over a limit: nothing changed. `used` is the counter as it stands. */
  | { kind: 'refused'; which: 'repo' | 'user'; used: number; limit: number };

export interface RunTokensUpdate {
  runId: string;
  repoKey: string;
  /** The UTC month, `2026-12`. */
  month: string;
  /** The run's tokens as the backend reports them now (input + output, cumulative over its messages). */
  total: number;
}

export interface RunTokensRecorded {
  /** Tokens of the current attempt (the run, or its latest follow-up). */
  attemptTokens: number;
  /** Whether the per-run stop was claimed (see `claimTokenStop`). */
  stopClaimed: boolean;
}

/** A repository's runs of a UTC day and tokens of a UTC month, as the limits count them. */
export interface RepoUsage {
  /** The owner, lower case. */
  owner: string;
  /** The name, lower case. */
  repo: string;
  runsToday: number;
  tokensThisMonth: number;
}

class Refused extends Error {
  constructor(readonly result: ChargeResult & { kind: 'refused' }) {
    super('over the limit');
  }
}

export class UsageStore {
  readonly #db: SqlDatabase;
  readonly #dialect: SqlDialect;
  readonly #now: () => number;

  constructor(db: SqlDatabase, now: () => number) {
    this.#db = db;
    this.#dialect = dialectOf(db.engine);
    this.#now = now;
  }

  /** Counts one run against the repository's and the person's daily counters, or refuses and counts nothing. */
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    try {
      return await this.#db.transaction(async (tx) => {
        const { rows } = await tx.query(
          `INSERT INTO usage_charges (charge_key, repo_key, user_key, period, created_at)
           VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT (charge_key) DO NOTHING RETURNING charge_key`,
          [request.chargeKey, request.repoKey, request.userKey, request.day, this.#dialect.time(this.#now())],
        );
        if (rows.length === 0) return { kind: 'already' as const };
        const repoCount = await countUp(
          tx,
          USAGE_SCOPES.repoRuns,
          request.repoKey,
          request.day,
          request.repoLimit,
        );
        if (repoCount === null) throw await refusal(tx, 'repo', request);
        const userCount = await countUp(
          tx,
          USAGE_SCOPES.userRuns,
          request.userKey,
          request.day,
          request.userLimit,
        );
        if (userCount === null) throw await refusal(tx, 'user', request);
        return { kind: 'counted' as const, repoCount, userCount };
      });
    } catch (error) {
      if (error instanceof Refused) return error.result;
      throw error;
    }
  }

  /** Gives a charge back (the backend refused to create the run): once, whoever calls. True when it was given back. */
  refund(chargeKey: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'DELETE FROM usage_charges WHERE charge_key = $1 RETURNING repo_key, user_key, period',
        [chargeKey],
      );
      const row = rows[0];
      if (!row) return false;
      const down = `UPDATE usage_counters SET count = count - 1
                    WHERE scope = $1 AND key = $2 AND period = $3 AND count > 0`;
      await tx.query(down, [USAGE_SCOPES.repoRuns, row.repo_key, row.period]);
      await tx.query(down, [USAGE_SCOPES.userRuns, row.user_key, row.period]);
      return true;
    });
  }

  /** One counter's value (0 when never counted). */
  async count(scope: string, key: string, period: string): Promise<number> {
    const { rows } = await this.#db.query(
      'SELECT count FROM usage_counters WHERE scope = $1 AND key = $2 AND period = $3',
      [scope, key, period],
    );
    return rows[0] ? toNumber(rows[0].count) : 0;
  }

  /**
   * Every repository's runs of the UTC `day` and tokens of the UTC `month` as the limits count them (runs, follow-ups
   * and autofix attempts; a charge given back does not count), ordered by owner and name, lower case. An indexed
   * read of one row per repository and period: it grows with the repositories, not with their runs.
   */
  async repositoryUsage(period: { day: string; month: string }): Promise<RepoUsage[]> {
    const { rows } = await this.#db.query(
      `SELECT scope, key, count FROM usage_counters
       WHERE (scope = $1 AND period = $2) OR (scope = $3 AND period = $4)`,
      [USAGE_SCOPES.repoRuns, period.day, USAGE_SCOPES.repoTokens, period.month],
    );
    const byRepo = new Map<string, RepoUsage>();
    for (const row of rows) {
      const key = String(row.key);
      const slash = key.indexOf('/');
      const usage = byRepo.get(key) ?? {
        owner: key.slice(0, slash),
        repo: key.slice(slash + 1),
        runsToday: 0,
        tokensThisMonth: 0,
      };
      if (row.scope === USAGE_SCOPES.repoRuns) usage.runsToday = toNumber(row.count);
      else usage.tokensThisMonth = toNumber(row.count);
      byRepo.set(key, usage);
    }
    const order = (a: RepoUsage, b: RepoUsage) =>
      a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0;
    return [...byRepo.values()].sort(order);
  }

  /**
   * Records a run's latest token figure: the run's own figure only grows, and the repository's month counter grows
   * by the difference, in one transaction (the run's row locked), so replicas reading the same run count it once.
   */
  recordRunTokens(update: RunTokensUpdate): Promise<RunTokensRecorded> {
    return this.#db.transaction(async (tx) => {
      if (this.#dialect.keyLock !== null)
        await tx.query(this.#dialect.keyLock, [`codecloud.run-tokens:${update.runId}`]);
      await tx.query(
        'INSERT INTO run_tokens (run_id, tokens) VALUES ($1, 0) ON CONFLICT (run_id) DO NOTHING',
        [update.runId],
      );
      const { rows } = await tx.query(
        'SELECT tokens, base, stop_claimed_at FROM run_tokens WHERE run_id = $1',
        [update.runId],
      );
      const row = rows[0];
      const before = toNumber(row?.tokens);
      const base = toNumber(row?.base);
      const stopClaimed = row?.stop_claimed_at !== null && row?.stop_claimed_at !== undefined;
      if (update.total <= before) return { attemptTokens: Math.max(0, before - base), stopClaimed };
      await tx.query('UPDATE run_tokens SET tokens = $2 WHERE run_id = $1', [update.runId, update.total]);
      await tx.query(
        `INSERT INTO usage_counters (scope, key, period, count) VALUES ($1, $2, $3, $4::bigint)
         ON CONFLICT (scope, key, period) DO UPDATE SET count = usage_counters.count + $4::bigint`,
        [USAGE_SCOPES.repoTokens, update.repoKey, update.month, update.total - before],
      );
      return { attemptTokens: Math.max(0, update.total - base), stopClaimed };
    });
  }

  /** A follow-up starts a new attempt: its tokens count from the run's figure now, and it may be stopped again. */
  async startAttempt(runId: string): Promise<void> {
    await this.#db.query('UPDATE run_tokens SET base = tokens, stop_claimed_at = NULL WHERE run_id = $1', [
      runId,
    ]);
  }

  /**
   * The one stop for passing `tokens_per_run`: true for exactly one caller per attempt, and again only once
   * `retryAfterMs` has passed (the claimer died before its stop reached the backend, or the stop failed).
   */
  async claimTokenStop(runId: string, retryAfterMs = TOKEN_STOP_RETRY_MS): Promise<boolean> {
    const now = this.#now();
    const { rowCount } = await this.#db.query(
      `UPDATE run_tokens SET stop_claimed_at = $2::timestamptz
       WHERE run_id = $1 AND (stop_claimed_at IS NULL OR stop_claimed_at <= $3::timestamptz)`,
      [runId, this.#dialect.time(now), this.#dialect.time(now - retryAfterMs)],
    );
    return rowCount === 1;
  }
}

/** +1 on a counter unless it is at `limit`; the new count, or null when refused. */
async function countUp(
  tx: SqlExecutor,
  scope: string,
  key: string,
  period: string,
  limit: number | undefined,
): Promise<number | null> {
  const { rows } = await tx.query(
    `INSERT INTO usage_counters (scope, key, period, count) VALUES ($1, $2, $3, 1)
     ON CONFLICT (scope, key, period) DO UPDATE SET count = usage_counters.count + 1
     WHERE usage_counters.count < $4::bigint
     RETURNING count`,
    [scope, key, period, limit ?? UNLIMITED],
  );
  return rows[0] ? toNumber(rows[0].count) : null;
}

async function refusal(tx: SqlExecutor, which: 'repo' | 'user', request: ChargeRequest): Promise<Refused> {
  const scope = which === 'repo' ? USAGE_SCOPES.repoRuns : USAGE_SCOPES.userRuns;
  const key = which === 'repo' ? request.repoKey : request.userKey;
  const { rows } = await tx.query(
    'SELECT count FROM usage_counters WHERE scope = $1 AND key = $2 AND period = $3',
    [scope, key, request.day],
  );
  const limit = (which === 'repo' ? request.repoLimit : request.userLimit) ?? UNLIMITED;
  return new Refused({ kind: 'refused', which, used: rows[0] ? toNumber(rows[0].count) : limit, limit });
}

/**
 * The shared engine: PostgreSQL through a `pg` connection pool (`DATABASE_URL`), which several replicas can share.
 *
 * Every connection has server-side time limits, so one stuck client (or a foreign session holding a lock) cannot
 * hang the app or use up the pool for good: a statement is cancelled after `statementTimeoutMs`, a lock wait after
 * `lockTimeoutMs`, and a session idle inside a transaction is ended after `idleInTransactionTimeoutMs`. Getting a
 * connection gives up after `connectionTimeoutMs`. Those failures are reported as errors saying which limit ran out.
 */
import pg from 'pg';
import type { SqlDatabase, SqlExecutor, SqlResult, SqlRow } from './sql-database.js';

export interface PostgresTimeouts {
  /** Server-side `statement_timeout` (default 15 s). */
  statementTimeoutMs: number;
  /** Server-side `lock_timeout` (default 5 s). */
  lockTimeoutMs: number;
  /** Server-side `idle_in_transaction_session_timeout` (default 30 s). */
  idleInTransactionTimeoutMs: number;
  /** Waiting for a pooled or new connection (default 5 s). */
  connectionTimeoutMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementTimeoutMs: 15_000,
  lockTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 30_000,
  connectionTimeoutMs: 5_000,
};

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Pool size (default 5). */
  maxConnections?: number;
  /** Connections kept for the webhook routes' records besides the pool (default 2; `intakeLane`). */
  intakeConnections?: number;
  timeouts?: Partial<PostgresTimeouts>;
}

export function openPostgresDatabase(options: PostgresDatabaseOptions): SqlDatabase {
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts };
  const poolOf = (max: number): pg.Pool => {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max,
      connectionTimeoutMillis: timeouts.connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: timeouts.statementTimeoutMs,
      lock_timeout: timeouts.lockTimeoutMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    });
    // An idle connection that breaks (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return pool;
  };
  const intake = new PostgresDatabase(poolOf(options.intakeConnections ?? 2), timeouts);
  return new PostgresDatabase(poolOf(options.maxConnections ?? 5), timeouts, intake);
}

class PostgresDatabase implements SqlDatabase {
  readonly engine = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #timeouts: PostgresTimeouts;
  readonly #intake: PostgresDatabase | undefined;
  #closed = false;

  constructor(pool: pg.Pool, timeouts: PostgresTimeouts, intake?: PostgresDatabase) {
    this.#pool = pool;
    this.#timeouts = timeouts;
    this.#intake = intake;
  }

  intakeLane(): SqlDatabase {
    return this.#intake ?? this;
  }

  query<Row extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return this.#explained(runQuery<Row>(this.#pool, text, params));
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#explained(this.#pool.connect());
    let broken: Error | undefined;
    // A checked-out connection reports its errors (the server ended the session) on itself, not on the pool: without
    // a listener that would crash the process. The transaction's next query fails and says why.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work({
        query: <Row extends SqlRow>(text: string, params: readonly unknown[] = []) =>
          this.#explained(runQuery<Row>(client, text, params)),
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: destroy it instead of returning it to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw this.#explain(error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.end(), this.#intake?.close()]);
  }

  #explained<T>(promise: Promise<T>): Promise<T> {
    return promise.catch((error: unknown) => {
      throw this.#explain(error);
    });
  }

  /** A time limit that ran out, said in words (the driver's error stays the cause); other errors unchanged. */
  #explain(error: unknown): unknown {
    if (!(error instanceof Error) || error.message.startsWith('store: ')) return error;
    const code = (error as { code?: unknown }).code;
    const limits = this.#timeouts;
    let message: string | undefined;
    if (code === '55P03') {
      message = `PostgreSQL gave up waiting for a lock after lock_timeout (${limits.lockTimeoutMs} ms): another session holds it`;
    } else if (code === '57014') {
      message = `PostgreSQL cancelled a statement after statement_timeout (${limits.statementTimeoutMs} ms)`;
    } else if (code === '25P03') {
      message = `PostgreSQL ended a session idle in a transaction for idle_in_transaction_session_timeout (${limits.idleInTransactionTimeoutMs} ms)`;
    } else if (/timeout exceeded when trying to connect/i.test(error.message)) {
      message = `no PostgreSQL connection within ${limits.connectionTimeoutMs} ms (the pool is busy or the database does not answer)`;
    }
    if (message === undefined) return error;
    return Object.assign(new Error(`store: ${message} (${error.message})`, { cause: error }), { code });
  }
}

async function runQuery<Row extends SqlRow>(
  queryable: pg.Pool | pg.PoolClient,
  text: string,
  params: readonly unknown[],
): Promise<SqlResult<Row>> {
  const result = await queryable.query<Row>(text, [...params]);
  return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
}

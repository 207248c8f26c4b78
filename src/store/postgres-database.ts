/** The shared engine: PostgreSQL through a `pg` connection pool (`DATABASE_URL`), which several replicas can share. */
import pg from 'pg';
import type { SqlDatabase, SqlExecutor, SqlResult, SqlRow } from './sql-database.js';

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Pool size (default 5). */
  maxConnections?: number;
}

export function openPostgresDatabase(options: PostgresDatabaseOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that breaks (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return new PostgresDatabase(pool);
}

class PostgresDatabase implements SqlDatabase {
  readonly engine = 'postgres' as const;
  readonly #pool: pg.Pool;
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  query<Row extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return runQuery<Row>(this.#pool, text, params);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work({
        query: <Row extends SqlRow>(text: string, params: readonly unknown[] = []) =>
          runQuery<Row>(client, text, params),
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
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
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

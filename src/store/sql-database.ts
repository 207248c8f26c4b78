/**
 * The little a SQL engine must offer the store: parameterised queries and transactions. SQLite (`node:sqlite`) and
 * `pg` both implement it (`sqlite-database.ts`, `postgres-database.ts`), so the store's SQL is written once.
 */
import type { SqlEngine } from './sql-dialect.js';

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number;
}

/** Row values as the drivers return them: numbers, strings, booleans, Dates, parsed JSON, null. */
export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  /** One statement, `$1`-style parameters. */
  query<Row extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly engine: SqlEngine;
  /**
   * Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. `work` must
   * use only `tx` (on SQLite a query on the database itself would wait for this transaction to end).
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * The same database for the webhook routes' records (`src/runs/intake.ts`: one short statement each, while GitHub
   * waits for its answer). On PostgreSQL it has connections of its own, so that answer never waits for a connection
   * behind the job worker's queries; on SQLite (one connection, writes grouped) it is the database itself. It is
   * closed with the database.
   */
  intakeLane(): SqlDatabase;
  close(): Promise<void>;
}

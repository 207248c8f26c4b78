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
  close(): Promise<void>;
}

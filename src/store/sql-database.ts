/**
 * The little a SQL engine must offer the store: parameterised queries and transactions. PGlite and `pg` both
 * implement it (`pglite-database.ts`, `postgres-database.ts`), so the store's SQL is written once.
 */

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
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

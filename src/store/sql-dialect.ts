/**
 * Everything the store's SQL says differently on SQLite and on PostgreSQL, in one place. The store's statements are
 * written once in PostgreSQL's syntax (`$1::timestamptz` parameters) with these pieces spliced in; the SQLite engine
 * turns the parameters into SQLite's (`sqliteStatement`). Migrations differ more and have their own lists
 * (`migrations.ts`).
 */

export type SqlEngine = 'sqlite' | 'postgres';

export interface SqlDialect {
  readonly engine: SqlEngine;
  /**
   * A time (epoch ms) as a parameter: ISO text for a PostgreSQL `timestamptz`, the number itself for SQLite, which
   * keeps times as integer epoch ms.
   */
  time(ms: number | null): string | number | null;
  /**
   * A statement taking `$1` (text) as a lock held until the transaction ends, so transactions taking the same key run
   * one after the other; null where write transactions are serial anyway (SQLite: one connection, `BEGIN IMMEDIATE`).
   */
  readonly keyLock: string | null;
  /** Ends a `SELECT` whose rows the statement then updates: skip rows another transaction has locked. */
  readonly skipLocked: string;
  /** The larger of two values. */
  readonly greatest: string;
  /** Null-safe "differs from". */
  readonly distinctFrom: string;
}

const POSTGRES: SqlDialect = {
  engine: 'postgres',
  time: (ms) => (ms === null ? null : new Date(ms).toISOString()),
  keyLock: 'SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))',
  skipLocked: 'FOR UPDATE SKIP LOCKED',
  greatest: 'GREATEST',
  distinctFrom: 'IS DISTINCT FROM',
};

const SQLITE: SqlDialect = {
  engine: 'sqlite',
  time: (ms) => ms,
  keyLock: null,
  skipLocked: '',
  greatest: 'max',
  distinctFrom: 'IS NOT',
};

export function dialectOf(engine: SqlEngine): SqlDialect {
  return engine === 'postgres' ? POSTGRES : SQLITE;
}

/**
 * A store statement for SQLite: `$1::type` becomes `?1` (SQLite numbers its parameters the same way and has no
 * casts; the column types decide).
 */
export function sqliteStatement(text: string): string {
  return text.replace(/\$(\d+)(?:::[a-z_]+)?/gi, '?$1');
}

/** Columns SQLite keeps as JSON text; the SQLite engine parses them, as `pg` parses `jsonb`. */
export const SQLITE_JSON_COLUMNS: ReadonlySet<string> = new Set(['payload', 'options', 'result', 'progress']);

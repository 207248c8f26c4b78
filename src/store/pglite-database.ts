/** The embedded engine: PGlite (PostgreSQL compiled to WASM) keeping its files in a directory of `DATA_DIR`. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import type { SqlDatabase, SqlExecutor, SqlResult, SqlRow } from './sql-database.js';

/**
 * Opens (creating on first use) the PGlite database under `<dataDir>/pglite`, or an in-memory one when
 * `dataDir` starts with `memory://`. A lock file keeps a second process from opening the same files.
 */
export async function openPgliteDatabase(dataDir: string): Promise<SqlDatabase> {
  if (dataDir.startsWith('memory://')) return new PgliteDatabase(await PGlite.create('memory://'), undefined);
  const directory = join(dataDir, 'pglite');
  await mkdir(directory, { recursive: true });
  const lock = await acquireDirectoryLock(join(dataDir, 'pglite.lock'));
  try {
    return new PgliteDatabase(await PGlite.create(directory), lock);
  } catch (error) {
    await lock.release();
    throw new Error(`could not open the embedded database in ${directory}: ${describe(error)}`, {
      cause: error,
    });
  }
}

class PgliteDatabase implements SqlDatabase {
  readonly engine = 'pglite' as const;
  readonly #db: PGlite;
  readonly #lock: DirectoryLock | undefined;

  constructor(db: PGlite, lock: DirectoryLock | undefined) {
    this.#db = db;
    this.#lock = lock;
  }

  query<Row extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return runQuery<Row>(this.#db, text, params);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) =>
      work({
        query: <Row extends SqlRow>(text: string, params: readonly unknown[] = []) =>
          runQuery<Row>(tx, text, params),
      }),
    );
  }

  async close(): Promise<void> {
    try {
      if (!this.#db.closed) await this.#db.close();
    } finally {
      await this.#lock?.release();
    }
  }
}

interface PgliteQueryable {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

async function runQuery<Row extends SqlRow>(
  db: PgliteQueryable,
  text: string,
  params: readonly unknown[],
): Promise<SqlResult<Row>> {
  const result = await db.query<Row>(text, [...params]);
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

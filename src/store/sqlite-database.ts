/**
 * The embedded engine: SQLite through Node's built-in `node:sqlite`, in one file of `DATA_DIR`, for one process.
 *
 * `node:sqlite` is synchronous on one connection, so every statement runs to completion on its own; a transaction
 * whose work awaits between statements holds an async mutex from `BEGIN IMMEDIATE` to `COMMIT`, so no other query
 * runs inside it. Settings:
 * - `journal_mode = WAL`, `locking_mode = EXCLUSIVE`: the file stays locked by this connection until it closes (the
 *   operating system drops the lock when the process dies), a second guard behind the `DATA_DIR` lock;
 * - `synchronous = NORMAL`, and durability off the event loop (`wal-sync.ts`): a commit only writes the WAL; a write's
 *   promise settles once the WAL is `fdatasync`ed on libuv's thread pool, so a webhook answered 2xx stays recorded
 *   through a power cut too, and the event loop goes on reading requests while the disk syncs (with `FULL`, each
 *   COMMIT blocked it for the whole fsync). Writes that finish during a sync share the next one;
 * - group commit: single statements (`query`) issued while the connection is busy, or within the same turn of the
 *   event loop, are written together in one transaction (each in its own savepoint, so one failing statement fails
 *   only its own caller) and each caller's promise settles after the one COMMIT (and its sync). A burst of 100
 *   webhooks then costs a few commits, not 100;
 * - `busy_timeout = 5000` ms, `foreign_keys = ON`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { messageOf } from '../error-messages.js';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import type { SqlDatabase, SqlExecutor, SqlResult, SqlRow } from './sql-database.js';
import { SQLITE_JSON_COLUMNS, sqliteStatement } from './sql-dialect.js';
import { type WalSync, walSync } from './wal-sync.js';

/** The database file and its lock's note (the lock database is the note's name plus `.db`), in `DATA_DIR`. */
export const SQLITE_FILE = 'codecloud.sqlite';
export const SQLITE_LOCK_FILE = 'codecloud.sqlite.lock';
/** The first Node.js release with `node:sqlite` available without a flag. */
export const SQLITE_MIN_NODE = '22.13';

const BUSY_TIMEOUT_MS = 5_000;
/** Prepared statements kept per connection (the store has a few dozen distinct statements). */
const STATEMENT_CACHE_SIZE = 200;

type SqliteModule = typeof import('node:sqlite');

/**
 * Loads `node:sqlite`, or explains which Node.js the embedded store needs. `load` is for tests.
 */
export async function loadSqlite(
  load: () => Promise<SqliteModule> = () => import('node:sqlite'),
): Promise<SqliteModule> {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `the embedded store (DATABASE_URL unset) needs Node.js ${SQLITE_MIN_NODE} or later for node:sqlite; ` +
        `this is Node.js ${process.versions.node}. Upgrade Node.js, or set DATABASE_URL to a PostgreSQL database`,
      { cause: error },
    );
  }
}

/**
 * Opens (creating on first use) `<dataDir>/codecloud.sqlite`, or an in-memory database when `dataDir` starts with
 * `memory://`. An operating-system lock (`directory-lock.ts`, on `<dataDir>/codecloud.sqlite.lock.db`) keeps a
 * second process out.
 */
export async function openSqliteDatabase(dataDir: string): Promise<SqlDatabase> {
  const { DatabaseSync } = await loadSqlite();
  if (dataDir.startsWith('memory://')) return new SqliteDatabase(configure(new DatabaseSync(':memory:')));
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireDirectoryLock(join(dataDir, SQLITE_LOCK_FILE));
  const file = join(dataDir, SQLITE_FILE);
  try {
    return new SqliteDatabase(configure(new DatabaseSync(file)), lock, walSync(`${file}-wal`));
  } catch (error) {
    await lock.release();
    throw new Error(`could not open the embedded database ${file}: ${messageOf(error)}`, { cause: error });
  }
}

function configure(db: DatabaseSync): DatabaseSync {
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    // Takes the exclusive lock now, so a second opener fails here rather than at its first write.
    db.exec('BEGIN IMMEDIATE; COMMIT');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteDatabase implements SqlDatabase {
  readonly engine = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #lock: DirectoryLock | undefined;
  readonly #statements = new Map<string, Prepared>();
  /** The end of the queue of work on the connection: each query or transaction runs after the previous one. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Single statements waiting to be written together (group commit); undefined when none is open. */
  #batch: PendingQuery[] | undefined;
  #closed = false;

  /** Syncs the WAL before a write is reported done; undefined in memory. */
  readonly #wal: WalSync | undefined;

  constructor(db: DatabaseSync, lock?: DirectoryLock, wal?: WalSync) {
    this.#db = db;
    this.#lock = lock;
    this.#wal = wal;
  }

  intakeLane(): SqlDatabase {
    return this;
  }

  query<Row extends SqlRow = SqlRow>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    if (this.#closed) return Promise.reject(new Error('store: the embedded database is closed'));
    return new Promise<SqlResult<Row>>((resolve, reject) => {
      let batch = this.#batch;
      if (batch === undefined) {
        const opened: PendingQuery[] = [];
        batch = opened;
        this.#batch = opened;
        // Written when the connection is free and this turn of the event loop is over, with whatever joined since.
        void this.#serially(async () => {
          await new Promise<void>((next) => setImmediate(next));
          this.#writeBatch(opened);
        });
      }
      batch.push({ text, params, resolve: resolve as PendingQuery['resolve'], reject });
    });
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const result = await this.#inTransaction(work);
    await this.#wal?.sync();
    return result;
  }

  #inTransaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serially(async () => {
      let open = true;
      const tx: SqlExecutor = {
        query: async <Row extends SqlRow>(text: string, params: readonly unknown[] = []) => {
          if (!open) throw new Error('store: query on a transaction that has ended');
          return this.#run<Row>(text, params);
        },
      };
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      } finally {
        open = false;
      }
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const closing = this.#tail.then(async () => {
      try {
        await this.#wal?.close();
        this.#db.close();
      } finally {
        await this.#lock?.release();
      }
    });
    this.#tail = closing.catch(() => undefined);
    return closing;
  }

  /** Runs the batch in one transaction, each statement in a savepoint; settles every caller after the COMMIT. */
  #writeBatch(batch: PendingQuery[]): void {
    if (this.#batch === batch) this.#batch = undefined;
    const only = batch.length === 1 ? batch[0] : undefined;
    if (only !== undefined) {
      let result: SqlResult<SqlRow>;
      try {
        result = this.#run(only.text, only.params);
      } catch (error) {
        only.reject(error);
        return;
      }
      this.#settleAfterSync([only], [{ result }]);
      return;
    }
    const outcomes: Array<{ result: SqlResult<SqlRow> } | { error: unknown }> = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const pending of batch) {
        this.#db.exec('SAVEPOINT grouped');
        try {
          outcomes.push({ result: this.#run(pending.text, pending.params) });
          this.#db.exec('RELEASE grouped');
        } catch (error) {
          this.#db.exec('ROLLBACK TO grouped');
          this.#db.exec('RELEASE grouped');
          outcomes.push({ error });
        }
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.#settleAfterSync(batch, outcomes);
  }

  /** Settles each caller with its outcome, once the WAL is synced when any of them wrote. */
  #settleAfterSync(
    batch: readonly PendingQuery[],
    outcomes: ReadonlyArray<{ result: SqlResult<SqlRow> } | { error: unknown }>,
  ): void {
    const settle = (): void =>
      batch.forEach((pending, index) => {
        const outcome = outcomes[index];
        if (outcome !== undefined && 'result' in outcome) pending.resolve(outcome.result);
        else pending.reject(outcome?.error);
      });
    if (this.#wal === undefined) {
      settle();
      return;
    }
    // A statement not in the cache (it failed to prepare, or was evicted) counts as a write: synced.
    if (batch.every((pending) => this.#statements.get(pending.text)?.isRead === true)) {
      // A read may have seen a commit whose sync is still under way: it answers once that is on disk too.
      void this.#wal.synced().then(settle);
      return;
    }
    this.#wal.sync().then(settle, (error: unknown) => {
      const failure = new Error(`store: the embedded database could not sync its WAL: ${messageOf(error)}`, {
        cause: error,
      });
      for (const pending of batch) pending.reject(failure);
    });
  }

  #serially<T>(work: () => Promise<T> | T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store: the embedded database is closed'));
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #run<Row extends SqlRow>(text: string, params: readonly unknown[]): SqlResult<Row> {
    const { statement, returnsRows } = this.#prepare(text);
    const values = params.map(toSqliteValue);
    if (returnsRows) {
      const rows = statement.all(...values).map((row) => decodeRow(row) as Row);
      return { rows, rowCount: rows.length };
    }
    const { changes } = statement.run(...values);
    return { rows: [], rowCount: Number(changes) };
  }

  #prepare(text: string): Prepared {
    let prepared = this.#statements.get(text);
    if (prepared === undefined) {
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear();
      const isRead = READ.test(text);
      prepared = {
        statement: this.#db.prepare(sqliteStatement(text)),
        isRead,
        returnsRows: isRead || RETURNING.test(text),
      };
      this.#statements.set(text, prepared);
    }
    return prepared;
  }
}

/** A prepared statement, and what its text says about it (worked out once, not per run). */
interface Prepared {
  statement: StatementSync;
  /** It changes nothing: its caller needs no sync. */
  isRead: boolean;
  returnsRows: boolean;
}

const READ = /^\s*(SELECT|PRAGMA|VALUES)\b/i;
const RETURNING = /\bRETURNING\b/i;

interface PendingQuery {
  text: string;
  params: readonly unknown[];
  resolve(result: SqlResult<SqlRow>): void;
  reject(error: unknown): void;
}

type SqliteValue = null | number | bigint | string | Uint8Array;

function toSqliteValue(value: unknown): SqliteValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) return value.getTime();
  throw new Error(`store: cannot pass ${typeof value} to SQLite`);
}

/** A plain object, JSON columns parsed. */
function decodeRow(row: Record<string, unknown>): SqlRow {
  const decoded: SqlRow = {};
  for (const [column, value] of Object.entries(row)) {
    decoded[column] =
      SQLITE_JSON_COLUMNS.has(column) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return decoded;
}

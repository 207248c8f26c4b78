/** Picks the engine from the configuration and returns a ready `Store` (call `migrate()` next). */
import { openPostgresDatabase } from './postgres-database.js';
import { SqlStore } from './sql-store.js';
import { openSqliteDatabase } from './sqlite-database.js';
import type { OpenStoreOptions, Store } from './store.js';

/**
 * `DATABASE_URL` = `postgres://…`/`postgresql://…`: PostgreSQL (several replicas may share it). Unset or empty:
 * embedded SQLite under `dataDir`, for one process: it is migrated here, and since this process now holds
 * `DATA_DIR`'s lock, whatever a dead predecessor held is released at once (`recoverAfterCrash`). Anything else is
 * refused with an error naming `DATABASE_URL` (password hidden).
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now;
  const url = options.databaseUrl?.trim() ?? '';
  if (url === '') {
    const store = new SqlStore(await openSqliteDatabase(options.dataDir), now);
    try {
      await store.migrate();
      await store.recoverAfterCrash();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(
      `DATABASE_URL must start with postgres:// or postgresql:// (or be unset for the embedded store in DATA_DIR), got ${JSON.stringify(hidePassword(url))}`,
    );
  }
  return new SqlStore(openPostgresDatabase({ connectionString: url }), now);
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for error messages and logs. */
export function hidePassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

import { SqlStore } from '../../../src/store/sql-store.js';
import { openSqliteDatabase } from '../../../src/store/sqlite-database.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('sqlite', async (clock) => {
  const db = await openSqliteDatabase('memory://');
  return {
    stores: [new SqlStore(db, clock.now), new SqlStore(db, clock.now)],
    reset: async () => {
      await db.transaction(async (tx) => {
        for (const table of [
          'run_prs',
          'runs',
          'jobs',
          'leases',
          'usage_counters',
          'usage_charges',
          'run_tokens',
        ])
          await tx.query(`DELETE FROM ${table}`);
      });
    },
    query: async (text) => (await db.query(text)).rows,
    tables: async () =>
      (
        await db.query<{ name: string }>(
          `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
      ).rows.map((row) => row.name),
    teardown: () => db.close(),
  };
});

import { openPgliteDatabase } from '../../../src/store/pglite-database.js';
import { SqlStore } from '../../../src/store/sql-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('pglite', async (clock) => {
  const db = await openPgliteDatabase('memory://');
  return {
    stores: [new SqlStore(db, clock.now), new SqlStore(db, clock.now)],
    reset: async () => {
      await db.query('TRUNCATE jobs, runs, run_prs, leases');
    },
    query: async (text) => (await db.query(text)).rows,
    teardown: () => db.close(),
  };
});

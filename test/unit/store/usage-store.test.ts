import { afterAll, beforeAll } from 'vitest';
import type { SqlDatabase } from '../../../src/store/sql-database.js';
import { SqlStore } from '../../../src/store/sql-store.js';
import { openSqliteDatabase } from '../../../src/store/sqlite-database.js';
import { createTestClock } from './test-clock.js';
import { describeUsageContract } from './usage-contract.js';

const clock = createTestClock();
let db: SqlDatabase;
let stores: [SqlStore, SqlStore];
beforeAll(async () => {
  db = await openSqliteDatabase('memory://');
  stores = [new SqlStore(db, clock.now), new SqlStore(db, clock.now)];
  await stores[0].migrate();
});
afterAll(async () => {
  await db?.close();
});

describeUsageContract('sqlite', () => stores);

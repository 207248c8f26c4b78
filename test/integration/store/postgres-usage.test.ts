/**
 * The usage counters on a real PostgreSQL server: the contract shared with SQLite, then races. Several stores, each
 * with its own `pg` pool (app replicas), charge the same repository and person at the same moment, hundreds of
 * times: never more counted than the limit allows, never one refused that fits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { USAGE_SCOPES } from '../../../src/store/usage-store.js';
import { createTestClock } from '../../unit/store/test-clock.js';
import { describeUsageContract } from '../../unit/store/usage-contract.js';
import { createTestDatabase, type TestDatabase } from './postgres-test-database.js';

const REPLICAS = 4;
const clock = createTestClock();
let database: TestDatabase;
let stores: Store[];

beforeAll(async () => {
  database = await createTestDatabase();
  stores = await Promise.all(
    Array.from({ length: REPLICAS }, () =>
      openStore({ databaseUrl: database.url, dataDir: 'unused', now: clock.now }),
    ),
  );
  await stores[0]?.migrate();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await database?.drop();
});

describeUsageContract('postgres', () => [stores[0] as Store, stores[1] as Store]);

describe(`${REPLICAS} PostgreSQL replicas charging at once`, () => {
  it('never count past runs_per_day and never refuse one that fits (300 trials, 2 charges each)', async () => {
    for (let trial = 0; trial < 300; trial += 1) {
      const repoKey = `race/day-${trial}`;
      const limit = 1 + (trial % 5);
      const charges = stores.flatMap((store, replica) =>
        [0, 1].map((n) =>
          store.usage.charge({
            chargeKey: `race-day:${trial}:${replica}:${n}`,
            repoKey,
            userKey: `1:user-${replica}-${n}`,
            day: '2026-12-06',
            repoLimit: limit,
          }),
        ),
      );
      const results = await Promise.all(charges);
      const counted = results.filter((r) => r.kind === 'counted').length;
      expect(counted).toBe(Math.min(limit, charges.length));
      expect(await stores[0]?.usage.count(USAGE_SCOPES.repoRuns, repoKey, '2026-12-06')).toBe(counted);
      for (const refused of results.filter((r) => r.kind === 'refused')) {
        expect(refused).toEqual({ kind: 'refused', which: 'repo', used: limit, limit });
      }
    }
  }, 180_000);

  it('the repository and the person together: a refusal by either counts nothing in the other (200 trials)', async () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const day = '2026-12-06';
      const userKey = `2:mona-${trial}`;
      // Two repositories, one person limited to 3 runs, each repository to 2.
      const results = await Promise.all(
        stores.flatMap((store, replica) =>
          ['a', 'b'].map((repo) =>
            store.usage.charge({
              chargeKey: `race-both:${trial}:${replica}:${repo}`,
              repoKey: `race/${repo}-${trial}`,
              userKey,
              day,
              repoLimit: 2,
              userLimit: 3,
            }),
          ),
        ),
      );
      const counted = results.filter((r) => r.kind === 'counted').length;
      expect(counted).toBe(3);
      const user = await stores[1]?.usage.count(USAGE_SCOPES.userRuns, userKey, day);
      const a = (await stores[1]?.usage.count(USAGE_SCOPES.repoRuns, `race/a-${trial}`, day)) ?? 0;
      const b = (await stores[1]?.usage.count(USAGE_SCOPES.repoRuns, `race/b-${trial}`, day)) ?? 0;
      expect(user).toBe(3);
      expect(a + b).toBe(3);
      expect(Math.max(a, b)).toBeLessThanOrEqual(2);
    }
  }, 180_000);

  it('tokens reported by several replicas at once are counted once each, by difference (200 trials)', async () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const repoKey = `race/tokens-${trial}`;
      const runId = `race-run-${trial}`;
      const totals = [1_000, 2_000, 1_500, 2_500, 2_500, 900];
      await Promise.all(
        totals.map((total, index) =>
          stores[index % REPLICAS]?.usage.recordRunTokens({ runId, repoKey, month: '2026-12', total }),
        ),
      );
      expect(await stores[2]?.usage.count(USAGE_SCOPES.repoTokens, repoKey, '2026-12')).toBe(2_500);
      const stops = await Promise.all(stores.map((store) => store.usage.claimTokenStop(runId)));
      expect(stops.filter(Boolean)).toHaveLength(1);
    }
  }, 180_000);
});

/**
 * Race tests on a real PostgreSQL server: several stores, each with its own `pg` pool (app replicas), hit the same
 * rows at the same moment, hundreds of times, and the store's one-winner guarantees must hold every time: claims,
 * dedupe, installation slots, the one-active-run-per-thread lock, the final-comment claim, and migrations.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../../src/store/migrations.js';
import { openStore } from '../../../src/store/open-store.js';
import type { NewRun, Store } from '../../../src/store/store.js';
import { createTestClock } from '../../unit/store/test-clock.js';
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

/** Every replica calls `race` at once; returns their answers in replica order. */
function all<T>(race: (store: Store, index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(stores.map((store, index) => race(store, index)));
}

const newRun = (trial: number, overrides: Partial<NewRun> = {}): NewRun => ({
  backend: 'codecloud',
  installationId: 10_000 + trial,
  owner: 'octo-org',
  repo: 'widgets',
  threadKey: `octo-org/widgets#${trial}`,
  number: trial,
  targetKind: 'issue',
  triggerCommentId: trial,
  triggerKind: 'issue_comment',
  requestedBy: 'mona',
  mode: 'execute',
  prompt: `trial ${trial}`,
  ...overrides,
});

describe(`${REPLICAS} PostgreSQL replicas racing`, () => {
  it('never hand one job to two claimers, and every job is claimed (300 trials)', async () => {
    for (let trial = 0; trial < 300; trial += 1) {
      const keys = Array.from({ length: 6 }, (_, index) => `claim-${trial}-${index}`);
      for (const key of keys) await stores[0]?.enqueueJob({ dedupeKey: key, kind: 'k', payload: trial });
      const batches = await all((store) => store.claimJobs(2, 600_000));
      const rest = (await stores[1]?.claimJobs(10, 600_000)) ?? [];
      const claimed = [...batches.flat(), ...rest].map((job) => job.dedupeKey);
      expect(claimed.sort()).toEqual([...keys].sort());
      for (const job of [...batches.flat(), ...rest]) await stores[2]?.completeJob(job.id, job.attempts);
    }
  });

  it('dedupe: exactly one of the replicas records a delivery (300 trials)', async () => {
    for (let trial = 0; trial < 300; trial += 1) {
      const results = await all((store, index) =>
        store.enqueueJob({ dedupeKey: `dedupe-${trial}`, kind: 'k', payload: index }),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('slots: replicas together never exceed max_concurrent_runs (200 trials)', async () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const installationId = 20_000 + trial;
      await stores[0]?.createRun(newRun(trial, { installationId, status: 'running' }));
      for (let index = 0; index < 5; index += 1) {
        await stores[0]?.createRun(newRun(trial, { installationId, statusCommentId: index + 1 }));
      }
      const claims = await all((store) => store.claimWaitingRunsWithComment(installationId, 3));
      const ids = claims.flat().map((run) => run.id);
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);
      expect(await stores[3]?.countSlotHoldingRuns(installationId)).toBe(3);
    }
  });

  it('thread lock: of commands arriving together only one creates a run (200 trials)', async () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const results = await all((store, index) =>
        store.createRunIfThreadIdle(newRun(trial, { threadKey: `thread-${trial}`, prompt: `p${index}` })),
      );
      const created = results.flatMap((result) => ('created' in result ? [result.created] : []));
      expect(created).toHaveLength(1);
      for (const result of results) if ('busy' in result) expect(result.busy.id).toBe(created[0]?.id);
    }
  });

  it('final comment: exactly one replica claims it (200 trials)', async () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const run = await stores[0]?.createRun(newRun(trial, { status: 'completed' }));
      const results = await all((store) => store.claimFinalComment(run?.id ?? '', 60_000));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('migrations: replicas starting together apply each migration once (25 fresh schemas)', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      for (let trial = 0; trial < 25; trial += 1) {
        const schema = `fresh_${trial}`;
        await admin.query(`CREATE SCHEMA ${schema}`);
        const url = new URL(database.url);
        url.searchParams.set('options', `-c search_path=${schema}`);
        const replicas = await Promise.all(
          Array.from({ length: REPLICAS }, () =>
            openStore({ databaseUrl: url.toString(), dataDir: 'unused', now: clock.now }),
          ),
        );
        try {
          await Promise.all(replicas.map((replica) => replica.migrate()));
        } finally {
          await Promise.all(replicas.map((replica) => replica.close()));
        }
        const { rows } = await admin.query<{ version: number }>(
          `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
        );
        expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      }
    } finally {
      await admin.end();
    }
  });
});

/**
 * The store's PostgreSQL engine (`DATABASE_URL`) for real: `pg` connection pools talking to the test run's PostgreSQL
 * server (`postgres-server.ts`) over 127.0.0.1, running the same contract as the embedded engine, plus start-up,
 * health and time limits.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, POSTGRES_MIGRATIONS } from '../../../src/store/migrations.js';
import { openStore } from '../../../src/store/open-store.js';
import { openPostgresDatabase } from '../../../src/store/postgres-database.js';
import { SqlStore } from '../../../src/store/sql-store.js';
import { describeStoreContract } from '../../unit/store/store-contract.js';
import { createTestClock } from '../../unit/store/test-clock.js';
import { createTestDatabase, type TestDatabase } from './postgres-test-database.js';

describeStoreContract('postgres', async (clock) => {
  const database = await createTestDatabase();
  const options = { databaseUrl: database.url, dataDir: 'unused-with-database-url', now: clock.now };
  const stores = [await openStore(options), await openStore(options)] as const;
  const admin = new pg.Pool({ connectionString: database.url, max: 1 });
  return {
    stores: [stores[0], stores[1]],
    reset: async () => {
      await admin.query(
        'TRUNCATE jobs, runs, run_prs, leases, usage_counters, usage_charges, run_tokens, run_events',
      );
    },
    query: async (text) => (await admin.query(text)).rows,
    tables: async () =>
      (
        await admin.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
        )
      ).rows.map((row) => row.table_name),
    teardown: async () => {
      await Promise.all([stores[0].close(), stores[1].close(), admin.end()]);
      await database.drop();
    },
  };
});

describe('PostgreSQL engine start-up, health and time limits', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates a fresh database once when three replicas start at the same moment', async () => {
    const fresh = await createTestDatabase();
    const clock = createTestClock();
    const replicas = await Promise.all(
      [1, 2, 3].map(() => openStore({ databaseUrl: fresh.url, dataDir: 'unused', now: clock.now })),
    );
    const admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
    try {
      await Promise.all(replicas.map((replica) => replica.migrate()));
      const { rows } = await admin.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      expect(replicas.map((replica) => replica.engine)).toEqual(['postgres', 'postgres', 'postgres']);
    } finally {
      await admin.end();
      await Promise.all(replicas.map((replica) => replica.close()));
      await fresh.drop();
    }
  });

  it('adds the job group column (migration 3) to a database migrated by the previous release', async () => {
    const old = await createTestDatabase();
    const admin = new pg.Client({ connectionString: old.url });
    await admin.connect();
    const store = await openStore({ databaseUrl: old.url, dataDir: 'unused' });
    try {
      const db = openPostgresDatabase({ connectionString: old.url });
      expect(await applyMigrations(db, Date.now, POSTGRES_MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
      await db.close();
      await admin.query(
        `INSERT INTO jobs (dedupe_key, kind, payload, run_at, created_at) VALUES ('old', 'k', '{}', now(), now())`,
      );
      await store.migrate();
      const [job] = await store.claimJobs(5, 1_000, { excludeGroups: ['7'] });
      expect(job).toMatchObject({ dedupeKey: 'old', group: null });
    } finally {
      await admin.end();
      await store.close();
      await old.drop();
    }
  });

  it('ping answers false, without throwing, once the database is unreachable', async () => {
    const proxy = await startProxy(new URL(database.url));
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const store = await openStore({ databaseUrl: url.toString(), dataDir: 'unused' });
    try {
      expect(await store.ping()).toBe(true);
      await proxy.close();
      expect(await store.ping(2_000)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('ping answers false within its time-out when the database accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const store = await openStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir: 'unused',
    });
    try {
      const started = performance.now();
      expect(await store.ping(200)).toBe(false);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await store.close();
    }
  });

  it('survives a foreign session holding locks in an open transaction: calls fail fast, then work again', async () => {
    const store = new SqlStore(
      openPostgresDatabase({
        connectionString: database.url,
        maxConnections: 2,
        timeouts: { lockTimeoutMs: 300, statementTimeoutMs: 2_000, connectionTimeoutMs: 2_000 },
      }),
    );
    await store.migrate();
    const run = await store.createRun({
      backend: 'codecloud',
      installationId: 4,
      owner: 'o',
      repo: 'r',
      threadKey: 'o/r#1',
      number: 1,
      targetKind: 'issue',
      triggerCommentId: 1,
      triggerKind: 'issue_comment',
      requestedBy: 'mona',
      mode: 'execute',
      prompt: 'p',
    });
    const hog = new pg.Client({ connectionString: database.url });
    await hog.connect();
    try {
      // The hog locks the run's row, the slot lock of installation 4 and the whole jobs table, then stalls.
      await hog.query('BEGIN');
      await hog.query('SELECT id FROM runs WHERE id = $1 FOR UPDATE', [run.id]);
      await hog.query(`SELECT pg_advisory_xact_lock(hashtextextended('codecloud.slots:4', 0))`);
      await hog.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');

      const started = performance.now();
      const attempts = await Promise.allSettled([
        store.updateRun(run.id, { status: 'running' }),
        store.claimWaitingRunsWithComment(4, 2),
        store.enqueueJob({ dedupeKey: 'while-hogged', kind: 'k', payload: {} }),
        store.claimJobs(5, 1_000),
        store.updateRun(run.id, { status: 'running' }),
        store.claimWaitingRunsWithComment(4, 2),
      ]);
      expect(performance.now() - started).toBeLessThan(5_000);
      for (const attempt of attempts) {
        expect(attempt.status).toBe('rejected');
        if (attempt.status === 'rejected') {
          expect(String(attempt.reason)).toMatch(
            /store: PostgreSQL gave up waiting for a lock after lock_timeout/,
          );
        }
      }
      // Statements that need none of those locks still complete, and the health check answers.
      expect(await store.tryAcquireLease('reconciler', 'a', 1_000)).toBe(true);
      expect(await store.ping()).toBe(true);
    } finally {
      await hog.query('ROLLBACK').catch(() => undefined);
      await hog.end();
    }
    try {
      // The pool is whole again: more calls than connections, all completing.
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          store.enqueueJob({ dedupeKey: `after-${index}`, kind: 'k', payload: {} }),
        ),
      );
      expect(results).toEqual([true, true, true, true, true, true]);
      expect((await store.updateRun(run.id, { status: 'running' })).status).toBe('running');
      expect(await store.ping()).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('records a webhook through its intake lane while every pooled connection is held by other work', async () => {
    const db = openPostgresDatabase({
      connectionString: database.url,
      maxConnections: 2,
      timeouts: { connectionTimeoutMs: 1_000 },
    });
    const store = new SqlStore(db);
    await store.migrate();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Two long transactions (the job worker's, say) hold both pooled connections until released.
    const busy = [1, 2].map(() => db.transaction(() => held));
    try {
      const intake = store.intake();
      expect(intake).not.toBe(store);
      expect(await intake.enqueueJob({ dedupeKey: 'intake-while-busy', kind: 'k', payload: {} })).toBe(true);
      expect(await intake.getRunByRemoteId('nothing-yet')).toBeNull();
      // The pool is indeed full: a call through it gives up waiting for a connection.
      await expect(
        store.enqueueJob({ dedupeKey: 'main-while-busy', kind: 'k', payload: {} }),
      ).rejects.toThrow(/no PostgreSQL connection within 1000 ms/);
    } finally {
      release();
      await Promise.all(busy);
      await store.close();
    }
    // Closing the store closed its intake lane too.
    await expect(
      store.intake().enqueueJob({ dedupeKey: 'after-close', kind: 'k', payload: {} }),
    ).rejects.toThrow();
  });

  it('ends its own session left idle inside a transaction (a stalled replica), freeing what it locked', async () => {
    const stalled = openPostgresDatabase({
      connectionString: database.url,
      timeouts: { idleInTransactionTimeoutMs: 300 },
    });
    const store = await openStore({ databaseUrl: database.url, dataDir: 'unused' });
    await store.migrate();
    try {
      const stalledWork = stalled.transaction(async (tx) => {
        await tx.query('LOCK TABLE leases IN ACCESS EXCLUSIVE MODE');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await tx.query('SELECT 1');
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      expect(await store.tryAcquireLease('after-idle-hog', 'b', 1_000)).toBe(true);
      expect(performance.now() - started).toBeLessThan(900);
      await expect(stalledWork).rejects.toThrow();
    } finally {
      await stalled.close();
      await store.close();
    }
  });
});

/** A TCP proxy to the database, to cut the connection off. */
async function startProxy(target: URL): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

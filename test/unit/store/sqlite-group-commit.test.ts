// Group commit on the embedded SQLite engine: statements issued together are written in one transaction, yet each
// caller gets its own answer, and one failing statement fails only its own caller.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../../src/store/sql-database.js';
import { openSqliteDatabase } from '../../../src/store/sqlite-database.js';

describe('SQLite group commit', () => {
  let dir: string;
  let db: SqlDatabase;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codecloud-group-'));
    db = await openSqliteDatabase(dir);
    await db.query('CREATE TABLE t (k text PRIMARY KEY, n integer NOT NULL)');
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers each of 100 statements issued at once, and a failing one fails alone', async () => {
    const inserts = Array.from({ length: 100 }, (_, i) =>
      db.query('INSERT INTO t (k, n) VALUES ($1, $2) RETURNING k', [`k${i % 99}`, i]),
    );
    const outcomes = await Promise.allSettled(inserts);
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed).toHaveLength(1); // k0 twice: the second violates the primary key
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { rows: [{ k: 'k0' }] } });
    const { rows } = await db.query<{ c: number }>('SELECT count(*) AS c FROM t');
    expect(rows[0]?.c).toBe(99);
  });

  it('keeps what was answered after the database is closed and opened again', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.query('INSERT INTO t VALUES ($1, $2)', [`x${i}`, i])),
    );
    await db.close();
    db = await openSqliteDatabase(dir);
    const { rows } = await db.query<{ c: number }>('SELECT count(*) AS c FROM t');
    expect(rows[0]?.c).toBe(20);
  });

  it('runs statements issued after a transaction began only once it has ended', async () => {
    const order: string[] = [];
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO t VALUES ($1, $2)', ['tx', 1]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('tx');
    });
    const single = db.query('SELECT count(*) AS c FROM t').then((result) => {
      order.push('single');
      return result;
    });
    await Promise.all([tx, single]);
    expect(order).toEqual(['tx', 'single']);
    expect((await single).rows[0]).toEqual({ c: 1 });
  });
});

// GET /metrics with 100,000 runs (and 100,000 finished jobs) in the store: how long reading the store's figures
// takes (jobs by state, runs by backend and status, usage per repository today and this month) on each engine, in
// process, and how long a scrape of the real app (compiled) takes over HTTP, when it reads the store (the first
// scrape of an interval) and when it answers from the figures read last (the others).
//
// The runs are spread over the last 45 days (about 1 in 7 this month), and again all in this month; the usage family
// reads the limits' counters (50 repositories, a day's runs for each of the last 410 days or so, and 14 months of
// tokens), whatever the runs. A scrape never waits for the store once it has figures: it starts the next read in the
// background when they are older than 10 s. METRICS_BENCH_PLAN=1 also times each statement on its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { readRepositoryUsage } from '../src/metrics/store-figures.js';
import { openStore } from '../src/store/open-store.js';
import { openPostgresDatabase } from '../src/store/postgres-database.js';
import type { SqlDatabase } from '../src/store/sql-database.js';
import { openSqliteDatabase } from '../src/store/sqlite-database.js';
import type { Store } from '../src/store/store.js';
import { startHarness } from '../test/e2e/app/app-harness.js';
import startPostgres from '../test/integration/store/postgres-server.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct } from './compiled-app.js';

const RUNS = 100_000;
const REPOS = 50;
const DAY_MS = 24 * 60 * 60 * 1000;
const READS = 20;

/** 100,000 final runs over `spanDays` up to now and 100,000 finished jobs, in one statement each. */
async function seed(db: SqlDatabase, spanDays: number): Promise<void> {
  const now = Date.now();
  const step = (spanDays * DAY_MS) / RUNS;
  const postgres = db.engine === 'postgres';
  const at = (ms: string) => (postgres ? `to_timestamp((${ms}) / 1000.0)` : `(${ms})`);
  const created = at(`${now} - i * ${step}`);
  const json = postgres
    ? `jsonb_build_object('inputTokens', 1000 + i % 500, 'outputTokens', 100 + i % 50)`
    : `json_object('inputTokens', 1000 + i % 500, 'outputTokens', 100 + i % 50)`;
  const id = postgres ? 'md5(i::text)::uuid' : `printf('%08x-0000-4000-8000-%012x', i, i)`;
  const series = postgres
    ? `FROM generate_series(1::bigint, ${RUNS}) AS i`
    : `FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${RUNS}) SELECT i FROM n)`;
  await db.query('DELETE FROM runs');
  await db.query('DELETE FROM jobs');
  await db.query('DELETE FROM usage_counters');
  await db.query(
    `INSERT INTO runs (id, backend, installation_id, owner, repo, thread_key, number, target_kind, trigger_kind,
       requested_by, mode, prompt, status, result, created_at, finished_at, updated_at, final_comment_posted)
     SELECT ${id}, CASE WHEN i % 5 = 0 THEN 'cloudcoding' ELSE 'codecloud' END, 1000 + i % ${REPOS}, 'acme',
       'repo' || (i % ${REPOS}), 'acme/repo' || (i % ${REPOS}) || '#' || i, i, 'issue', 'issue_comment', 'alice',
       'execute', 'fix it', CASE i % 10 WHEN 0 THEN 'failed' WHEN 1 THEN 'stopped' ELSE 'completed' END, ${json},
       ${created}, ${created}, ${created}, ${postgres ? 'true' : '1'}
     ${series}`,
  );
  await db.query(
    `INSERT INTO jobs (dedupe_key, kind, payload, state, attempts, run_at, created_at, finished_at)
     SELECT 'github:bench-' || i, 'github.command', '{}', CASE WHEN i % 100 = 0 THEN 'dead' ELSE 'done' END, 1,
       ${at(`${now} - i * 6000`)}, ${at(`${now} - i * 6000`)}, ${at(`${now} - i * 6000`)}
     ${series}`,
  );
  // The limits' counters the usage family reads: each repository's runs per day over `spanDays` (and a year before)
  // and tokens per month.
  for (let day = 0; day < Math.ceil(spanDays) + 365; day++) {
    const period = new Date(now - day * DAY_MS).toISOString().slice(0, 10);
    for (let r = 0; r < REPOS; r++)
      await db.query(
        `INSERT INTO usage_counters (scope, key, period, count) VALUES ('repo-runs', $1, $2, 40)
         ON CONFLICT (scope, key, period) DO NOTHING`,
        [`acme/repo${r}`, period],
      );
  }
  for (let month = 0; month < 14; month++) {
    const at = new Date(now);
    const period = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - month, 1))
      .toISOString()
      .slice(0, 7);
    for (let r = 0; r < REPOS; r++)
      await db.query(
        `INSERT INTO usage_counters (scope, key, period, count) VALUES ('repo-tokens', $1, $2, 2000000)
         ON CONFLICT (scope, key, period) DO NOTHING`,
        [`acme/repo${r}`, period],
      );
  }
}

/**
 * As autovacuum leaves the tables at rest: statistics, and the visibility map that index-only counts rely on (on a
 * connection of its own: the store's pool stops statements after 15 s).
 */
async function vacuum(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** Each figure's statement timed on its own (METRICS_BENCH_PLAN=1). */
async function explain(db: SqlDatabase): Promise<void> {
  const statements: Array<[string, unknown[]]> = [
    ['SELECT state, count(*) AS n FROM jobs GROUP BY state', []],
    ['SELECT backend, status, count(*) AS n FROM runs GROUP BY backend, status', []],
    [
      `SELECT scope, key, count FROM usage_counters
       WHERE (scope = 'repo-runs' AND period = $1) OR (scope = 'repo-tokens' AND period = $2)`,
      [new Date().toISOString().slice(0, 10), new Date().toISOString().slice(0, 7)],
    ],
  ];
  for (const [text, params] of statements) {
    const started = performance.now();
    await db.query(text, params);
    const ms = performance.now() - started;
    console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${text.slice(0, 60).replace(/\s+/g, ' ')}`);
  }
}

/** p50 and the slowest of `READS` reads of the store's figures (the three statements a scrape's read makes). */
async function timeReads(open: () => Promise<Store>): Promise<string> {
  const store = await open();
  const readAll = () =>
    Promise.all([
      store.countJobsByState(),
      store.countRunsByStatus(),
      readRepositoryUsage(store, Date.now()),
    ]);
  await readAll(); // warm
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    await readAll();
    times.push(performance.now() - started);
  }
  await store.close();
  return `p50 ${pct(times, 50).toFixed(1)} ms · slowest ${Math.max(...times).toFixed(1)} ms`;
}

const label = (text: string) => text.padEnd(58);

async function inProcess(engine: 'sqlite' | 'postgres', databaseUrl: string | undefined, dataDir: string) {
  for (const [what, spanDays] of [
    ['45 days', 45],
    ['all this month', Math.max(0.5, new Date().getUTCDate() - 1)],
  ] as const) {
    const setup = await openStore({ databaseUrl, dataDir });
    await setup.migrate();
    await setup.close();
    const db = databaseUrl
      ? openPostgresDatabase({ connectionString: databaseUrl })
      : await openSqliteDatabase(dataDir);
    await seed(db, spanDays);
    if (databaseUrl) await vacuum(databaseUrl);
    if (process.env.METRICS_BENCH_PLAN) await explain(db);
    await db.close();
    const figures = await timeReads(() => openStore({ databaseUrl, dataDir }));
    console.log(`${label(`reading the figures, ${engine}, 100k runs over ${what}`)} ${figures}`);
  }
}

ensureBuilt();

// The real app over HTTP (embedded store), runs over 45 days.
{
  const h = await startHarness({
    appArgs: COMPILED_APP,
    env: { ...COMPILED_APP_ENV, METRICS_TOKEN: 'bench-token', RECONCILE_INTERVAL_SECONDS: '600' },
  });
  try {
    await h.app.stop();
    const db = await openSqliteDatabase(h.dataDir);
    await seed(db, 45);
    await db.close();
    await h.restart();
    const timed = async (path: string): Promise<number> => {
      const started = performance.now();
      const response = await fetch(`${h.app.url}${path}`, {
        headers: { authorization: 'Bearer bench-token' },
      });
      await response.text();
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
      return performance.now() - started;
    };
    await timed('/metrics'); // the first figures
    const first: number[] = [];
    const scrapes: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setTimeout(resolve, 10_500)); // past the figures' interval
      first.push(await timed('/metrics'));
      for (let i = 0; i < READS; i++) {
        scrapes.push(await timed('/metrics'));
        floor.push(await timed('/healthz'));
      }
    }
    console.log(
      `${label('GET /metrics, real app (SQLite), 100k runs')} p50 ${pct(scrapes, 50).toFixed(1)} ms · p99 ${pct(scrapes, 99).toFixed(1)} ms (${scrapes.length} scrapes)`,
    );
    console.log(
      `${label('  the first past the interval (starts the next read)')} p50 ${pct(first, 50).toFixed(1)} ms · slowest ${Math.max(...first).toFixed(1)} ms`,
    );
    console.log(
      `${label('  floor: GET /healthz, same app, in between')} p50 ${pct(floor, 50).toFixed(1)} ms · p99 ${pct(floor, 99).toFixed(1)} ms`,
    );
  } finally {
    await h.close();
  }
}

{
  const dataDir = await mkdtemp(join(tmpdir(), 'codecloud-metrics-bench-'));
  try {
    await inProcess('sqlite', undefined, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// PostgreSQL: the test tiers' embedded server, one database for the bench.
{
  let adminUrl = '';
  const stop = await startPostgres({
    provide: (_key: string, value: string) => {
      adminUrl = value;
    },
  } as unknown as TestProject);
  try {
    const admin = openPostgresDatabase({ connectionString: adminUrl });
    // The server starts in the background: wait until it answers.
    for (let i = 0; ; i++) {
      try {
        await admin.query('SELECT 1');
        break;
      } catch (error) {
        if (i >= 120) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await admin.query('DROP DATABASE IF EXISTS metrics_bench');
    await admin.query('CREATE DATABASE metrics_bench');
    await admin.close();
    await inProcess('postgres', adminUrl.replace(/\/[^/]*$/, '/metrics_bench'), 'unused');
  } finally {
    await stop();
  }
}

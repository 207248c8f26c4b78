/**
 * Schema migrations, applied in order at start-up by `Store.migrate()`, each recorded in `schema_migrations`.
 * Append new migrations; never edit one that has shipped. PostgreSQL and SQLite have a list each: the same tables
 * and columns, in each one's types (SQLite keeps times as integer epoch ms and JSON as text).
 */
import type { SqlDatabase } from './sql-database.js';
import type { SqlEngine } from './sql-dialect.js';

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

const NON_FINAL = `('waiting', 'starting', 'queued', 'running')`;

/**
 * `GET /metrics` counts jobs by state and runs by backend and status (index-only scans), and sums this month's runs
 * and tokens per repository: `tokens` is computed from `result` by the database (0 when absent), and the usage index
 * covers the whole query (a range on `created_at`).
 */
const METRICS_INDEXES = [
  `CREATE INDEX jobs_state ON jobs (state)`,
  `CREATE INDEX runs_backend_status ON runs (backend, status)`,
];
const TOKEN = (key: string, engine: 'postgres' | 'sqlite') =>
  engine === 'postgres'
    ? `CASE WHEN jsonb_typeof(result->'${key}') = 'number' THEN (result->>'${key}')::numeric ELSE 0 END`
    : `CASE WHEN json_type(result, '$.${key}') IN ('integer', 'real') THEN CAST(json_extract(result, '$.${key}') AS INTEGER) ELSE 0 END`;
const POSTGRES_METRICS = [
  ...METRICS_INDEXES,
  `ALTER TABLE runs ADD COLUMN tokens numeric GENERATED ALWAYS AS
     (${TOKEN('inputTokens', 'postgres')} + ${TOKEN('outputTokens', 'postgres')}) STORED`,
  `CREATE INDEX runs_usage ON runs (created_at, owner, repo) INCLUDE (tokens)`,
];
const SQLITE_METRICS = [
  ...METRICS_INDEXES,
  `ALTER TABLE runs ADD COLUMN tokens integer GENERATED ALWAYS AS
     (${TOKEN('inputTokens', 'sqlite')} + ${TOKEN('outputTokens', 'sqlite')}) VIRTUAL`,
  `CREATE INDEX runs_usage ON runs (created_at, owner, repo, tokens)`,
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, runs, run_prs, leases',
    statements: [
      `CREATE TABLE jobs (
        id bigserial PRIMARY KEY,
        dedupe_key text NOT NULL,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        run_at timestamptz NOT NULL,
        lease_until timestamptz,
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        CONSTRAINT jobs_dedupe_key_unique UNIQUE (dedupe_key)
      )`,
      `CREATE INDEX jobs_claimable ON jobs (run_at, id) WHERE state IN ('pending', 'leased')`,
      `CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'dead')`,
      `CREATE TABLE runs (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL,
        backend text NOT NULL CHECK (backend IN ('codecloud', 'cloudcoding')),
        remote_run_id text,
        cloudcoding_thread_id text,
        installation_id bigint NOT NULL,
        owner text NOT NULL,
        repo text NOT NULL,
        thread_key text NOT NULL,
        number integer NOT NULL,
        target_kind text NOT NULL CHECK (target_kind IN ('issue', 'pull_request')),
        review_comment_thread_id bigint,
        trigger_comment_id bigint,
        trigger_kind text NOT NULL
          CHECK (trigger_kind IN ('issue_comment', 'review_comment', 'review', 'issue_body', 'label')),
        requested_by text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('execute', 'plan')),
        prompt text NOT NULL,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        status_comment_id bigint,
        status text NOT NULL CHECK (status IN
          ('waiting', 'starting', 'queued', 'running', 'completed', 'failed', 'stopped', 'timed_out')),
        remote_status text,
        result jsonb NOT NULL DEFAULT '{}'::jsonb,
        stop_requested_by text,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        deadline_at timestamptz,
        last_comment_edit_at timestamptz,
        last_comment_body_hash text,
        progress jsonb,
        final_comment_posted boolean NOT NULL DEFAULT false,
        follow_up_count integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE UNIQUE INDEX runs_remote_run_id_unique ON runs (backend, remote_run_id) WHERE remote_run_id IS NOT NULL`,
      `CREATE INDEX runs_thread_latest ON runs (thread_key, seq DESC)`,
      `CREATE INDEX runs_active ON runs (seq) WHERE status IN ${NON_FINAL}`,
      `CREATE INDEX runs_waiting ON runs (installation_id, seq) WHERE status = 'waiting'`,
      `CREATE INDEX runs_slot_holding ON runs (installation_id) WHERE status IN ('starting', 'queued', 'running')`,
      `CREATE INDEX runs_deadline ON runs (deadline_at) WHERE deadline_at IS NOT NULL AND status IN ${NON_FINAL}`,
      `CREATE TABLE run_prs (
        repo text NOT NULL,
        pr_number integer NOT NULL,
        run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        PRIMARY KEY (repo, pr_number, run_id)
      )`,
      `CREATE INDEX run_prs_run ON run_prs (run_id)`,
      `CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'final comment retries',
    statements: [
      `ALTER TABLE runs ADD COLUMN final_comment_attempts integer NOT NULL DEFAULT 0`,
      `ALTER TABLE runs ADD COLUMN final_comment_retry_at timestamptz`,
      `CREATE INDEX runs_final_comment_due ON runs (final_comment_retry_at)
       WHERE status NOT IN ${NON_FINAL} AND (NOT final_comment_posted OR final_comment_retry_at IS NOT NULL)`,
    ],
  },
  {
    version: 3,
    name: 'job fairness groups',
    statements: [`ALTER TABLE jobs ADD COLUMN job_group text`],
  },
  {
    version: 10,
    name: 'autofix: attempts per pull request, one-time marks',
    statements: [
      `CREATE TABLE autofix_pulls (
        pull_key text PRIMARY KEY,
        attempts integer NOT NULL DEFAULT 0,
        handled_sha text,
        claimed_by text,
        paused integer NOT NULL DEFAULT 0
      )`,
      `CREATE TABLE once_marks (
        key text PRIMARY KEY,
        value text
      )`,
    ],
  },
  {
    version: 20,
    name: 'usage counters, charges and run tokens',
    statements: [
      `CREATE TABLE usage_counters (
        scope text NOT NULL,
        key text NOT NULL,
        period text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (scope, key, period)
      )`,
      `CREATE TABLE usage_charges (
        charge_key text PRIMARY KEY,
        repo_key text NOT NULL,
        user_key text NOT NULL,
        period text NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      `CREATE TABLE run_tokens (
        run_id text PRIMARY KEY,
        tokens bigint NOT NULL,
        base bigint NOT NULL DEFAULT 0,
        stop_claimed_at timestamptz
      )`,
    ],
  },
  {
    version: 21,
    name: 'usage counters by period',
    // Each repository's counters of one day or month (the metrics' usage family, the dashboard's usage view).
    statements: ['CREATE INDEX usage_counters_period ON usage_counters (scope, period, key)'],
  },
  {
    version: 30,
    name: 'indexes for the metrics figures',
    statements: POSTGRES_METRICS,
  },
  {
    version: 40,
    name: 'run events and dashboard indexes',
    statements: [
      `CREATE TABLE run_events (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        at timestamptz NOT NULL,
        status text NOT NULL,
        detail text
      )`,
      `CREATE INDEX run_events_run ON run_events (run_id, id)`,
      `CREATE INDEX runs_repo_seq ON runs (owner, repo, seq)`,
      `CREATE INDEX runs_created ON runs (created_at)`,
    ],
  },
  {
    version: 60,
    name: 'kept schedules',
    statements: [
      `CREATE TABLE kept_schedules (
        remote_schedule_id text PRIMARY KEY,
        installation_id bigint NOT NULL,
        repo text NOT NULL,
        name text NOT NULL,
        kept_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 70,
    name: 'drop the unused run usage index and tokens column',
    // Usage per repository is read from the limits' counters (`usage_counters`), never from `runs`.
    statements: ['DROP INDEX runs_usage', 'ALTER TABLE runs DROP COLUMN tokens'],
  },
];

/** The same schema as `POSTGRES_MIGRATIONS` on SQLite; its versions count on their own. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, runs, run_prs, leases',
    statements: [
      `CREATE TABLE jobs (
        id integer PRIMARY KEY AUTOINCREMENT,
        dedupe_key text NOT NULL UNIQUE,
        kind text NOT NULL,
        payload text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        run_at integer NOT NULL,
        lease_until integer,
        created_at integer NOT NULL,
        finished_at integer,
        job_group text
      ) STRICT`,
      `CREATE INDEX jobs_claimable ON jobs (run_at, id) WHERE state IN ('pending', 'leased')`,
      `CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'dead')`,
      `CREATE TABLE runs (
        seq integer PRIMARY KEY AUTOINCREMENT,
        id text NOT NULL UNIQUE,
        backend text NOT NULL CHECK (backend IN ('codecloud', 'cloudcoding')),
        remote_run_id text,
        cloudcoding_thread_id text,
        installation_id integer NOT NULL,
        owner text NOT NULL,
        repo text NOT NULL,
        thread_key text NOT NULL,
        number integer NOT NULL,
        target_kind text NOT NULL CHECK (target_kind IN ('issue', 'pull_request')),
        review_comment_thread_id integer,
        trigger_comment_id integer,
        trigger_kind text NOT NULL
          CHECK (trigger_kind IN ('issue_comment', 'review_comment', 'review', 'issue_body', 'label')),
        requested_by text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('execute', 'plan')),
        prompt text NOT NULL,
        options text NOT NULL DEFAULT '{}',
        status_comment_id integer,
        status text NOT NULL CHECK (status IN
          ('waiting', 'starting', 'queued', 'running', 'completed', 'failed', 'stopped', 'timed_out')),
        remote_status text,
        result text NOT NULL DEFAULT '{}',
        stop_requested_by text,
        created_at integer NOT NULL,
        started_at integer,
        finished_at integer,
        deadline_at integer,
        last_comment_edit_at integer,
        last_comment_body_hash text,
        progress text,
        final_comment_posted integer NOT NULL DEFAULT 0 CHECK (final_comment_posted IN (0, 1)),
        follow_up_count integer NOT NULL DEFAULT 0,
        updated_at integer NOT NULL,
        final_comment_attempts integer NOT NULL DEFAULT 0,
        final_comment_retry_at integer
      ) STRICT`,
      `CREATE UNIQUE INDEX runs_remote_run_id_unique ON runs (backend, remote_run_id) WHERE remote_run_id IS NOT NULL`,
      `CREATE INDEX runs_thread_latest ON runs (thread_key, seq DESC)`,
      `CREATE INDEX runs_active ON runs (seq) WHERE status IN ${NON_FINAL}`,
      `CREATE INDEX runs_waiting ON runs (installation_id, seq) WHERE status = 'waiting'`,
      `CREATE INDEX runs_slot_holding ON runs (installation_id) WHERE status IN ('starting', 'queued', 'running')`,
      `CREATE INDEX runs_deadline ON runs (deadline_at) WHERE deadline_at IS NOT NULL AND status IN ${NON_FINAL}`,
      `CREATE INDEX runs_final_comment_due ON runs (final_comment_retry_at)
       WHERE status NOT IN ${NON_FINAL} AND (NOT final_comment_posted OR final_comment_retry_at IS NOT NULL)`,
      `CREATE TABLE run_prs (
        repo text NOT NULL,
        pr_number integer NOT NULL,
        run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        PRIMARY KEY (repo, pr_number, run_id)
      ) STRICT`,
      `CREATE INDEX run_prs_run ON run_prs (run_id)`,
      `CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at integer NOT NULL
      ) STRICT`,
    ],
  },
  {
    version: 10,
    name: 'autofix: attempts per pull request, one-time marks',
    statements: [
      `CREATE TABLE autofix_pulls (
        pull_key text PRIMARY KEY,
        attempts integer NOT NULL DEFAULT 0,
        handled_sha text,
        claimed_by text,
        paused integer NOT NULL DEFAULT 0
      ) STRICT`,
      `CREATE TABLE once_marks (
        key text PRIMARY KEY,
        value text
      ) STRICT`,
    ],
  },
  {
    version: 20,
    name: 'usage counters, charges and run tokens',
    statements: [
      `CREATE TABLE usage_counters (
        scope text NOT NULL,
        key text NOT NULL,
        period text NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (scope, key, period)
      ) STRICT`,
      `CREATE TABLE usage_charges (
        charge_key text PRIMARY KEY,
        repo_key text NOT NULL,
        user_key text NOT NULL,
        period text NOT NULL,
        created_at integer NOT NULL
      ) STRICT`,
      `CREATE TABLE run_tokens (
        run_id text PRIMARY KEY,
        tokens integer NOT NULL,
        base integer NOT NULL DEFAULT 0,
        stop_claimed_at integer
      ) STRICT`,
    ],
  },
  {
    version: 21,
    name: 'usage counters by period',
    // Each repository's counters of one day or month (the metrics' usage family, the dashboard's usage view).
    statements: ['CREATE INDEX usage_counters_period ON usage_counters (scope, period, key)'],
  },
  {
    version: 30,
    name: 'indexes for the metrics figures',
    statements: SQLITE_METRICS,
  },
  {
    version: 40,
    name: 'run events and dashboard indexes',
    statements: [
      `CREATE TABLE run_events (
        id integer PRIMARY KEY AUTOINCREMENT,
        run_id text NOT NULL,
        at integer NOT NULL,
        status text NOT NULL,
        detail text
      ) STRICT`,
      `CREATE INDEX run_events_run ON run_events (run_id, id)`,
      `CREATE INDEX runs_repo_seq ON runs (owner, repo, seq)`,
      `CREATE INDEX runs_created ON runs (created_at)`,
    ],
  },
  {
    version: 60,
    name: 'kept schedules',
    statements: [
      `CREATE TABLE kept_schedules (
        remote_schedule_id text PRIMARY KEY,
        installation_id integer NOT NULL,
        repo text NOT NULL,
        name text NOT NULL,
        kept_at integer NOT NULL
      ) STRICT`,
    ],
  },
  {
    version: 70,
    name: 'drop the unused run usage index and tokens column',
    // Usage per repository is read from the limits' counters (`usage_counters`), never from `runs`.
    statements: ['DROP INDEX runs_usage', 'ALTER TABLE runs DROP COLUMN tokens'],
  },
];

export function migrationsFor(engine: SqlEngine): readonly Migration[] {
  return engine === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS;
}

/** Arbitrary constant key of the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK_KEY = 7_303_716_543_211;

/** On PostgreSQL, how long a replica waits for another's migrations (the pool's own `lock_timeout` is shorter). */
const MIGRATION_WAIT = '120s';

/**
 * Applies the migrations not yet recorded, in version order, in one transaction: on PostgreSQL under an advisory
 * lock, so a second replica starting at the same moment waits, then finds nothing to do (SQLite's write
 * transactions are serial anyway). Versions recorded by newer code are left alone (a rolling deploy may briefly run
 * old code on a newer schema). Returns the versions applied.
 */
export async function applyMigrations(
  db: SqlDatabase,
  now: () => number,
  migrations: readonly Migration[] = migrationsFor(db.engine),
): Promise<number[]> {
  assertOrdered(migrations);
  const postgres = db.engine === 'postgres';
  return db.transaction(async (tx) => {
    if (postgres) {
      await tx.query(`SET LOCAL lock_timeout = '${MIGRATION_WAIT}'`);
      await tx.query(`SET LOCAL statement_timeout = '${MIGRATION_WAIT}'`);
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at ${postgres ? 'timestamptz' : 'integer'} NOT NULL
      )`,
    );
    const { rows } = await tx.query<{ version: unknown }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3::timestamptz)',
        [migration.version, migration.name, postgres ? new Date(now()).toISOString() : now()],
      );
      done.push(migration.version);
    }
    return done;
  });
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous !== undefined && migration.version <= previous.version) {
      throw new Error(`migrations out of order: ${previous.version} is followed by ${migration.version}`);
    }
  });
}

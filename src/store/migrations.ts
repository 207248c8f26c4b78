/**
 * Schema migrations, applied in order at start-up by `Store.migrate()`, each recorded in `schema_migrations`.
 * Append new migrations; never edit one that has shipped. The same SQL runs on PGlite and PostgreSQL.
 */
import type { SqlDatabase } from './sql-database.js';

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

const NON_FINAL = `('waiting', 'starting', 'queued', 'running')`;

const MIGRATIONS: readonly Migration[] = [
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
];

/** Arbitrary constant key of the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK_KEY = 7_303_716_543_211;

/**
 * Applies the migrations not yet recorded, in version order, in one transaction under an advisory lock: a second
 * replica starting at the same moment waits, then finds nothing to do. Versions recorded by newer code are left
 * alone (a rolling deploy may briefly run old code on a newer schema). Returns the versions applied.
 */
export async function applyMigrations(
  db: SqlDatabase,
  now: () => number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  assertOrdered(migrations);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL
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
        [migration.version, migration.name, new Date(now()).toISOString()],
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

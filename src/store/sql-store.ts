/**
 * The one `Store` implementation: SQL over a `SqlDatabase` (SQLite or `pg`), written once in PostgreSQL's syntax with
 * the few engine differences taken from `sql-dialect.ts`.
 * Concurrency on PostgreSQL: claims use `FOR UPDATE SKIP LOCKED`, slot accounting and the thread check an advisory
 * transaction lock, dedupe a unique constraint, and one-winner flags a conditional UPDATE. On SQLite every statement
 * and transaction runs alone (one connection, `BEGIN IMMEDIATE`), so the same statements need no locks.
 */

import { randomUUID } from 'node:crypto';
import {
  type Backend,
  type LocalRunStatus,
  NON_FINAL_LOCAL_RUN_STATUSES,
  SLOT_HOLDING_RUN_STATUSES,
} from '../vocabulary.js';
import {
  type AutofixClaim,
  type AutofixClaimInput,
  claimAutofixAttempt,
  deleteMark,
  markOnce,
  readMark,
  setAutofixPaused,
  writeMark,
} from './autofix-store.js';
import { listDashboardRuns, listRunEvents, recordRunEvent } from './dashboard-queries.js';
import { applyMigrations } from './migrations.js';
import { jobFromRow, jsonParam, runFromRow, toMs, toNumber } from './row-mapping.js';
import type { SqlDatabase, SqlExecutor, SqlRow } from './sql-database.js';
import { dialectOf, type SqlDialect } from './sql-dialect.js';
import {
  type CompletionSign,
  type DashboardRunQuery,
  type EnqueueJobInput,
  type Job,
  type JobStateCount,
  type KeptSchedule,
  type NewRun,
  RELEASED_AT_SHUTDOWN,
  type RecoveredClaims,
  type Run,
  type RunEvent,
  type RunPatch,
  type RunPullRequest,
  type RunStatusCount,
  type Store,
} from './store.js';
import { UsageStore } from './usage-store.js';

/** A health check that hangs is as bad as a failed one: `/healthz` must answer. */
const PING_TIMEOUT_MS = 3_000;

/** How each patchable field is written: its column and how its value becomes a parameter. */
const RUN_PATCH_COLUMNS: {
  [K in keyof RunPatch]-?: {
    column: string;
    cast: string;
    param: (value: RunPatch[K], dialect: SqlDialect) => unknown;
  };
} = {
  remoteRunId: { column: 'remote_run_id', cast: 'text', param: (v) => v },
  cloudcodingThreadId: { column: 'cloudcoding_thread_id', cast: 'text', param: (v) => v },
  statusCommentId: { column: 'status_comment_id', cast: 'bigint', param: (v) => v },
  status: { column: 'status', cast: 'text', param: (v) => v },
  remoteStatus: { column: 'remote_status', cast: 'text', param: (v) => v },
  result: { column: 'result', cast: 'jsonb', param: (v) => jsonParam(v) },
  stopRequestedBy: { column: 'stop_requested_by', cast: 'text', param: (v) => v },
  startedAt: { column: 'started_at', cast: 'timestamptz', param: (v, d) => d.time(v ?? null) },
  finishedAt: { column: 'finished_at', cast: 'timestamptz', param: (v, d) => d.time(v ?? null) },
  deadlineAt: { column: 'deadline_at', cast: 'timestamptz', param: (v, d) => d.time(v ?? null) },
  progress: { column: 'progress', cast: 'jsonb', param: (v) => jsonParam(v) },
  prompt: { column: 'prompt', cast: 'text', param: (v) => v },
  mode: { column: 'mode', cast: 'text', param: (v) => v },
  options: { column: 'options', cast: 'jsonb', param: (v) => jsonParam(v) },
};

export class SqlStore implements Store {
  readonly #db: SqlDatabase;
  readonly #now: () => number;
  readonly #dialect: SqlDialect;
  readonly usage: UsageStore;
  #intake: Store | undefined;

  constructor(db: SqlDatabase, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#dialect = dialectOf(db.engine);
    this.usage = new UsageStore(db, now);
  }

  intake(): Store {
    const lane = this.#db.intakeLane();
    this.#intake ??= lane === this.#db ? this : new SqlStore(lane, this.#now);
    return this.#intake;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.#db.engine;
  }

  async migrate(): Promise<void> {
    await applyMigrations(this.#db, this.#now);
  }

  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const answered = this.#db
      .query<{ ok: unknown }>('SELECT 1 AS ok')
      .then(({ rows }) => toNumber(rows[0]?.ok) === 1)
      .catch(() => false);
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  recoverAfterCrash(): Promise<RecoveredClaims> {
    const now = this.#time(this.#now());
    return this.#db.transaction(async (tx) => {
      const leased = await tx.query(
        `UPDATE jobs SET lease_until = $1::timestamptz WHERE state = 'leased' AND lease_until > $1::timestamptz`,
        [now],
      );
      const released = await tx.query(
        `UPDATE jobs SET run_at = $1::timestamptz
         WHERE state = 'pending' AND last_error = $2 AND run_at > $1::timestamptz`,
        [now, RELEASED_AT_SHUTDOWN],
      );
      const leases = await tx.query(`DELETE FROM leases WHERE name NOT LIKE 'not-before:%'`);
      const finalComments = await tx.query(
        `UPDATE runs SET final_comment_retry_at = $1::timestamptz
         WHERE final_comment_posted AND final_comment_retry_at > $1::timestamptz`,
        [now],
      );
      return {
        jobs: leased.rowCount + released.rowCount,
        leases: leases.rowCount,
        finalComments: finalComments.rowCount,
      };
    });
  }

  // ---------------------------------------------------------------- jobs

  async enqueueJob(input: EnqueueJobInput): Promise<boolean> {
    const now = this.#now();
    const { rows } = await this.#db.query(
      `INSERT INTO jobs (dedupe_key, kind, payload, run_at, created_at, job_group)
       VALUES ($1, $2, $3::jsonb, $4::timestamptz, $5::timestamptz, $6)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        input.dedupeKey,
        input.kind,
        jsonParam(input.payload) ?? 'null',
        this.#time(input.runAt ?? now),
        this.#time(now),
        input.group ?? null,
      ],
    );
    return rows.length === 1;
  }

  async claimJobs(
    limit: number,
    leaseMs: number,
    options: { excludeGroups?: readonly string[] } = {},
  ): Promise<Job[]> {
    assertPositiveInteger('limit', limit);
    assertPositiveInteger('leaseMs', leaseMs);
    const now = this.#now();
    const params: unknown[] = [this.#time(now), limit, this.#time(now + leaseMs)];
    const excluded = [...new Set(options.excludeGroups ?? [])].map((group) => {
      params.push(group);
      return `$${params.length}`;
    });
    const groupFilter =
      excluded.length === 0 ? '' : `AND (job_group IS NULL OR job_group NOT IN (${excluded.join(', ')}))`;
    const { rows } = await this.#db.query(
      `WITH due AS (
         SELECT id FROM jobs
         WHERE ((state = 'pending' AND run_at <= $1::timestamptz)
            OR (state = 'leased' AND lease_until <= $1::timestamptz))
           ${groupFilter}
         ORDER BY run_at, id
         LIMIT $2
         ${this.#dialect.skipLocked}
       )
       UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_until = $3::timestamptz
       WHERE id IN (SELECT id FROM due)
       RETURNING *`,
      params,
    );
    return rows
      .sort((a, b) => toMs(a.run_at) - toMs(b.run_at) || toNumber(a.id) - toNumber(b.id))
      .map(jobFromRow);
  }

  async renewJobLease(job: Pick<Job, 'id' | 'attempts'>, leaseMs: number): Promise<boolean> {
    assertPositiveInteger('leaseMs', leaseMs);
    if (!isJobId(job.id)) return false;
    const { rows } = await this.#db.query(
      `UPDATE jobs SET lease_until = $3::timestamptz
       WHERE id = $1::bigint AND state = 'leased' AND attempts = $2::integer
       RETURNING id`,
      [job.id, job.attempts, this.#time(this.#now() + leaseMs)],
    );
    return rows.length === 1;
  }

  async completeJob(id: string, attempts?: number): Promise<void> {
    if (!isJobId(id)) return;
    const params: unknown[] = [id, this.#time(this.#now())];
    await this.#db.query(
      `UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = $2::timestamptz
       WHERE id = $1::bigint AND ${stillHeld(params, attempts)}`,
      params,
    );
  }

  async failJob(id: string, error: string, retryAt: number | null, attempts?: number): Promise<void> {
    if (!isJobId(id)) return;
    if (retryAt === null) {
      const params: unknown[] = [id, error, this.#time(this.#now())];
      await this.#db.query(
        `UPDATE jobs SET state = 'dead', last_error = $2, lease_until = NULL, finished_at = $3::timestamptz
         WHERE id = $1::bigint AND ${stillHeld(params, attempts)}`,
        params,
      );
      return;
    }
    const params: unknown[] = [id, error, this.#time(retryAt)];
    await this.#db.query(
      `UPDATE jobs SET state = 'pending', last_error = $2, lease_until = NULL, run_at = $3::timestamptz
       WHERE id = $1::bigint AND ${stillHeld(params, attempts)}`,
      params,
    );
  }

  async pruneJobs(before: number): Promise<number> {
    const { rowCount } = await this.#db.query(
      `DELETE FROM jobs WHERE state IN ('done', 'dead') AND finished_at < $1::timestamptz`,
      [this.#time(before)],
    );
    return rowCount;
  }

  // ---------------------------------------------------------------- runs

  createRun(input: NewRun): Promise<Run> {
    return this.#insertRun(this.#db, input);
  }

  createRunIfThreadIdle(input: NewRun): Promise<{ created: Run } | { busy: Run }> {
    return this.#db.transaction(async (tx) => {
      await this.#lockKey(tx, `codecloud.thread:${input.threadKey}`);
      const { rows } = await tx.query(
        `SELECT * FROM runs WHERE thread_key = $1 AND status IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)}
         ORDER BY seq DESC LIMIT 1`,
        [input.threadKey],
      );
      if (rows[0]) return { busy: runFromRow(rows[0]) };
      return { created: await this.#insertRun(tx, input) };
    });
  }

  async #insertRun(db: SqlExecutor, input: NewRun): Promise<Run> {
    const now = this.#time(this.#now());
    const { rows } = await db.query(
      `INSERT INTO runs (
         id, backend, remote_run_id, cloudcoding_thread_id, installation_id, owner, repo, thread_key, number,
         target_kind, review_comment_thread_id, trigger_comment_id, trigger_kind, requested_by, mode, prompt,
         options, status_comment_id, status, deadline_at, created_at, updated_at
       ) VALUES (
         $1::uuid, $2, $3, $4, $5::bigint, $6, $7, $8, $9,
         $10, $11::bigint, $12::bigint, $13, $14, $15, $16,
         $17::jsonb, $18::bigint, $19, $20::timestamptz, $21::timestamptz, $21::timestamptz
       ) RETURNING *`,
      [
        randomUUID(),
        input.backend,
        input.remoteRunId ?? null,
        input.cloudcodingThreadId ?? null,
        input.installationId,
        input.owner,
        input.repo,
        input.threadKey,
        input.number,
        input.targetKind,
        input.reviewCommentThreadId ?? null,
        input.triggerCommentId,
        input.triggerKind,
        input.requestedBy,
        input.mode,
        input.prompt,
        jsonParam(input.options ?? {}),
        input.statusCommentId ?? null,
        input.status ?? 'waiting',
        this.#time(input.deadlineAt ?? null),
        now,
      ],
    );
    return runFromRow(firstRow(rows, 'createRun'));
  }

  async getRun(id: string): Promise<Run | null> {
    if (!isUuid(id)) return null;
    return this.#oneRun('SELECT * FROM runs WHERE id = $1::uuid', [id]);
  }

  getRunByRemoteId(remoteRunId: string, backend: Backend = 'codecloud'): Promise<Run | null> {
    return this.#oneRun('SELECT * FROM runs WHERE backend = $1 AND remote_run_id = $2', [
      backend,
      remoteRunId,
    ]);
  }

  latestRunForThread(threadKey: string): Promise<Run | null> {
    return this.#oneRun('SELECT * FROM runs WHERE thread_key = $1 ORDER BY seq DESC LIMIT 1', [threadKey]);
  }

  findRunByPullRequest(repo: string, number: number): Promise<Run | null> {
    return this.#oneRun(
      `SELECT runs.* FROM run_prs JOIN runs ON runs.id = run_prs.run_id
       WHERE run_prs.repo = $1 AND run_prs.pr_number = $2
       ORDER BY runs.seq DESC LIMIT 1`,
      [repo.toLowerCase(), number],
    );
  }

  async listActiveRunsAfter(afterId: string | null, limit: number): Promise<Run[]> {
    assertPositiveInteger('limit', limit);
    if (afterId !== null && !isUuid(afterId)) return [];
    const { rows } = await this.#db.query(
      `SELECT * FROM runs WHERE status IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)}
         AND ($1::uuid IS NULL OR seq > (SELECT seq FROM runs WHERE id = $1::uuid))
       ORDER BY seq LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(runFromRow);
  }

  async countSlotHoldingRuns(installationId: number): Promise<number> {
    return countSlotHolding(this.#db, installationId);
  }

  async oldestWaitingRuns(installationId: number, limit: number): Promise<Run[]> {
    const { rows } = await this.#db.query(
      `SELECT * FROM runs WHERE installation_id = $1::bigint AND status = 'waiting' ORDER BY seq LIMIT $2`,
      [installationId, limit],
    );
    return rows.map(runFromRow);
  }

  async installationsWithWaitingRuns(): Promise<number[]> {
    const { rows } = await this.#db.query(
      `SELECT DISTINCT installation_id FROM runs WHERE status = 'waiting' ORDER BY installation_id`,
    );
    return rows.map((row) => toNumber(row.installation_id));
  }

  claimWaitingRunsWithComment(installationId: number, maxConcurrent: number): Promise<Run[]> {
    return this.#db.transaction(async (tx) => {
      await this.#lockKey(tx, `codecloud.slots:${installationId}`);
      const free = maxConcurrent - (await countSlotHolding(tx, installationId));
      if (free <= 0) return [];
      const { rows } = await tx.query(
        `WITH next AS (
           SELECT id FROM runs
           WHERE installation_id = $1::bigint AND status = 'waiting' AND status_comment_id IS NOT NULL
           ORDER BY seq LIMIT $2 ${this.#dialect.skipLocked}
         )
         UPDATE runs SET status = 'starting', updated_at = $3::timestamptz
         WHERE id IN (SELECT id FROM next)
         RETURNING *`,
        [installationId, free, this.#time(this.#now())],
      );
      const runs = rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq)).map(runFromRow);
      for (const run of runs) {
        await recordRunEvent(tx, this.#dialect, {
          runId: run.id,
          at: run.updatedAt,
          status: 'starting',
          detail: null,
        });
      }
      return runs;
    });
  }

  async listRunsPastDeadline(): Promise<Run[]> {
    const { rows } = await this.#db.query(
      `SELECT * FROM runs
       WHERE status IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)} AND deadline_at IS NOT NULL AND deadline_at <= $1::timestamptz
       ORDER BY deadline_at, seq`,
      [this.#time(this.#now())],
    );
    return rows.map(runFromRow);
  }

  async updateRun(id: string, patch: RunPatch): Promise<Run> {
    const run = await this.#patchRun(id, null, patch);
    if (run === null) throw new Error(`store: no run with id ${id}`);
    return run;
  }

  transitionRun(id: string, from: readonly LocalRunStatus[], patch: RunPatch): Promise<Run | null> {
    if (from.length === 0) return Promise.resolve(null);
    return this.#patchRun(id, from, patch);
  }

  async unmarkFinalCommentPosted(id: string): Promise<void> {
    if (!isUuid(id)) return;
    await this.#db.query(
      // A claim of the previous final edit still in flight is forgotten too (its confirm no longer applies).
      `UPDATE runs SET final_comment_posted = false, final_comment_retry_at = NULL, final_comment_attempts = 0,
         updated_at = $2::timestamptz WHERE id = $1::uuid`,
      [id, this.#time(this.#now())],
    );
  }

  async claimFinalComment(id: string, leaseMs: number): Promise<boolean> {
    assertPositiveInteger('leaseMs', leaseMs);
    if (!isUuid(id)) return false;
    const now = this.#now();
    const { rows } = await this.#db.query(
      `UPDATE runs SET final_comment_posted = true, final_comment_retry_at = $3::timestamptz,
         updated_at = $2::timestamptz
       WHERE id = $1::uuid AND status NOT IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)} AND ${FINAL_COMMENT_DUE}
       RETURNING id`,
      [id, this.#time(now), this.#time(now + leaseMs)],
    );
    return rows.length === 1;
  }

  async confirmFinalComment(id: string): Promise<void> {
    if (!isUuid(id)) return;
    await this.#db.query(
      // Only while the run is still final: a follow-up that reopened it meanwhile has its own final edit to come.
      `UPDATE runs SET final_comment_posted = true, final_comment_retry_at = NULL, final_comment_attempts = 0
       WHERE id = $1::uuid AND status NOT IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)}`,
      [id],
    );
  }

  async deferFinalComment(id: string, retryAt: (attempts: number) => number): Promise<void> {
    if (!isUuid(id)) return;
    await this.#db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `UPDATE runs SET final_comment_posted = false, final_comment_attempts = final_comment_attempts + 1
         WHERE id = $1::uuid AND status NOT IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)}
         RETURNING final_comment_attempts`,
        [id],
      );
      const row = rows[0];
      if (!row) return;
      await tx.query('UPDATE runs SET final_comment_retry_at = $2::timestamptz WHERE id = $1::uuid', [
        id,
        this.#time(retryAt(toNumber(row.final_comment_attempts))),
      ]);
    });
  }

  async listRunsAwaitingFinalComment(limit = 100): Promise<Run[]> {
    const { rows } = await this.#db.query(
      `SELECT * FROM runs WHERE status NOT IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)} AND ${FINAL_COMMENT_DUE}
       ORDER BY seq LIMIT $1`,
      [limit, this.#time(this.#now())],
    );
    return rows.map(runFromRow);
  }

  async tryReserveCommentEdit(id: string, bodyHash: string, minIntervalMs: number): Promise<boolean> {
    if (!isUuid(id)) return false;
    const now = this.#now();
    const { rows } = await this.#db.query(
      `UPDATE runs SET last_comment_edit_at = $2::timestamptz, last_comment_body_hash = $3, updated_at = $2::timestamptz
       WHERE id = $1::uuid
         AND last_comment_body_hash ${this.#dialect.distinctFrom} $3
         AND (last_comment_edit_at IS NULL OR last_comment_edit_at <= $4::timestamptz)
       RETURNING id`,
      [id, this.#time(now), bodyHash, this.#time(now - minIntervalMs)],
    );
    return rows.length === 1;
  }

  async recordCommentEdit(id: string, bodyHash: string): Promise<void> {
    if (!isUuid(id)) return;
    const now = this.#time(this.#now());
    await this.#db.query(
      `UPDATE runs SET last_comment_edit_at = $2::timestamptz, last_comment_body_hash = $3, updated_at = $2::timestamptz
       WHERE id = $1::uuid`,
      [id, now, bodyHash],
    );
  }

  async completionSigns(remoteRunIds: readonly string[]): Promise<CompletionSign[]> {
    const ids = [...new Set(remoteRunIds)].filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id));
    if (ids.length === 0) return [];
    // Event jobs are keyed `codecloud:<run id>:agent.<completed|failed>:…` (codecloud-events.ts); `_` in an id is
    // a LIKE wildcard, so matches are checked exactly below.
    const likes = ids.map((_, i) => `dedupe_key LIKE $${i + 2}`).join(' OR ');
    const inIds = ids.map((_, i) => `$${i + 2 + ids.length}`).join(', ');
    const { rows } = await this.#db.query<{ sign: string; remote_run_id: string | null }>(
      `SELECT dedupe_key AS sign, NULL AS remote_run_id FROM jobs WHERE kind = $1 AND (${likes})
       UNION ALL
       SELECT 'run:' || status AS sign, remote_run_id FROM runs
        WHERE backend = 'codecloud' AND remote_run_id IN (${inIds}) AND status NOT IN ${inList(NON_FINAL_LOCAL_RUN_STATUSES)}`,
      ['codecloud.event', ...ids.map((id) => `codecloud:${id}:agent.%`), ...ids],
    );
    const signs: CompletionSign[] = [];
    for (const row of rows) {
      const sign = String(row.sign);
      if (row.remote_run_id !== null) {
        signs.push({ remoteRunId: String(row.remote_run_id), sign });
        continue;
      }
      const id = ids.find((candidate) => sign.startsWith(`codecloud:${candidate}:agent.`));
      if (id !== undefined) signs.push({ remoteRunId: id, sign });
    }
    return signs;
  }

  async countJobsByState(): Promise<JobStateCount[]> {
    const { rows } = await this.#db.query('SELECT state, count(*) AS n FROM jobs GROUP BY state');
    return rows.map((row) => ({ state: row.state as JobStateCount['state'], count: toNumber(row.n) }));
  }

  async countRunsByStatus(): Promise<RunStatusCount[]> {
    const { rows } = await this.#db.query(
      'SELECT backend, status, count(*) AS n FROM runs GROUP BY backend, status',
    );
    return rows.map((row) => ({
      backend: row.backend as Backend,
      status: row.status as LocalRunStatus,
      count: toNumber(row.n),
    }));
  }

  async incrementFollowUpCount(id: string): Promise<number> {
    const { rows } = isUuid(id)
      ? await this.#db.query(
          `UPDATE runs SET follow_up_count = follow_up_count + 1, updated_at = $2::timestamptz
           WHERE id = $1::uuid RETURNING follow_up_count`,
          [id, this.#time(this.#now())],
        )
      : { rows: [] };
    const row = rows[0];
    if (row === undefined) throw new Error(`store: no run with id ${id}`);
    return toNumber(row.follow_up_count);
  }

  // ---------------------------------------------------------------- the dashboard

  listDashboardRuns(query: DashboardRunQuery): Promise<Run[]> {
    if (query.beforeId !== undefined && !isUuid(query.beforeId)) return Promise.resolve([]);
    return listDashboardRuns(this.#db, query);
  }

  listRunEvents(runId: string): Promise<RunEvent[]> {
    if (!isUuid(runId)) return Promise.resolve([]);
    return listRunEvents(this.#db, runId);
  }

  // ---------------------------------------------------------------- autofix

  claimAutofixAttempt(input: AutofixClaimInput): Promise<AutofixClaim> {
    return claimAutofixAttempt(this.#db, { ...input, pullKey: input.pullKey.toLowerCase() });
  }

  setAutofixPaused(pullKey: string, paused: boolean): Promise<boolean> {
    return setAutofixPaused(this.#db, pullKey.toLowerCase(), paused);
  }

  markOnce(key: string, value?: string): Promise<boolean> {
    return markOnce(this.#db, key, value);
  }

  readMark(key: string): Promise<string | null | undefined> {
    return readMark(this.#db, key);
  }

  writeMark(key: string, value: string): Promise<void> {
    return writeMark(this.#db, key, value);
  }

  deleteMark(key: string): Promise<boolean> {
    return deleteMark(this.#db, key);
  }

  // ---------------------------------------------------------------- leases

  async tryAcquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    assertPositiveInteger('ttlMs', ttlMs);
    const now = this.#now();
    const { rows } = await this.#db.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3::timestamptz)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4::timestamptz
       RETURNING name`,
      [name, holder, this.#time(now + ttlMs), this.#time(now)],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  // Kept in the leases table as `not-before:<installation>` (holder `limit`, expires at the time).
  async setInstallationNotBefore(installationId: number, at: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, 'limit', $2::timestamptz)
       ON CONFLICT (name) DO UPDATE SET expires_at = ${this.#dialect.greatest}(leases.expires_at, EXCLUDED.expires_at)`,
      [`not-before:${installationId}`, this.#time(at)],
    );
  }

  async installationNotBefore(installationId: number): Promise<number | null> {
    const { rows } = await this.#db.query(
      'SELECT expires_at FROM leases WHERE name = $1 AND expires_at > $2::timestamptz',
      [`not-before:${installationId}`, this.#time(this.#now())],
    );
    return rows[0] ? toMs(rows[0].expires_at) : null;
  }

  // ---------------------------------------------------------------- kept schedules

  async keepSchedule(schedule: KeptSchedule): Promise<void> {
    await this.#db.query(
      `INSERT INTO kept_schedules (remote_schedule_id, installation_id, repo, name, kept_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz)
       ON CONFLICT (remote_schedule_id) DO UPDATE SET installation_id = EXCLUDED.installation_id,
         repo = EXCLUDED.repo, name = EXCLUDED.name, kept_at = EXCLUDED.kept_at`,
      [
        schedule.remoteScheduleId,
        schedule.installationId,
        schedule.repo,
        schedule.name,
        this.#time(this.#now()),
      ],
    );
  }

  async forgetSchedule(remoteScheduleId: string): Promise<void> {
    await this.#db.query('DELETE FROM kept_schedules WHERE remote_schedule_id = $1', [remoteScheduleId]);
  }

  async keptSchedule(remoteScheduleId: string): Promise<KeptSchedule | null> {
    const { rows } = await this.#db.query(
      'SELECT remote_schedule_id, installation_id, repo, name FROM kept_schedules WHERE remote_schedule_id = $1',
      [remoteScheduleId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      remoteScheduleId: String(row.remote_schedule_id),
      installationId: toNumber(row.installation_id),
      repo: String(row.repo),
      name: String(row.name),
    };
  }

  // ---------------------------------------------------------------- helpers

  #time(ms: number | null): string | number | null {
    return this.#dialect.time(ms);
  }

  /** Makes the rest of `tx` exclusive for `key` (on SQLite transactions are exclusive already). */
  async #lockKey(tx: SqlExecutor, key: string): Promise<void> {
    if (this.#dialect.keyLock !== null) await tx.query(this.#dialect.keyLock, [key]);
  }

  async #oneRun(text: string, params: readonly unknown[]): Promise<Run | null> {
    const { rows } = await this.#db.query(text, params);
    return rows[0] ? runFromRow(rows[0]) : null;
  }

  /** UPDATE with the patch's columns (and, with `from`, a status condition); re-indexes `run_prs` with `result`. */
  #patchRun(id: string, from: readonly LocalRunStatus[] | null, patch: RunPatch): Promise<Run | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    const params: unknown[] = [id, this.#time(this.#now())];
    const sets = ['updated_at = $2::timestamptz'];
    for (const key of Object.keys(RUN_PATCH_COLUMNS) as (keyof RunPatch)[]) {
      if (patch[key] === undefined) continue;
      const spec = RUN_PATCH_COLUMNS[key] as {
        column: string;
        cast: string;
        param: (value: unknown, dialect: SqlDialect) => unknown;
      };
      params.push(spec.param(patch[key], this.#dialect));
      sets.push(`${spec.column} = $${params.length}::${spec.cast}`);
    }
    let where = 'id = $1::uuid';
    if (from !== null) {
      const placeholders = from.map((status) => {
        params.push(status);
        return `$${params.length}`;
      });
      where += ` AND status IN (${placeholders.join(', ')})`;
    }
    const text = `UPDATE runs SET ${sets.join(', ')} WHERE ${where} RETURNING *`;
    const prs = patch.result?.prs;
    const event = timelineDetail(patch);
    if (patch.result === undefined && event === undefined) {
      return this.#db.query(text, params).then(({ rows }) => (rows[0] ? runFromRow(rows[0]) : null));
    }
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query(text, params);
      if (!rows[0]) return null;
      if (patch.result !== undefined) await indexRunPullRequests(tx, id, prs ?? []);
      const run = runFromRow(rows[0]);
      if (event !== undefined) {
        await recordRunEvent(tx, this.#dialect, {
          runId: id,
          at: run.updatedAt,
          status: run.status,
          detail: event,
        });
      }
      return run;
    });
  }
}

/**
 * What a patch adds to the run's timeline (`run_events`): undefined when it changes neither the status nor who asked
 * to stop; else the remote status, the stop and the error it carries (or null).
 */
function timelineDetail(patch: RunPatch): string | null | undefined {
  if (patch.status === undefined && typeof patch.stopRequestedBy !== 'string') return undefined;
  const parts = [
    typeof patch.remoteStatus === 'string' ? `backend: ${patch.remoteStatus}` : undefined,
    typeof patch.stopRequestedBy === 'string' ? `stop asked by ${patch.stopRequestedBy}` : undefined,
    patch.result?.error,
  ].filter((part): part is string => part !== undefined && part !== '');
  return parts.length > 0 ? parts.join('; ').slice(0, 2_000) : null;
}

/**
 * The condition of `completeJob`/`failJob`: the job is not finished, and with `attempts` (pushed onto `params`)
 * still leased by the claim that counted them.
 */
function stillHeld(params: unknown[], attempts: number | undefined): string {
  if (attempts === undefined) return `state IN ('pending', 'leased')`;
  params.push(attempts);
  return `state = 'leased' AND attempts = $${params.length}::integer`;
}

async function countSlotHolding(db: SqlExecutor, installationId: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*) AS n FROM runs WHERE installation_id = $1::bigint AND status IN ${inList(SLOT_HOLDING_RUN_STATUSES)}`,
    [installationId],
  );
  return toNumber(rows[0]?.n ?? 0);
}

async function indexRunPullRequests(
  tx: SqlExecutor,
  runId: string,
  prs: readonly RunPullRequest[],
): Promise<void> {
  await tx.query('DELETE FROM run_prs WHERE run_id = $1::uuid', [runId]);
  const seen = new Set<string>();
  for (const pr of prs) {
    const repo = pr.repo.toLowerCase();
    const key = `${repo}#${pr.number}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await tx.query(
      'INSERT INTO run_prs (repo, pr_number, run_id) VALUES ($1, $2, $3::uuid) ON CONFLICT DO NOTHING',
      [repo, pr.number, runId],
    );
  }
}

/** A final comment is due (`$2` is now): never posted and not deferred past now, or claimed by a caller that died. */
const FINAL_COMMENT_DUE = `((NOT final_comment_posted AND (final_comment_retry_at IS NULL OR final_comment_retry_at <= $2::timestamptz))
  OR (final_comment_posted AND final_comment_retry_at IS NOT NULL AND final_comment_retry_at <= $2::timestamptz))`;

/** A constant `IN (...)` list of known statuses (never user input). */
function inList(values: readonly string[]): string {
  return `(${values.map((value) => `'${value}'`).join(', ')})`;
}

function firstRow(rows: SqlRow[], what: string): SqlRow {
  const row = rows[0];
  if (row === undefined) throw new Error(`store: ${what} returned no row`);
  return row;
}

function isJobId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(id: string): boolean {
  return UUID_PATTERN.test(id);
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`store: ${name} must be a positive integer, got ${value}`);
}

/**
 * The app's durable store: what the GitHub App must remember across requests, replicas and restarts.
 *
 * One SQL implementation (`sql-store.ts`) runs on two engines: embedded SQLite (`node:sqlite`) in `DATA_DIR` (the
 * default, one process) and PostgreSQL through `pg` when `DATABASE_URL` is `postgres://…` (several replicas). Open
 * it with `openStore()` (`open-store.ts`), then call `migrate()` once at start-up.
 *
 * All times are epoch milliseconds taken from the clock passed to `openStore({ now })`, never from the database,
 * so tests can move time without sleeping. Every method is safe to call from several replicas at once.
 */

import type { Backend, LocalRunStatus, RunMode } from '../vocabulary.js';
import type { AutofixClaim, AutofixClaimInput } from './autofix-store.js';
import type { RunOptions, StoredRunProgress } from './run-options.js';
import type { UsageStore } from './usage-store.js';

/** A JSON value as stored in a `jsonb` column. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ---------------------------------------------------------------- jobs

/** A unit of durable work: a GitHub delivery, a codecloud event, anything the webhook handler records. */
export interface Job {
  /** Store-assigned id (a decimal string). */
  id: string;
  /** Unique forever (until pruned): a GitHub delivery id, or `codecloud:<run id>:<event>:<status>`. */
  dedupeKey: string;
  /** What the worker should do with it, e.g. `github.issue_comment` or `codecloud.event`. */
  kind: string;
  payload: Json;
  /** How many times the job has been claimed, including the current claim (1 on the first claim). */
  attempts: number;
  /** The error passed to the last `failJob`, or null. */
  lastError: string | null;
  createdAt: number;
  group: string | null;
}

export interface EnqueueJobInput {
  dedupeKey: string;
  kind: string;
  payload: Json;
  /** Earliest claim time (default: now). */
  runAt?: number;
  /** Fairness group (the installation id as a decimal string): a worker caps the jobs of one group in flight. */
  group?: string;
}

// ---------------------------------------------------------------- runs

/** Where the triggering command came from. */
export type TriggerKind = 'issue_comment' | 'review_comment' | 'review' | 'issue_body' | 'label';
/** What the thread's number is. */
export type ThreadTargetKind = 'issue' | 'pull_request';

/** A pull request a run opened or pushed to. `repo` is `owner/name`. */
export interface RunPullRequest {
  repo: string;
  number: number;
  url?: string;
  branch?: string;
  title?: string;
}

/** What the backend reported at the end (or so far). Every field optional; stored as one JSON column. */
export interface RunResult {
  title?: string;
  result?: string;
  plan?: string;
  error?: string;
  branch?: string;
  /** Indexed in `run_prs`, so `findRunByPullRequest` finds this run. */
  prs?: RunPullRequest[];
  inputTokens?: number;
  outputTokens?: number;
}

export interface Run {
  /** Store-assigned id (a UUID); used in the status comment marker `<!-- codecloud:run=<id> -->`. */
  id: string;
  backend: Backend;
  /** The backend's run id; null until the create call answered. Unique per backend when set. */
  remoteRunId: string | null;
  /** Cloud Coding `thread_id`, for follow-ups on the same thread. */
  cloudcodingThreadId: string | null;
  installationId: number;
  owner: string;
  repo: string;
  /** `owner/repo#number`, plus `:review-<reviewCommentThreadId>` when the run lives in a review thread. */
  threadKey: string;
  /** The issue or pull request number. */
  number: number;
  targetKind: ThreadTargetKind;
  /** The id of the first review comment of the review thread the run replies in, or null. */
  reviewCommentThreadId: number | null;
  /** The comment/review id that triggered the run; null for an issue body or a label. */
  triggerCommentId: number | null;
  triggerKind: TriggerKind;
  /** Login of the human (or allowed bot) who asked. */
  requestedBy: string;
  mode: RunMode;
  prompt: string;
  /** The request options as sent (model, provider, agent, branch, auto_create_pr, …). */
  options: RunOptions;
  /** The status comment (a review-comment reply id when in a review thread); null until posted. */
  statusCommentId: number | null;
  status: LocalRunStatus;
  /** The backend's last reported status string, verbatim. */
  remoteStatus: string | null;
  result: RunResult;
  /** Login of who asked to stop it (`/codecloud stop`), or null. */
  stopRequestedBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When the run times out (`timeout_minutes`); null when none. */
  deadlineAt: number | null;
  /** When the status comment was last edited (progress throttling). */
  lastCommentEditAt: number | null;
  /** Hash of the body last written to the status comment (skip identical edits). */
  lastCommentBodyHash: string | null;
  /** The latest `agent.progress` payload, as received. */
  progress: StoredRunProgress | null;
  /** True once the one final comment edit has been claimed by `claimFinalComment`. */
  finalCommentPosted: boolean;
  /** How many follow-up messages were sent to this run. */
  followUpCount: number;
  updatedAt: number;
}

export interface NewRun {
  backend: Backend;
  installationId: number;
  owner: string;
  repo: string;
  threadKey: string;
  number: number;
  targetKind: ThreadTargetKind;
  reviewCommentThreadId?: number | null;
  triggerCommentId: number | null;
  triggerKind: TriggerKind;
  requestedBy: string;
  mode: RunMode;
  prompt: string;
  options?: RunOptions;
  /** Default `waiting`. */
  status?: LocalRunStatus;
  statusCommentId?: number | null;
  deadlineAt?: number | null;
  remoteRunId?: string | null;
  cloudcodingThreadId?: string | null;
}

/**
 * Fields `updateRun`/`transitionRun` may change. `undefined` (absent) leaves a field alone; `null` clears it.
 * Setting `result` replaces the whole result and re-indexes its `prs`.
 */
export interface RunPatch {
  remoteRunId?: string | null;
  cloudcodingThreadId?: string | null;
  statusCommentId?: number | null;
  status?: LocalRunStatus;
  remoteStatus?: string | null;
  result?: RunResult;
  stopRequestedBy?: string | null;
  startedAt?: number | null;
  finishedAt?: number | null;
  deadlineAt?: number | null;
  progress?: StoredRunProgress | null;
  prompt?: string;
  mode?: RunMode;
  options?: RunOptions;
}

/** How many jobs are in one state (`Store.countJobsByState`). */
export interface JobStateCount {
  state: 'pending' | 'leased' | 'done' | 'dead';
  count: number;
}

/** How many runs of one backend are in one status (`Store.countRunsByStatus`). */
export interface RunStatusCount {
  backend: Backend;
  status: LocalRunStatus;
  count: number;
}

/** One sign that a codecloud run may have ended (see `Store.completionSigns`). */
export interface CompletionSign {
  remoteRunId: string;
  sign: string;
}

// ---------------------------------------------------------------- the dashboard

/** A repository by `owner` and `repo` (name), as runs store them. */
export interface RepoName {
  owner: string;
  repo: string;
}

/** A page of the dashboard's runs list: newest first, only `repos`, optionally narrowed. */
export interface DashboardRunQuery {
  repos: readonly RepoName[];
  statuses?: readonly LocalRunStatus[];
  requestedBy?: string;
  /** Keyset cursor: only runs created before the run with this id (the last one of the previous page). */
  beforeId?: string;
  limit: number;
}

/** One line of a run's timeline: a status it moved to, when, and what came with it (remote status, stop). */
export interface RunEvent {
  at: number;
  status: LocalRunStatus;
  detail: string | null;
}

export type { RepoUsage } from './usage-store.js';

// ---------------------------------------------------------------- the store

/**
 * The `failJob` reason of a job a worker released when it stopped: held back a few seconds for a replica, while the
 * stopping process may still finish what it abandoned; due at once again for the next owner of an embedded store.
 */
export const RELEASED_AT_SHUTDOWN = 'released at shutdown';

/** What `recoverAfterCrash` released. */
export interface RecoveredClaims {
  /** Leased jobs made claimable at once. */
  jobs: number;
  /** Named leases released (the reconciler's, Cloud Coding stream holds). */
  leases: number;
  /** Final-comment claims made due at once. */
  finalComments: number;
}

export interface Store {
  /** `sqlite` (embedded, `DATA_DIR`) or `postgres` (`DATABASE_URL`). */
  readonly engine: 'sqlite' | 'postgres';
  /** The limits' usage counters (`usage-store.ts`). */
  readonly usage: UsageStore;

  /** Applies pending schema migrations in order; idempotent; safe when several replicas start at once. */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query within `timeoutMs` (default 3 s; for `GET /healthz`). Never throws. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Closes connections (and releases `DATA_DIR`'s lock). The store is unusable afterwards. */
  close(): Promise<void>;
  /**
   * This store for the webhook routes' records, which GitHub and codecloud wait on: on PostgreSQL through
   * connections kept for them, so an answer never queues behind the job worker's queries (`SqlDatabase.intakeLane`).
   * Closed with this store.
   */
  intake(): Store;
  /**
   * For the sole owner of the database, at start-up: whatever an earlier process held is released, since that
   * process is dead. Leased jobs, and jobs it released at shutdown (`RELEASED_AT_SHUTDOWN`), become claimable at once
   * (the next claim counts an attempt), named leases are
   * released (plan-limit times are kept), and claimed final comments are due at once. `openStore` calls it for the
   * embedded engine once it holds `DATA_DIR`'s lock; never call it on a database that live replicas share.
   */
  recoverAfterCrash(): Promise<RecoveredClaims>;

  // ---- durable jobs

  /** Records work; false (and nothing changes) when `dedupeKey` was seen before. */
  enqueueJob(input: EnqueueJobInput): Promise<boolean>;
  /**
   * Leases up to `limit` due jobs to the caller for `leaseMs`, oldest first, skipping jobs other workers hold and
   * jobs of `excludeGroups`. A job whose lease ended (its worker crashed) is claimed again. Each claim increments
   * `attempts`.
   */
  claimJobs(limit: number, leaseMs: number, options?: { excludeGroups?: readonly string[] }): Promise<Job[]>;
  /** Extends the lease of a job this caller still holds (same `attempts` as when claimed); false when it lost it. */
  renewJobLease(job: Pick<Job, 'id' | 'attempts'>, leaseMs: number): Promise<boolean>;
  /**
   * Marks the job done (its dedupe key stays remembered). With `attempts`, only while the job is still leased with
   * that attempt count (a worker whose lease lapsed and was claimed again elsewhere changes nothing).
   */
  completeJob(id: string, attempts?: number): Promise<void>;
  /**
   * Records `error` as the job's last error. With `retryAt` the job becomes claimable again at that time
   * (compute it from `job.attempts` with back-off); with null it is given up (`dead`) and keeps the error.
   * With `attempts`, only while the job is still leased with that attempt count.
   */
  failJob(id: string, error: string, retryAt: number | null, attempts?: number): Promise<void>;
  /** Deletes done/dead jobs finished before `before`; their dedupe keys are forgotten. Returns how many. */
  pruneJobs(before: number): Promise<number>;

  // ---- runs

  /** Inserts a run (status `waiting` unless given) and returns it. */
  createRun(input: NewRun): Promise<Run>;
  getRun(id: string): Promise<Run | null>;
  /** The run the backend knows by `remoteRunId` (default backend `codecloud`). */
  getRunByRemoteId(remoteRunId: string, backend?: Backend): Promise<Run | null>;
  /** The most recently created run of a thread (`threadKey`), or null. */
  latestRunForThread(threadKey: string): Promise<Run | null>;
  /** The most recently created run whose `result.prs` include pull request `number` of `repo` (`owner/name`). */
  findRunByPullRequest(repo: string, number: number): Promise<Run | null>;
  /** Runs of an installation holding a slot (`starting`/`queued`/`running`). */
  countSlotHoldingRuns(installationId: number): Promise<number>;
  /** The oldest `waiting` runs of an installation, oldest first. */
  oldestWaitingRuns(installationId: number, limit: number): Promise<Run[]>;
  /** Installations that have at least one `waiting` run (so a start-up sweep knows whose queues to drain). */
  installationsWithWaitingRuns(): Promise<number[]>;
  /** Non-final runs whose `deadlineAt` is at or before now. */
  listRunsPastDeadline(): Promise<Run[]>;

  /** Applies `patch` and returns the updated run; throws when no such run. */
  updateRun(id: string, patch: RunPatch): Promise<Run>;
  /**
   * Compare-and-set on status: applies `patch` only when the run's status is one of `from`; returns the updated
   * run, or null when the status did not match (someone else moved it first).
   */
  transitionRun(id: string, from: readonly LocalRunStatus[], patch: RunPatch): Promise<Run | null>;
  /** Re-opens the final comment of a run a follow-up moved on: it is claimable again once the run is final. */
  unmarkFinalCommentPosted(id: string): Promise<void>;
  /**
   * Claims the one final comment edit of a final run for `leaseMs`: true for one caller, who then calls
   * `confirmFinalComment` (done) or `deferFinalComment` (failed). If neither happens within `leaseMs` (the caller
   * crashed) the run may be claimed again. False for runs that are not final, confirmed, or deferred until later.
   */
  claimFinalComment(id: string, leaseMs: number): Promise<boolean>;
  /** The final comment is on GitHub: never claimable again (until a follow-up unmarks it). */
  confirmFinalComment(id: string): Promise<void>;
  /**
   * The final comment edit failed: claimable again at `retryAt(attempts)`, `attempts` counting the failures so far
   * (1 after the first), for back-off.
   */
  deferFinalComment(id: string, retryAt: (attempts: number) => number): Promise<void>;
  /** Final runs whose final comment is due (never posted, deferred until now, or claimed by a caller that died). */
  listRunsAwaitingFinalComment(limit?: number): Promise<Run[]>;
  /**
   * Inserts the run unless its thread (`threadKey`) already has a non-final run, atomically across replicas (a
   * per-thread lock), so two commands arriving together never both start a run.
   */
  createRunIfThreadIdle(input: NewRun): Promise<{ created: Run } | { busy: Run }>;
  /** Non-final runs after the run `afterId` (null: from the first), oldest first: a page for the reconciler. */
  listActiveRunsAfter(afterId: string | null, limit: number): Promise<Run[]>;
  /**
   * Atomically moves the oldest `waiting` runs of an installation whose status comment is posted to `starting`, as
   * many as fit under `maxConcurrent` slot-holding runs, and returns them (a run whose comment is missing never
   * takes a slot ahead of the others). Safe across replicas: two callers never get the same run and never exceed
   * the limit together.
   */
  claimWaitingRunsWithComment(installationId: number, maxConcurrent: number): Promise<Run[]>;
  /**
   * Progress throttling: reserves a status-comment edit when the last edit is at least `minIntervalMs` old and
   * `bodyHash` differs from the last one, recording now and the hash. Returns whether the caller may edit.
   */
  tryReserveCommentEdit(id: string, bodyHash: string, minIntervalMs: number): Promise<boolean>;
  /** Records an edit that is not throttled (state changes, final comment): sets the edit time and hash. */
  recordCommentEdit(id: string, bodyHash: string): Promise<void>;
  /** Atomically increments `followUpCount`; returns the new count. */
  incrementFollowUpCount(id: string): Promise<number>;
  /**
   * Signs that codecloud runs ended, for the wait route's shared poll (one round trip for every waited run): for
   * each of `remoteRunIds`, the dedupe key of every recorded `agent.completed`/`agent.failed` event job, and
   * `run:<status>` when the app's own run with that id is final. A sign is a hint: the caller reads the run back.
   */
  completionSigns(remoteRunIds: readonly string[]): Promise<CompletionSign[]>;

  // ---- autofix (see `autofix-store.ts`)

  /** Claims the next autofix attempt of a pull request for a head commit: one atomic step (see `AutofixClaim`). */
  claimAutofixAttempt(input: AutofixClaimInput): Promise<AutofixClaim>;
  /** Pauses or resumes autofix on a pull request; true when that changed something. */
  setAutofixPaused(pullKey: string, paused: boolean): Promise<boolean>;
  /** Records `key` once (with an optional value): true for the first caller only. */
  markOnce(key: string, value?: string): Promise<boolean>;
  /** The value of a mark: undefined when never marked, null when marked without a value. */
  readMark(key: string): Promise<string | null | undefined>;
  /** Sets a mark's value (made if missing). */
  writeMark(key: string, value: string): Promise<void>;
  /** Removes a mark (the next `markOnce` of it is true again); true when there was one. */
  deleteMark(key: string): Promise<boolean>;

  // ---- figures (metrics; each one indexed statement)

  /** Jobs per state (states without jobs are absent). */
  countJobsByState(): Promise<JobStateCount[]>;
  /** Runs per backend and status (pairs without runs are absent). */
  countRunsByStatus(): Promise<RunStatusCount[]>;

  // ---- the dashboard

  /** A page of runs of `query.repos`, newest first (an indexed keyset query: `beforeId` is the previous page's last). */
  listDashboardRuns(query: DashboardRunQuery): Promise<Run[]>;
  /** A run's status changes, oldest first (written by `updateRun`/`transitionRun` whenever a patch sets `status`). */
  listRunEvents(runId: string): Promise<RunEvent[]>;

  // ---- leases

  /**
   * Acquires (or renews, when `holder` already has it) the named lease for `ttlMs`. False when another holder's
   * lease has not expired. Use one lease name per singleton task, e.g. `reconciler`.
   */
  tryAcquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Records that nothing may be started for the installation before `at` (codecloud said its plan limit is reached,
   * with `Retry-After`); a later time wins over an earlier one.
   */
  setInstallationNotBefore(installationId: number, at: number): Promise<void>;
  /** The installation's not-before time, or null when none is pending (in the past or never set). */
  installationNotBefore(installationId: number): Promise<number | null>;

  // ---- schedules the app keeps (from `.github/codecloud.yml`)

  /** Records (or records again) a codecloud schedule the app keeps, with its repository and config name. */
  keepSchedule(schedule: KeptSchedule): Promise<void>;
  /** Forgets a schedule the app is about to delete itself: its events are then relayed no more. */
  forgetSchedule(remoteScheduleId: string): Promise<void>;
  /** A schedule the app keeps, or null when it does not know it. */
  keptSchedule(remoteScheduleId: string): Promise<KeptSchedule | null>;
}

/** A codecloud schedule the app created from a repository's `schedules:` entry. */
export interface KeptSchedule {
  remoteScheduleId: string;
  installationId: number;
  /** `owner/name`. */
  repo: string;
  /** The entry's `name` in `.github/codecloud.yml`. */
  name: string;
}

export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; unset or empty selects embedded SQLite. */
  databaseUrl?: string | undefined;
  /** Where SQLite keeps its file (the app's `DATA_DIR`, default `./.data`); `memory://` for an in-memory store. */
  dataDir: string;
  /** Clock in epoch ms (default `Date.now`). */
  now?: () => number;
}

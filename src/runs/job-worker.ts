/**
 * Works off the store's durable jobs: claims due jobs under a short lease (renewed while they run), runs their
 * handler, completes them, and on an error retries with back-off (and gives up after a few attempts). `wake()` makes
 * it look at once instead of at the next poll. `stop()` lets jobs in flight finish (up to a short grace period) and
 * releases the rest.
 *
 * The jobs mostly wait on the network (GitHub, codecloud), so many run at once; fairness is per job group (the
 * installation): at most `perGroup` jobs of one group are in flight, so one installation's slow create calls or
 * GitHub write spacing never take every slot. A job whose lease could not be renewed (another worker may have claimed
 * it since) is abandoned: its outcome is not written.
 */
import { fullJitterDelay } from '../http/backoff.js';
import { withOwnLogFields } from '../log-context.js';
import type { JobMetrics } from '../metrics/app-metrics.js';
import { type Job, RELEASED_AT_SHUTDOWN, type Store } from '../store/store.js';
import { jobLogFields } from './job-log-fields.js';
import type { Logger } from './run-deps.js';

export type JobHandler = (payload: unknown, job: Job) => Promise<void>;

export interface JobWorkerOptions {
  store: Store;
  handlers: Record<string, JobHandler>;
  log: Logger;
  /** Told how each attempt ended. */
  metrics?: JobMetrics;
  now?: () => number;
  /**
   * Jobs in flight at once (default 256). They mostly wait on GitHub and codecloud: the soak (20 commands a second,
   * 2-second creates) kept about 100 in flight, and with 64 its queue grew without end.
   */
  concurrency?: number;
  /** Jobs of one group (installation) in flight at once (default 4); jobs without a group are not capped. */
  perGroup?: number;
  /** How often to look for due jobs when not woken (default 500 ms). */
  pollMs?: number;
  /**
   * Lease of a claimed job (default 30 s), renewed every third of it while the job runs; a crashed worker's jobs are
   * claimed again after it.
   */
  leaseMs?: number;
  /** Attempts before a job is given up (default 5). */
  maxAttempts?: number;
  /** Finished (done or dead) jobs older than this are deleted (default 7 days). */
  keepFinishedMs?: number;
  /** How often finished jobs are pruned (default hourly; the first prune runs at start). */
  pruneEveryMs?: number;
}

const KEEP_FINISHED_JOBS_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long `stop()` waits for jobs in flight by default. Short: a job cut off is run again (from the next start on
 * the embedded store, which resumes everything its predecessor held at once; by another replica on PostgreSQL), so
 * waiting longer only delays the restart.
 */
export const STOP_GRACE_MS = 1_000;

/**
 * How long a job released at shutdown waits before another replica may claim it. Its handler is abandoned, not
 * killed: until this process exits (a second or two after `stop()`), it may still be posting the status comment that
 * a replica claiming at once would look for by marker, not find yet, and post a second time. The next owner of an
 * embedded store (this process is gone by then) claims it at once: `recoverAfterCrash`.
 */
export const RELEASE_HOLD_MS = 5_000;
const WAKE_QUIET_MS = 20;
const WAKE_MAX_DELAY_MS = 250;

interface InFlight {
  job: Job;
  done: Promise<void>;
  /** The lease could not be renewed: the outcome is not written. */
  lost: boolean;
  /** The handler returned: its outcome is being written (a renewal failing now means nothing). */
  settled: boolean;
}

export class JobWorker {
  readonly #options: Required<Omit<JobWorkerOptions, 'handlers' | 'store' | 'log' | 'metrics'>> &
    JobWorkerOptions;
  readonly #inFlight = new Map<string, InFlight>();
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #running = false;
  #polling = false;
  #again = false;
  #lastPrune: number | undefined;
  #firstWake: number | undefined;
  #lastWake = 0;
  /** The timer is a wake's: when it fires it waits on while wakes are still coming (see `wake`). */
  #waitingForQuiet = false;

  constructor(options: JobWorkerOptions) {
    this.#options = {
      now: Date.now,
      concurrency: 256,
      perGroup: 4,
      pollMs: 500,
      leaseMs: 30_000,
      maxAttempts: 5,
      keepFinishedMs: KEEP_FINISHED_JOBS_MS,
      pruneEveryMs: 60 * 60 * 1000,
      ...options,
    };
    for (const name of ['concurrency', 'perGroup', 'leaseMs'] as const) {
      const value = this.#options[name];
      if (!Number.isInteger(value) || value <= 0)
        throw new Error(`job worker: ${name} must be a positive integer, got ${value}`);
    }
  }

  start(): void {
    this.#running = true;
    this.#schedule(0);
    const every = Math.max(1, Math.floor(this.#options.leaseMs / 3));
    this.#renewTimer = setInterval(() => void this.#renewLeases(), every);
    this.#renewTimer.unref?.();
  }

  /**
   * Looks for due jobs soon: once wakes stop coming for `WAKE_QUIET_MS` (at most `WAKE_MAX_DELAY_MS` after the first),
   * so a burst of webhooks is answered before its jobs start taking the CPU and the store.
   */
  wake(): void {
    if (!this.#running) return;
    if (this.#polling) {
      this.#again = true;
      return;
    }
    const at = performance.now();
    this.#firstWake ??= at;
    this.#lastWake = at;
    // One timer for the whole burst (a wake per webhook): it looks at the last wake when it fires.
    if (this.#waitingForQuiet) return;
    this.#waitingForQuiet = true;
    this.#arm(Math.max(0, Math.min(WAKE_QUIET_MS, this.#firstWake + WAKE_MAX_DELAY_MS - at)));
  }

  /**
   * Stops claiming; waits up to `graceMs` (default `STOP_GRACE_MS`) for jobs in flight; the rest are released (due
   * `RELEASE_HOLD_MS` later, once this process has exited, for another worker or the next start) and abandoned here:
   * whatever they still do writes no outcome. Every
   * job is safe to run again after being cut off anywhere (a SIGKILL does the same): status comments are looked up by
   * their marker before one is posted, and a create whose answer never came is looked up, never sent again.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    const pending = [...this.#inFlight.values()].map((entry) => entry.done);
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(pending),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    const released = [...this.#inFlight.values()].filter((entry) => !entry.lost && !entry.settled);
    for (const entry of released) entry.lost = true;
    await Promise.all(
      released.map(({ job }) =>
        this.#options.store
          .failJob(job.id, RELEASED_AT_SHUTDOWN, this.#options.now() + RELEASE_HOLD_MS, job.attempts)
          .catch(() => undefined),
      ),
    );
    if (released.length > 0)
      this.#options.log.info(`job worker: ${released.length} job(s) in flight released at shutdown`);
  }

  /** Jobs in flight (for tests and shutdown). */
  get busy(): number {
    return this.#inFlight.size;
  }

  /** Looks for due jobs after `delayMs`, whatever a wake had asked for. */
  #schedule(delayMs: number): void {
    this.#waitingForQuiet = false;
    this.#arm(delayMs);
  }

  #arm(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onTimer(), delayMs);
    this.#timer.unref?.();
  }

  #onTimer(): void {
    if (this.#waitingForQuiet && this.#firstWake !== undefined) {
      const quietAt = Math.min(this.#lastWake + WAKE_QUIET_MS, this.#firstWake + WAKE_MAX_DELAY_MS);
      const wait = quietAt - performance.now();
      if (wait >= 1) {
        this.#arm(wait);
        return;
      }
    }
    this.#waitingForQuiet = false;
    void this.#poll();
  }

  /**
   * How many jobs to claim next and which groups to leave out: groups at their cap are excluded, and the batch is
   * small enough that no other group can go over its cap even if every job claimed is of that group.
   */
  #nextClaim(): { limit: number; excludeGroups: string[] } {
    const { concurrency, perGroup } = this.#options;
    const perGroupInFlight = new Map<string, number>();
    for (const { job } of this.#inFlight.values()) {
      if (job.group !== null) perGroupInFlight.set(job.group, (perGroupInFlight.get(job.group) ?? 0) + 1);
    }
    const excludeGroups: string[] = [];
    let busiest = 0;
    for (const [group, count] of perGroupInFlight) {
      if (count >= perGroup) excludeGroups.push(group);
      else busiest = Math.max(busiest, count);
    }
    return { limit: Math.min(concurrency - this.#inFlight.size, perGroup - busiest), excludeGroups };
  }

  async #poll(): Promise<void> {
    if (!this.#running || this.#polling) return;
    this.#polling = true;
    this.#firstWake = undefined;
    try {
      do {
        this.#again = false;
        const { limit, excludeGroups } = this.#nextClaim();
        if (limit <= 0) break;
        const jobs = await this.#options.store.claimJobs(limit, this.#options.leaseMs, { excludeGroups });
        for (const job of jobs) this.#launch(job);
        if (jobs.length === limit) this.#again = true;
      } while (this.#again && this.#running);
      await this.#pruneWhenDue();
    } catch (error) {
      this.#options.log.error(`job worker: claiming failed: ${String(error)}`);
    } finally {
      this.#polling = false;
      if (this.#running) this.#schedule(this.#options.pollMs);
    }
  }

  #launch(job: Job): void {
    const entry: InFlight = { job, done: Promise.resolve(), lost: false, settled: false };
    entry.done = this.#run(entry).finally(() => {
      this.#inFlight.delete(job.id);
      // A slot is free: fill it now (only wakes from new work wait for a quiet moment).
      if (!this.#running) return;
      if (this.#polling) this.#again = true;
      else this.#schedule(0);
    });
    this.#inFlight.set(job.id, entry);
  }

  /** Extends the lease of every job in flight; a job whose lease is gone is abandoned. */
  async #renewLeases(): Promise<void> {
    const { store, leaseMs, log } = this.#options;
    await Promise.all(
      [...this.#inFlight.values()]
        .filter((entry) => !entry.lost && !entry.settled)
        .map(async (entry) => {
          try {
            if ((await store.renewJobLease(entry.job, leaseMs)) || entry.settled) return;
            entry.lost = true;
            log.warn(
              `job ${entry.job.kind} ${entry.job.dedupeKey}: its lease was lost (attempt ${entry.job.attempts}); ` +
                'abandoned here, another worker may run it again',
            );
          } catch (error) {
            // The store did not answer: try again at the next renewal, the lease has two more thirds to go.
            log.warn(
              `job ${entry.job.kind} ${entry.job.dedupeKey}: renewing its lease failed: ${String(error)}`,
            );
          }
        }),
    );
  }

  /** Deletes finished jobs past `keepFinishedMs`, at most once per `pruneEveryMs`; a failure is only logged. */
  async #pruneWhenDue(): Promise<void> {
    const { now, pruneEveryMs, keepFinishedMs, store, log } = this.#options;
    const at = now();
    if (this.#lastPrune !== undefined && at - this.#lastPrune < pruneEveryMs) return;
    this.#lastPrune = at;
    try {
      const pruned = await store.pruneJobs(at - keepFinishedMs);
      if (pruned > 0) log.info(`job worker: pruned ${pruned} finished jobs`);
    } catch (error) {
      log.warn(`job worker: pruning finished jobs failed: ${String(error)}`);
    }
  }

  /**
   * Runs the job's handler with the job's log fields (its own only: the poll that claimed it may run in the context
   * of the job whose wake set its timer), so every line about it, the handler's too, carries them.
   */
  #run(entry: InFlight): Promise<void> {
    return withOwnLogFields(jobLogFields(entry.job), () => this.#attempt(entry));
  }

  async #attempt(entry: InFlight): Promise<void> {
    const { job } = entry;
    const { store, log, metrics } = this.#options;
    const handler = this.#options.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job.payload, job);
      entry.settled = true;
      if (!entry.lost) await store.completeJob(job.id, job.attempts);
      metrics?.jobAttempt(job.kind, entry.lost ? 'abandoned' : 'done');
    } catch (error) {
      entry.settled = true;
      if (entry.lost) return metrics?.jobAttempt(job.kind, 'abandoned');
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      const giveUp = job.attempts >= this.#options.maxAttempts;
      const retryAt = giveUp
        ? null
        : this.#options.now() + 1_000 + fullJitterDelay(job.attempts, { baseMs: 2_000, maxMs: 120_000 });
      log[giveUp ? 'error' : 'warn'](
        `job ${job.kind} ${job.dedupeKey} failed (attempt ${job.attempts})${giveUp ? ', giving up' : ''}: ${message}`,
      );
      metrics?.jobAttempt(job.kind, giveUp ? 'dead' : 'retry');
      await store.failJob(job.id, message.slice(0, 4000), retryAt, job.attempts).catch(() => undefined);
    }
  }
}

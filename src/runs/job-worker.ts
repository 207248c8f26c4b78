/**
 * Works off the store's durable jobs: claims due jobs under a lease, runs their handler, completes them, and on an
 * error retries with back-off (and gives up after a few attempts). `wake()` makes it look at once instead of at the
 * next poll. `stop()` lets jobs in flight finish (up to a grace period) and releases the rest.
 */
import { fullJitterDelay } from '../http/backoff.js';
import type { Job, Store } from '../store/store.js';
import type { Logger } from './run-deps.js';

export type JobHandler = (payload: unknown, job: Job) => Promise<void>;

export interface JobWorkerOptions {
  store: Store;
  handlers: Record<string, JobHandler>;
  log: Logger;
  now?: () => number;
  /** Jobs in flight at once (default 4). */
  concurrency?: number;
  /** How often to look for due jobs when not woken (default 500 ms). */
  pollMs?: number;
  /** Lease of a claimed job; a crashed worker's jobs are claimed again after it (default 5 min). */
  leaseMs?: number;
  /** Attempts before a job is given up (default 5). */
  maxAttempts?: number;
  /** Finished (done or dead) jobs older than this are deleted (default 7 days). */
  keepFinishedMs?: number;
  /** How often finished jobs are pruned (default hourly; the first prune runs at start). */
  pruneEveryMs?: number;
}

const KEEP_FINISHED_JOBS_MS = 7 * 24 * 60 * 60 * 1000;

export class JobWorker {
  readonly #options: Required<Omit<JobWorkerOptions, 'handlers' | 'store' | 'log'>> & JobWorkerOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #polling = false;
  #again = false;
  #lastPrune: number | undefined;

  constructor(options: JobWorkerOptions) {
    this.#options = {
      now: Date.now,
      concurrency: 4,
      pollMs: 500,
      leaseMs: 5 * 60_000,
      maxAttempts: 5,
      keepFinishedMs: KEEP_FINISHED_JOBS_MS,
      pruneEveryMs: 60 * 60 * 1000,
      ...options,
    };
  }

  start(): void {
    this.#running = true;
    this.#schedule(0);
  }

  wake(): void {
    if (!this.#running) return;
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /** Stops claiming; waits up to `graceMs` for jobs in flight; the rest are released for another worker. */
  async stop(graceMs = 8_000): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    const pending = [...this.#inFlight.values()];
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    for (const id of this.#inFlight.keys()) {
      await this.#options.store
        .failJob(id, 'released at shutdown', this.#options.now())
        .catch(() => undefined);
    }
  }

  /** Jobs in flight (for tests and shutdown). */
  get busy(): number {
    return this.#inFlight.size;
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), delayMs);
    this.#timer.unref?.();
  }

  async #poll(): Promise<void> {
    if (!this.#running || this.#polling) return;
    this.#polling = true;
    try {
      do {
        this.#again = false;
        const free = this.#options.concurrency - this.#inFlight.size;
        if (free <= 0) break;
        const jobs = await this.#options.store.claimJobs(free, this.#options.leaseMs);
        for (const job of jobs) {
          const work = this.#run(job).finally(() => {
            this.#inFlight.delete(job.id);
            if (this.#running) this.wake();
          });
          this.#inFlight.set(job.id, work);
        }
        if (jobs.length === free) this.#again = true;
      } while (this.#again && this.#running);
      await this.#pruneWhenDue();
    } catch (error) {
      this.#options.log.error(`job worker: claiming failed: ${String(error)}`);
    } finally {
      this.#polling = false;
      if (this.#running) this.#schedule(this.#options.pollMs);
    }
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

  async #run(job: Job): Promise<void> {
    const { store, log } = this.#options;
    const handler = this.#options.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job.payload, job);
      await store.completeJob(job.id);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      const giveUp = job.attempts >= this.#options.maxAttempts;
      const retryAt = giveUp
        ? null
        : this.#options.now() + 1_000 + fullJitterDelay(job.attempts, { baseMs: 2_000, maxMs: 120_000 });
      log[giveUp ? 'error' : 'warn'](
        `job ${job.kind} ${job.dedupeKey} failed (attempt ${job.attempts})${giveUp ? ', giving up' : ''}: ${message}`,
      );
      await store.failJob(job.id, message.slice(0, 4000), retryAt).catch(() => undefined);
    }
  }
}

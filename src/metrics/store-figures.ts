/**
 * The figures `GET /metrics` reads from the store: jobs by state, runs by backend and status, and each repository's
 * usage (runs today, tokens this month, UTC). Read at most once per `ttlMs` however many scrapers ask, and never
 * waited for once there are figures: a scrape gets the figures read last, and when they are older than `ttlMs` it
 * starts one read in the background for the scrapes after it (so they are at most an interval and a read old). Only
 * the first scrape, before any figures, waits for the read (one read for every scraper waiting). Every replica reads
 * the same store, so every replica shows the same figures. A failed read keeps the last figures and is tried again
 * at the next scrape.
 */
import { Gauge, type Registry } from 'prom-client';
import { utcDay, utcMonth } from '../limits/periods.js';
import type { RepoUsage, Store } from '../store/store.js';
import { LocalRunStatus } from '../vocabulary.js';

/** Default interval between two reads: less than any usual scrape interval (Prometheus' default is 15 s). */
export const STORE_FIGURES_TTL_MS = 10_000;

const JOB_STATES = ['pending', 'leased', 'done', 'dead'] as const;
const BACKENDS = ['codecloud', 'cloudcoding'] as const;

export interface StoreFigures {
  /** Adds the store-derived families to `registers`. */
  register(registers: Registry[]): void;
  /**
   * Starts a read when the last one is older than the interval and none is under way; resolves at once when there
   * are figures already, else when the read is done.
   */
  refresh(): Promise<void>;
}

/**
 * Usage against limits per repository, this UTC day and month: the limits' own counters (what `/codecloud usage`
 * answers; runs, follow-ups and autofix attempts), one indexed row per repository and period. The dashboard's usage
 * view reads the same.
 */
export function readRepositoryUsage(store: Pick<Store, 'usage'>, now: number): Promise<RepoUsage[]> {
  return store.usage.repositoryUsage({ day: utcDay(now), month: utcMonth(now) });
}

export interface StoreFiguresOptions {
  store: Pick<Store, 'countJobsByState' | 'countRunsByStatus' | 'usage'>;
  now?: () => number;
  ttlMs?: number;
  log?: { warn(message: string): void };
}

export function storeFigures(options: StoreFiguresOptions): StoreFigures {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? STORE_FIGURES_TTL_MS;
  let jobs: Gauge | undefined;
  let runs: Gauge | undefined;
  let runsToday: Gauge | undefined;
  let tokensThisMonth: Gauge | undefined;
  let readAt: number | undefined;
  let reading: Promise<void> | undefined;

  const read = async (): Promise<void> => {
    const at = now();
    const [jobCounts, runCounts, usage] = await Promise.all([
      options.store.countJobsByState(),
      options.store.countRunsByStatus(),
      readRepositoryUsage(options.store, at),
    ]);
    // Every known label set is written (0 when none), so a series never disappears while it is at zero.
    for (const state of JOB_STATES) jobs?.set({ state }, 0);
    for (const { state, count } of jobCounts) jobs?.set({ state }, count);
    for (const backend of BACKENDS)
      for (const status of LocalRunStatus.options) runs?.set({ backend, status }, 0);
    for (const { backend, status, count } of runCounts) runs?.set({ backend, status }, count);
    // Repositories without counts this day and month leave the family.
    runsToday?.reset();
    tokensThisMonth?.reset();
    for (const { owner, repo, runsToday: count, tokensThisMonth: tokens } of usage) {
      runsToday?.set({ repo: `${owner}/${repo}` }, count);
      tokensThisMonth?.set({ repo: `${owner}/${repo}` }, tokens);
    }
    readAt = at;
  };

  return {
    register(registers) {
      jobs = new Gauge({
        name: 'codecloud_jobs',
        help: 'Durable jobs in the store, by state (pending, leased, done, dead; finished jobs are kept 7 days)',
        labelNames: ['state'],
        registers,
      });
      runs = new Gauge({
        name: 'codecloud_runs',
        help: 'Runs in the store, by backend and status',
        labelNames: ['backend', 'status'],
        registers,
      });
      runsToday = new Gauge({
        name: 'codecloud_repository_runs_today',
        help: 'Runs, follow-ups and autofix attempts counted against the limits today (UTC), per repository',
        labelNames: ['repo'],
        registers,
      });
      tokensThisMonth = new Gauge({
        name: 'codecloud_repository_tokens_this_month',
        help: 'Input + output tokens counted against the limits this month (UTC), per repository',
        labelNames: ['repo'],
        registers,
      });
    },
    refresh() {
      const stale = readAt === undefined || now() - readAt >= ttlMs;
      if (stale && reading === undefined) {
        // After the scrape under way has its answer: the embedded store's reads hold the event loop while they run.
        reading = new Promise<void>((resolve) => setImmediate(resolve))
          .then(read)
          .catch((error: unknown) => {
            options.log?.warn(`metrics: reading the store's figures failed: ${String(error)}`);
          })
          .finally(() => {
            reading = undefined;
          });
      }
      return readAt === undefined && reading !== undefined ? reading : Promise.resolve();
    },
  };
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobWorker, RELEASE_HOLD_MS, STOP_GRACE_MS } from '../../../src/runs/job-worker.js';
import type { SqlDatabase } from '../../../src/store/sql-database.js';
import { SqlStore } from '../../../src/store/sql-store.js';
import { openSqliteDatabase } from '../../../src/store/sqlite-database.js';
import type { Job, Store } from '../../../src/store/store.js';
import { readJob } from '../store/job-records.js';

const DAY = 24 * 60 * 60 * 1000;

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('JobWorker', () => {
  let db: SqlDatabase;
  let store: Store;
  let now = 1_700_000_000_000;
  let worker: JobWorker | undefined;
  const getJob = async (id: string) => readJob(async (text) => (await db.query(text)).rows, id);
  beforeEach(async () => {
    db = await openSqliteDatabase('memory://');
    store = new SqlStore(db, () => now);
    await store.migrate();
  });
  afterEach(async () => {
    await worker?.stop();
    await store.close();
  });

  it('prunes finished jobs older than 7 days, keeps newer ones', async () => {
    const ran: string[] = [];
    worker = new JobWorker({
      store,
      handlers: {
        work: async (payload) => {
          ran.push(String((payload as { n: number }).n));
        },
      },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      now: () => now,
      pollMs: 10,
      pruneEveryMs: 60 * 60 * 1000,
    });
    worker.start();
    await store.enqueueJob({ dedupeKey: 'old', kind: 'work', payload: { n: 1 } });
    worker.wake();
    await until(async () => ran.length === 1 && worker?.busy === 0);
    const [old] = await store.claimJobs(1, 1); // nothing left to claim: the job is done
    expect(old).toBeUndefined();

    now += 8 * DAY;
    await store.enqueueJob({ dedupeKey: 'new', kind: 'work', payload: { n: 2 } });
    worker.wake();
    await until(async () => ran.length === 2 && worker?.busy === 0);
    // The poll after 8 days prunes the old finished job: its dedupe key is free again.
    await until(async () => store.enqueueJob({ dedupeKey: 'old', kind: 'work', payload: { n: 3 } }));
    // The recent one is kept: its dedupe key still holds.
    expect(await store.enqueueJob({ dedupeKey: 'new', kind: 'work', payload: { n: 4 } })).toBe(false);
  });

  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  it('runs many jobs at once, at most perGroup of one group, and a saturated group never holds up another', async () => {
    const release = new Map<string, () => void>();
    const started: string[] = [];
    let peak = 0;
    const inFlightOf = (group: string) => [...release.keys()].filter((key) => key.startsWith(group)).length;
    worker = new JobWorker({
      store,
      log: quiet,
      now: () => now,
      pollMs: 10,
      concurrency: 6,
      perGroup: 2,
      handlers: {
        work: (payload) =>
          new Promise<void>((resolve) => {
            const key = String((payload as { key: string }).key);
            started.push(key);
            release.set(key, () => {
              release.delete(key);
              resolve();
            });
            peak = Math.max(peak, inFlightOf('busy'));
          }),
      },
    });
    // Five jobs of one busy installation first, then one of a quiet installation.
    for (let i = 0; i < 5; i++)
      await store.enqueueJob({
        dedupeKey: `busy-${i}`,
        kind: 'work',
        payload: { key: `busy-${i}` },
        group: '1',
      });
    await store.enqueueJob({ dedupeKey: 'quiet', kind: 'work', payload: { key: 'quiet-0' }, group: '2' });
    worker.start();
    await until(async () => started.includes('quiet-0'));
    expect(inFlightOf('busy')).toBe(2);
    // Still two of the busy group after a poll or two: its cap holds while the pool has room.
    await new Promise((r) => setTimeout(r, 50));
    expect(started.filter((key) => key.startsWith('busy'))).toEqual(['busy-0', 'busy-1']);
    release.get('busy-0')?.();
    await until(async () => started.includes('busy-2'));
    for (let i = 0; i < 20 && release.size > 0; i++) {
      for (const done of [...release.values()]) done();
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(async () => started.length === 6 && worker?.busy === 0);
    expect(peak).toBe(2);
  });

  it('renews the lease of a long job, so no other worker claims it meanwhile', async () => {
    let finish = (): void => undefined;
    let job: Job | undefined;
    worker = new JobWorker({
      store,
      log: quiet,
      now: () => now,
      pollMs: 10,
      leaseMs: 90,
      handlers: {
        work: (_payload, claimed) =>
          new Promise<void>((resolve) => {
            job = claimed;
            finish = resolve;
          }),
      },
    });
    await store.enqueueJob({ dedupeKey: 'long', kind: 'work', payload: {}, group: '1' });
    worker.start();
    await until(async () => job !== undefined);
    const claimedAt = now;
    // The store's clock moves 30 ms per renewal period: without renewals the 90 ms lease would end at +90.
    for (let i = 0; i < 8; i++) {
      now += 30;
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(now - claimedAt).toBeGreaterThan(200);
    expect(await store.claimJobs(1, 1_000)).toEqual([]);
    finish();
    await until(async () => (await getJob(job?.id ?? ''))?.state === 'done');
  });

  it('abandons a job whose lease another worker took: its outcome is not written', async () => {
    let finish = (): void => undefined;
    let job: Job | undefined;
    const warnings: string[] = [];
    worker = new JobWorker({
      store,
      log: { ...quiet, warn: (message) => warnings.push(message) },
      now: () => now,
      pollMs: 10_000,
      leaseMs: 60,
      handlers: {
        work: (_payload, claimed) =>
          new Promise<void>((resolve) => {
            job = claimed;
            finish = resolve;
          }),
      },
    });
    await store.enqueueJob({ dedupeKey: 'stolen', kind: 'work', payload: {} });
    worker.start();
    await until(async () => job !== undefined);
    // The lease runs out before the next renewal (the store's clock jumps) and another worker claims the job.
    now += 1_000;
    const [again] = await store.claimJobs(1, 60_000);
    expect(again?.attempts).toBe(2);
    await until(async () => warnings.some((w) => w.includes('lease was lost')));
    finish();
    await until(async () => worker?.busy === 0);
    const record = await getJob(job?.id ?? '');
    expect(record).toMatchObject({ state: 'leased', attempts: 2 });
  });

  it('stops within a short grace: a quick job finishes, a slow one is released for the next worker and writes nothing', async () => {
    let finishSlow = (): void => undefined;
    const started: string[] = [];
    worker = new JobWorker({
      store,
      log: quiet,
      now: () => now,
      pollMs: 10,
      handlers: {
        quick: async () => {
          started.push('quick');
          await new Promise((r) => setTimeout(r, 50));
        },
        slow: () =>
          new Promise<void>((resolve) => {
            started.push('slow');
            finishSlow = resolve;
          }),
      },
    });
    await store.enqueueJob({ dedupeKey: 'quick', kind: 'quick', payload: {} });
    await store.enqueueJob({ dedupeKey: 'slow', kind: 'slow', payload: {} });
    worker.start();
    await until(async () => started.length === 2);
    const stopping = Date.now();
    await worker.stop(300);
    const took = Date.now() - stopping;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1_500);
    // The quick one finished within the grace; the slow one is due again once this process has surely exited (its
    // abandoned handler may still be writing until then), for whoever claims next.
    expect(await store.claimJobs(10, 60_000)).toEqual([]);
    now += RELEASE_HOLD_MS;
    const [again] = await store.claimJobs(10, 60_000);
    expect(again).toMatchObject({ kind: 'slow', attempts: 2 });
    // It ends after the stop: its outcome is not written over the new claim.
    finishSlow();
    await new Promise((r) => setTimeout(r, 50));
    expect(await getJob(again?.id ?? '')).toMatchObject({ state: 'leased', attempts: 2 });
  });

  it('stops at once when nothing is in flight, and waits no longer than its default grace', async () => {
    expect(STOP_GRACE_MS).toBeLessThanOrEqual(2_000);
    worker = new JobWorker({
      store,
      log: quiet,
      now: () => now,
      handlers: { stuck: () => new Promise<void>(() => undefined) },
    });
    worker.start();
    const idle = Date.now();
    await worker.stop();
    expect(Date.now() - idle).toBeLessThan(200);
    worker = new JobWorker({
      store,
      log: quiet,
      now: () => now,
      pollMs: 10,
      handlers: { stuck: () => new Promise<void>(() => undefined) },
    });
    await store.enqueueJob({ dedupeKey: 'stuck', kind: 'stuck', payload: {} });
    worker.start();
    await until(async () => worker?.busy === 1);
    const busy = Date.now();
    await worker.stop();
    expect(Date.now() - busy).toBeLessThan(STOP_GRACE_MS + 500);
  });

  /** Starts a worker (polling only every minute) on a store that counts its claims; resolves after the first. */
  async function startCountingClaims(): Promise<{ count: number; worker: JobWorker }> {
    const claims = { count: 0 };
    const counting: Store = Object.create(store, {
      claimJobs: {
        value: (...args: Parameters<Store['claimJobs']>) => {
          claims.count++;
          return store.claimJobs(...args);
        },
      },
    });
    const started = new JobWorker({ store: counting, log: quiet, handlers: {}, pollMs: 60_000 });
    worker = started;
    started.start();
    await until(async () => claims.count === 1);
    return Object.assign(claims, { worker: started });
  }

  it('answers a burst of wakes with one look once they stop (a burst of webhooks is answered first)', async () => {
    const claims = await startCountingClaims();
    for (let i = 0; i < 10; i++) claims.worker.wake();
    await Promise.resolve();
    expect(claims.count).toBe(1);
    await until(async () => claims.count === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(claims.count).toBe(2);
  });

  it('does not wait past the longest delay while wakes keep coming', async () => {
    const claims = await startCountingClaims();
    const started = performance.now();
    let lookedAt: number | undefined;
    let lastWake = started;
    let longestGap = 0;
    while (performance.now() - started < 1_000 && lookedAt === undefined) {
      claims.worker.wake();
      await new Promise((r) => setTimeout(r, 5));
      const at = performance.now();
      longestGap = Math.max(longestGap, at - lastWake);
      lastWake = at;
      if (claims.count === 2) lookedAt = at - started;
    }
    // WAKE_MAX_DELAY_MS is 250 ms. A wake every 5 ms leaves no 20 ms quiet moment, unless the machine held this loop
    // up for that long (then the look may rightly come earlier).
    expect(lookedAt).toBeLessThan(600);
    if (longestGap < 15) expect(lookedAt).toBeGreaterThanOrEqual(200);
  });

  it('refuses a perGroup that is not a positive integer, naming it', () => {
    expect(() => new JobWorker({ store, log: quiet, handlers: {}, perGroup: 0 })).toThrow(
      'job worker: perGroup must be a positive integer, got 0',
    );
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobWorker } from '../../../src/runs/job-worker.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';

const DAY = 24 * 60 * 60 * 1000;

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('JobWorker', () => {
  let store: Store;
  let now = 1_700_000_000_000;
  let worker: JobWorker | undefined;
  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://', now: () => now });
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
});

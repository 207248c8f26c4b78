import { afterEach, describe, expect, it } from 'vitest';
import { type RunWaiters, runWaiters } from '../../../src/server/run-waiters.js';
import type { CompletionSign } from '../../../src/store/store.js';

let waiters: RunWaiters | undefined;
afterEach(() => waiters?.close());

function hub(signs: () => CompletionSign[]) {
  const queries: string[][] = [];
  waiters = runWaiters({
    intervalMs: 20,
    completionSigns: async (ids) => {
      queries.push([...ids]);
      return signs();
    },
  });
  return { waiters, queries };
}

describe('runWaiters', () => {
  it('polls once for every waited run, and wakes a waiter when its run gets a new sign', async () => {
    let signs: CompletionSign[] = [];
    const { waiters, queries } = hub(() => signs);
    const never = new AbortController();
    const a = waiters.next('run_a', undefined, never.signal);
    const b = waiters.next('run_b', undefined, never.signal);
    expect(waiters.size).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(queries.at(-1)).toEqual(['run_a', 'run_b']);
    signs = [{ remoteRunId: 'run_a', sign: 'codecloud:run_a:agent.completed:x' }];
    expect(await a).toBe('codecloud:run_a:agent.completed:x');
    expect(waiters.size).toBe(1);
    // A sign already acted on does not wake the waiter again.
    const again = waiters.next('run_a', 'codecloud:run_a:agent.completed:x', AbortSignal.timeout(100));
    expect(await again).toBeUndefined();
    never.abort();
    expect(await b).toBeUndefined();
  });

  it('is woken at once by a completion recorded in this process, and polls nothing when nobody waits', async () => {
    const { waiters, queries } = hub(() => []);
    const woken = waiters.next('run_c', undefined, AbortSignal.timeout(5_000));
    waiters.poke('run_c');
    expect(await woken).toMatch(/^poke:/);
    const before = queries.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(queries.length).toBe(before);
  });

  it('serves 500 waiters with one query per poll and wakes exactly the right ones', async () => {
    let signs: CompletionSign[] = [];
    const { waiters, queries } = hub(() => signs);
    const stop = new AbortController();
    const woken = new Set<number>();
    const all = Array.from({ length: 500 }, (_, i) =>
      waiters.next(`run_${i % 250}`, undefined, stop.signal).then((value) => {
        if (value !== undefined) woken.add(i);
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const polled = queries.length;
    expect(polled).toBeGreaterThan(0);
    expect(queries.at(-1)).toHaveLength(250);
    signs = [{ remoteRunId: 'run_7', sign: 'run:completed' }];
    await new Promise((r) => setTimeout(r, 60));
    expect([...woken].sort((a, b) => a - b)).toEqual([7, 257]);
    expect(waiters.size).toBe(498);
    stop.abort();
    await Promise.all(all);
    expect(waiters.size).toBe(0);
  });
});

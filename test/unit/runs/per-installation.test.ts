import { describe, expect, it } from 'vitest';
import { forEachByInstallation } from '../../../src/runs/per-installation.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('forEachByInstallation', () => {
  it('works on several installations at once, one item of each at a time, in order within one', async () => {
    const items = [1, 2, 3, 1, 2, 3, 4, 1].map((installationId, i) => ({ installationId, i }));
    const busy = new Set<number>();
    let peak = 0;
    const done: Array<{ installationId: number; i: number }> = [];
    await forEachByInstallation(
      items,
      async (item) => {
        expect(busy.has(item.installationId)).toBe(false);
        busy.add(item.installationId);
        peak = Math.max(peak, busy.size);
        await sleep(5);
        busy.delete(item.installationId);
        done.push(item);
      },
      { atOnce: 3 },
    );
    expect(done).toHaveLength(items.length);
    expect(peak).toBe(3);
    const of = (id: number) => done.filter((d) => d.installationId === id).map((d) => d.i);
    expect(of(1)).toEqual([0, 3, 7]);
    expect(of(2)).toEqual([1, 4]);
  });

  it('starts nothing more once aborted', async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    await forEachByInstallation(
      [1, 1, 1].map((installationId, i) => ({ installationId, i })),
      async (item) => {
        seen.push(item.i);
        stop.abort();
      },
      { signal: stop.signal },
    );
    expect(seen).toEqual([0]);
  });
});

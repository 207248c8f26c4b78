import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from './sim-clock.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const clocks: SimClock[] = [];
function clock(factor: number): SimClock {
  const c = new SimClock(START, factor, (e) => {
    throw e;
  });
  clocks.push(c);
  return c;
}
afterEach(() => {
  for (const c of clocks.splice(0)) c.close();
});

describe('SimClock', () => {
  it('is frozen at factor 0 and moves only with advance', async () => {
    const c = clock(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.now()).toBe(START);
    expect(await c.advance(1_500)).toBe(START + 1_500);
    expect(c.iso()).toBe('2026-01-01T00:00:01.500Z');
  });

  it('advance fires due timers in time order, with now() at each due time', async () => {
    const c = clock(0);
    const seen: Array<[string, number]> = [];
    c.after(300, () => {
      seen.push(['c', c.now()]);
    });
    c.after(100, () => {
      seen.push(['a', c.now()]);
    });
    c.after(200, () => {
      seen.push(['b', c.now()]);
    });
    c.after(1_000, () => {
      seen.push(['late', c.now()]);
    });
    await c.advance(300);
    expect(seen).toEqual([
      ['a', START + 100],
      ['b', START + 200],
      ['c', START + 300],
    ]);
    expect(c.pending).toBe(1);
  });

  it('awaits each timer, so work it schedules inside the window also fires', async () => {
    const c = clock(0);
    const seen: number[] = [];
    c.after(100, async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push(c.now() - START);
      c.after(50, () => {
        seen.push(c.now() - START);
      });
    });
    await c.advance(200);
    expect(seen).toEqual([100, 150]);
  });

  it('a cancelled timer never fires', async () => {
    const c = clock(0);
    let fired = false;
    const cancel = c.after(10, () => {
      fired = true;
    });
    cancel();
    await c.advance(100);
    expect(fired).toBe(false);
  });

  it('runs in real time scaled by the factor', async () => {
    const c = clock(1_000);
    const fired = new Promise<number>((resolve) => c.after(5_000, () => resolve(performance.now())));
    const started = performance.now();
    const at = await fired;
    expect(at - started).toBeGreaterThanOrEqual(4);
    expect(at - started).toBeLessThan(1_000);
    expect(c.now() - START).toBeGreaterThanOrEqual(5_000);
  });

  it('a factor change re-arms pending timers', async () => {
    const c = clock(1);
    const fired = new Promise<void>((resolve) => c.after(60_000, resolve));
    c.setFactor(60_000);
    await fired;
    expect(c.now() - START).toBeGreaterThanOrEqual(60_000);
  });

  it('refuses a negative factor or advance', async () => {
    expect(() => clock(-1)).toThrow('time factor must be >= 0, got -1');
    await expect(clock(0).advance(-5)).rejects.toThrow('advance takes a number of ms >= 0, got -5');
  });
});

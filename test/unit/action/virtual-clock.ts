/** A simulated clock for the Action's waiting loops: `run(promise)` fires timers in time order until it settles. */
import type { Clock } from '../../../src/action/clock.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export class VirtualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Settles `promise`, advancing simulated time to the next timer whenever everything else is idle. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    while (!done) {
      await idle();
      if (done) break;
      const next = this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq).shift();
      if (!next) throw new Error('VirtualClock: nothing left to wait for, but the promise has not settled');
      this.#now = Math.max(this.#now, next.at);
      next.fire();
    }
    return promise;
  }
}

async function idle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

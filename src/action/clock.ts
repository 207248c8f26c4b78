/** Time for the Action's waiting loops, passed in so tests and benchmarks can run on a simulated clock. */
import { sleep } from '../http/sleep.js';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

// The simulator's clock: simulated time runs at `factor` simulated ms per real ms, and `advance(ms)` jumps ahead,
// firing every timer that became due in order (each awaited, so work a timer schedules can itself become due).

export type TimerFn = () => void | Promise<void>;

interface Timer {
  id: number;
  dueMs: number;
  fn: TimerFn;
}

const MAX_REAL_DELAY = 2_147_483_647;

export class SimClock {
  #baseSim: number;
  #baseReal: number;
  #factor: number;
  #timers: Timer[] = [];
  #nextId = 1;
  #realTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onError: (error: unknown) => void;

  constructor(startMs: number, factor: number, onError: (error: unknown) => void) {
    if (!(factor >= 0) || !Number.isFinite(factor))
      throw new Error(`time factor must be >= 0, got ${factor}`);
    this.#baseSim = startMs;
    this.#baseReal = performance.now();
    this.#factor = factor;
    this.#onError = onError;
  }

  now(): number {
    return Math.floor(this.#baseSim + (performance.now() - this.#baseReal) * this.#factor);
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  get factor(): number {
    return this.#factor;
  }

  setFactor(factor: number): void {
    if (!(factor >= 0) || !Number.isFinite(factor))
      throw new Error(`time factor must be >= 0, got ${factor}`);
    this.#anchor(this.now());
    this.#factor = factor;
    this.#arm();
  }

  /** Runs `fn` at simulated time `dueMs`. Returns a cancel function. */
  at(dueMs: number, fn: TimerFn): () => void {
    const timer: Timer = { id: this.#nextId++, dueMs, fn };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.dueMs - b.dueMs || a.id - b.id);
    this.#arm();
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
      this.#arm();
    };
  }

  after(ms: number, fn: TimerFn): () => void {
    return this.at(this.now() + ms, fn);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Jumps `ms` ahead, firing due timers in order (each awaited). Resolves with the new simulated now. */
  async advance(ms: number): Promise<number> {
    if (!(ms >= 0)) throw new Error(`advance takes a number of ms >= 0, got ${ms}`);
    const target = this.now() + ms;
    for (;;) {
      const next = this.#timers[0];
      if (!next || next.dueMs > target) break;
      this.#timers.shift();
      if (next.dueMs > this.now()) this.#anchor(next.dueMs);
      await this.#run(next);
    }
    if (target > this.now()) this.#anchor(target);
    this.#arm();
    return this.now();
  }

  close(): void {
    this.#closed = true;
    this.#timers = [];
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#realTimer = undefined;
  }

  /** Pending timers (for tests of the clock itself). */
  get pending(): number {
    return this.#timers.length;
  }

  #anchor(simMs: number): void {
    this.#baseSim = simMs;
    this.#baseReal = performance.now();
  }

  async #run(timer: Timer): Promise<void> {
    try {
      await timer.fn();
    } catch (error) {
      this.#onError(error);
    }
  }

  #arm(): void {
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#realTimer = undefined;
    const next = this.#timers[0];
    if (this.#closed || !next || this.#factor === 0) return;
    const delay = Math.min(MAX_REAL_DELAY, Math.max(0, (next.dueMs - this.now()) / this.#factor));
    this.#realTimer = setTimeout(() => this.#fireDue(), Math.ceil(delay));
  }

  #fireDue(): void {
    this.#realTimer = undefined;
    const now = this.now();
    const due: Timer[] = [];
    while (this.#timers[0] && this.#timers[0].dueMs <= now) due.push(this.#timers.shift()!);
    for (const timer of due) void this.#run(timer);
    this.#arm();
  }
}

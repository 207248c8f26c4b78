/** A clock tests move by hand, so time-based store behaviour (leases, throttling, deadlines) needs no sleeping. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function createTestClock(start: number = Date.UTC(2026, 0, 1, 12, 0, 0)): TestClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

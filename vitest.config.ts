import { defineConfig } from 'vitest/config';

/** Settings every tier shares. */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks',
} as const;

/**
 * One real PostgreSQL server for the tiers that need one; each test file that needs it creates its own database.
 * A tier's `globalSetup` runs only when that tier has tests to run, and tiers running together share one server.
 */
const postgres = ['test/integration/store/postgres-server.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'contract',
          // The clients against the simulator, the simulator itself, and the store on a real PostgreSQL.
          include: ['test/contract/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: postgres,
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: postgres,
        },
      },
    ],
  },
});

// Shared set-up of the contract tests: a simulator and the real CodecloudClient pointed at it, with back-off
// sleeps recorded instead of slept.
import { CodecloudClient, type CodecloudClientOptions } from '../../src/codecloud/client.js';
import { startSimulator } from '../sim/simulator.js';
import type { Simulator, SimulatorOptions } from '../sim/types.js';

export interface Harness {
  sim: Simulator;
  client: CodecloudClient;
  /** Every back-off delay the client asked to sleep, in ms. */
  sleeps: number[];
  clientFor(options?: Partial<CodecloudClientOptions>): CodecloudClient;
}

export async function startHarness(options: SimulatorOptions = {}): Promise<Harness> {
  // timeFactor 0: the simulated clock moves only with advance(), so every step is deterministic.
  const sim = await startSimulator({ timeFactor: 0, ...options });
  const sleeps: number[] = [];
  const clientFor = (overrides: Partial<CodecloudClientOptions> = {}): CodecloudClient =>
    new CodecloudClient({
      apiKey: 'test-key',
      baseUrl: sim.url,
      timeoutMs: 2_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...overrides,
    });
  return { sim, client: clientFor(), sleeps, clientFor };
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

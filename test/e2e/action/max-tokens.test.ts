// The bundled Action's `max-tokens` (polling): a run whose reported tokens grow past it is stopped, the step fails
// saying so, and the summary and the `results` output show the tokens.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { NODE24, runStep } from './action-runner.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ timeFactor: 50 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe('max-tokens', () => {
  it('stops a run whose tokens pass it and fails the step saying so', async () => {
    await sim.control.queueScripts({
      runningMs: 600_000,
      progress: [
        { thinking: 'reading', atMs: 5_000, inputTokens: 3_000, outputTokens: 500 },
        { thinking: 'writing', atMs: 20_000, inputTokens: 4_000, outputTokens: 1_000 },
      ],
    });
    const main = await runStep({
      node: NODE24,
      inputs: { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'Big job', 'max-tokens': '5000' },
    });
    expect(main.exitCode, main.stdout).not.toBe(0);
    expect(main.stdout).toMatch(
      /::error::Run \w+ stopped: The run passed max-tokens \(5,000\): 8,500 tokens used; stopped it/,
    );
    const [run] = await sim.control.runs();
    expect(run?.status).toBe('failed'); // the simulator's stop
    const stops = await sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/stop' });
    expect(stops).toHaveLength(1);
    expect(main.outputs.status).toBe('stopped');
    expect(JSON.parse(main.outputs.results ?? '')).toEqual([
      expect.objectContaining({ status: 'stopped', 'input-tokens': 7_000, 'output-tokens': 1_500 }),
    ]);
    expect(main.summary).toContain('7,000 in / 1,500 out');
  });

  it('a run that stays under max-tokens completes as usual', async () => {
    await sim.control.queueScripts({ runningMs: 10_000, inputTokens: 1_000, outputTokens: 200 });
    const main = await runStep({
      node: NODE24,
      inputs: { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'Small job', 'max-tokens': '5000' },
    });
    expect(main.exitCode, main.stdout).toBe(0);
    expect(main.outputs.status).toBe('completed');
    expect(await sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/stop' })).toHaveLength(0);
  });

  it('names a bad max-tokens', async () => {
    const main = await runStep({
      node: NODE24,
      inputs: { 'api-key': 'test-key', 'api-url': sim.url, prompt: 'x', 'max-tokens': '-3' },
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.stdout).toContain("Input 'max-tokens' must be a positive whole number of tokens, got '-3'");
    expect(await sim.control.runs()).toHaveLength(0);
  });
});

// A create whose answer is lost is looked up: the look-up must find the run that create made, never another one
// with the same prompt (another branch, another task of the same step), and say so when it cannot tell.
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LostCreateError } from '../../src/codecloud/client.js';
import { caught, type Harness, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});
afterEach(async () => {
  await h.sim.control.reset();
});

/** A client whose back-off sleep (between the lost create and its look-up) waits for `until`. */
function pausedClient(until: Promise<unknown>) {
  return h.clientFor({ sleep: async () => void (await until) });
}

async function firstCreateAnswered(status: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const requests = await h.sim.control.requests({ route: 'POST /api/v1/agents' });
    if (requests.some((r) => r.status === status)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the create never reached the simulator');
}

describe('look-up of a lost create', () => {
  it('caps a long Retry-After before looking the run up, instead of waiting it out', async () => {
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents',
      status: 503,
      retryAfter: 3600,
      phase: 'after',
      times: 1,
    });
    const slept: number[] = [];
    const client = h.clientFor({ maxRetryAfterMs: 5_000, sleep: async (ms) => void slept.push(ms) });
    const created = await client.createRun({ repo: 'octo/app', prompt: 'Tidy the changelog' });

    expect(created.recovered).toBe(true);
    expect(slept).toEqual([5_000]);
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
  });

  it('does not adopt a run the same client created meanwhile (same prompt, another branch)', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, phase: 'after', times: 1 });
    let release!: () => void;
    const otherDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = pausedClient(otherDone);
    const lost = client.createRun({ repo: 'octo/app', prompt: 'Bump the version', branch: 'release-1' });
    await firstCreateAnswered(503);
    const other = await client.createRun({
      repo: 'octo/app',
      prompt: 'Bump the version',
      branch: 'release-2',
    });
    release();
    const recovered = await lost;

    expect(recovered.recovered).toBe(true);
    expect(recovered.id).not.toBe(other.id);
    const runs = await h.sim.control.runs();
    expect(runs.map((run) => run.id).sort()).toEqual([recovered.id, other.id].sort());
    expect(runs.find((run) => run.id === recovered.id)?.branch).toBe('release-1');
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(2);
  });

  it('fails clearly, without re-sending, when several unclaimed runs match', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, phase: 'after', times: 1 });
    let release!: () => void;
    const otherDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lost = caught(() =>
      pausedClient(otherDone).createRun({ repo: 'octo/app', prompt: 'Same words', branch: 'a' }),
    );
    await firstCreateAnswered(503);
    // Another process (its own client) makes a run with the same prompt before the look-up.
    await h.clientFor().createRun({ repo: 'octo/app', prompt: 'Same words', branch: 'b' });
    release();
    const error = await lost;

    expect(error).toBeInstanceOf(LostCreateError);
    expect((error as LostCreateError).runIds).toHaveLength(2);
    expect((error as Error).message).toMatch(
      /2 runs match it .*not adopting one of them nor sending the create/,
    );
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(2);
  });

  it('skips runs the caller excludes and runs with another model', async () => {
    const mine = await h
      .clientFor()
      .createRun({ repo: 'octo/app', prompt: 'Tidy up', model: 'claude-sonnet-4-5' });
    await h.clientFor().createRun({ repo: 'octo/app', prompt: 'Tidy up', model: 'gpt-5' });
    const found = await h.client.lookUpLostCreate({
      prompt: 'Tidy up',
      repo: 'octo/app',
      model: 'gpt-5',
      since: Date.now(),
      exclude: new Set(),
    });
    expect(found.kind).toBe('found');
    const excluded = await h.client.lookUpLostCreate({
      prompt: 'Tidy up',
      repo: 'octo/app',
      since: Date.now(),
      exclude: new Set([mine.id]),
    });
    expect(excluded.kind).toBe('found');
    expect(excluded.kind === 'found' && excluded.run.id).not.toBe(mine.id);
  });

  it('searches the newest 100 runs (the most the list endpoint returns)', async () => {
    await h.client.lookUpLostCreate({ prompt: 'x', repo: 'octo/app', since: Date.now() });
    const [list] = await h.sim.control.requests({ route: 'GET /api/v1/agents' });
    expect(list?.query).toBe('limit=100');
  });
});

describe('an unreachable API', () => {
  it('names the base URL and the error code', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = h.clientFor({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
    const error = await caught(() => client.getRun('run_1'));
    expect((error as Error).message).toContain(`at http://127.0.0.1:${port}`);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('test-key');
  });
});

// The client's retry rules against the simulator's faults: plan limits, 5xx and 429 on safe calls, Retry-After,
// time-outs, and creates that are looked up instead of being re-sent blindly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodecloudError } from '../../src/codecloud/errors.js';
import { caught, type Harness, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    apiKeys: [
      { key: 'test-key', plan: 'pro' },
      { key: 'starter-key', plan: 'starter' },
    ],
  });
});
afterAll(async () => {
  await h.sim.close();
});
afterEach(async () => {
  await h.sim.control.reset();
  await h.sim.control.setPlan('starter-key', 'starter');
  h.sleeps.length = 0;
});

describe('plan limits', () => {
  it('starter: a second concurrent run is refused with 429, distinguishable as "limit reached", not retried', async () => {
    const starter = h.clientFor({ apiKey: 'starter-key' });
    await h.sim.control.queueScripts({ runningMs: 10_000 });
    await starter.createRun({ repo: 'octo/app', prompt: 'first' });
    const error = await caught(() => starter.createRun({ repo: 'octo/app', prompt: 'second' }));
    expect(error).toBeInstanceOf(CodecloudError);
    expect(error).toMatchObject({
      status: 429,
      limitReached: true,
      apiMessage: 'Concurrent agent limit reached (1 for starter plan)',
      retryAfterMs: 30_000,
    });
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(2);
    expect(await h.sim.control.runs()).toHaveLength(1);

    // once the first run is done, a slot is free again
    await h.sim.control.advance(60_000);
    await expect(starter.createRun({ repo: 'octo/app', prompt: 'third' })).resolves.toMatchObject({
      recovered: false,
    });
  });

  it('pro: five concurrent runs, the sixth is refused', async () => {
    await h.sim.control.setDefaultScript({ runningMs: 100_000 });
    for (let i = 0; i < 5; i++) await h.client.createRun({ repo: 'octo/app', prompt: `run ${i}` });
    expect(await caught(() => h.client.createRun({ repo: 'octo/app', prompt: 'six' }))).toMatchObject({
      limitReached: true,
      apiMessage: 'Concurrent agent limit reached (5 for pro plan)',
    });
    // a stop frees a slot
    const [running] = (await h.client.listRuns({ limit: 1 })).runs;
    await h.client.stopRun(running?.id ?? '');
    await expect(h.client.createRun({ repo: 'octo/app', prompt: 'six' })).resolves.toBeDefined();
    await h.sim.control.setDefaultScript({});
  });

  it('a 400 or 403 whose message speaks of a limit is "limit reached" too (the undocumented gap)', async () => {
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents',
      status: 403,
      body: { error: 'Forbidden', message: 'Monthly run limit reached for your plan' },
      times: 1,
    });
    expect(await caught(() => h.client.createRun({ repo: 'octo/app', prompt: 'x' }))).toMatchObject({
      status: 403,
      limitReached: true,
      retryable: false,
    });
  });
});

describe('retries of safe calls', () => {
  it('a GET answered 503 twice is retried with back-off and succeeds', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'x' });
    await h.sim.control.addFault({ route: 'GET /api/v1/agents/run/{id}', status: 503, times: 2 });
    const retries: number[] = [];
    const client = h.clientFor({ onRetry: (notice) => retries.push(notice.attempt) });
    await expect(client.getRun(id)).resolves.toMatchObject({ id });
    expect(await h.sim.control.requests({ route: 'GET /api/v1/agents/run/{id}' })).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
    // full jitter with random() = 0.5 and the default policy (base 500 ms): 250 ms, then 500 ms
    expect(h.sleeps).toEqual([250, 500]);
  });

  it('gives up after the retry budget with the last error, still retryable', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/agents', status: 500 });
    const client = h.clientFor({ retries: 2 });
    expect(await caught(() => client.listRuns())).toMatchObject({ status: 500, retryable: true });
    expect(await h.sim.control.requests({ route: 'GET /api/v1/agents' })).toHaveLength(3);
  });

  it('honours Retry-After on a 429 (seconds)', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/providers', status: 429, retryAfter: 7, times: 1 });
    await expect(h.client.listProviders()).resolves.toBeDefined();
    expect(h.sleeps).toEqual([7_000]);
  });

  it('does not wait for a Retry-After longer than the limit: the caller gets the error', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/models', status: 503, retryAfter: 3_600, times: 1 });
    expect(await caught(() => h.client.listModels())).toMatchObject({ status: 503, retryAfterMs: 3_600_000 });
    expect(h.sleeps).toEqual([]);
  });

  it('does not retry a 4xx', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/schedules', status: 400, times: 1 });
    expect(await caught(() => h.client.listSchedules())).toMatchObject({ status: 400, retryable: false });
    expect(await h.sim.control.requests({ route: 'GET /api/v1/schedules' })).toHaveLength(1);
  });
});

describe('time-outs', () => {
  it('a request with no answer fails after the time-out as a network error', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/agents', hang: true });
    const client = h.clientFor({ timeoutMs: 150, retries: 0 });
    const started = performance.now();
    const error = await caught(() => client.listRuns());
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expect((error as Error).message).toBe(
      'codecloud API unreachable: no answer within 150 ms (GET /api/v1/agents)',
    );
  });

  it('added latency under the time-out is just slow', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/providers', latencyMs: 100, times: 1 });
    const started = performance.now();
    await h.clientFor({ timeoutMs: 1_000 }).listProviders();
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('a reset connection is a retryable network error', async () => {
    await h.sim.control.addFault({ route: 'GET /api/v1/agents', reset: true, times: 1 });
    await expect(h.client.listRuns()).resolves.toEqual({ runs: [] });
    expect(h.sleeps).toHaveLength(1);
  });
});

describe('creates are never re-sent blindly', () => {
  it('a create whose answer is lost (502 after the run was made) is found by look-up, not re-sent', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 502, phase: 'after', times: 1 });
    const created = await h.client.createRun({ repo: 'octo/app', prompt: 'do it once' });
    expect(created.recovered).toBe(true);
    const runs = await h.sim.control.runs();
    expect(runs.map((r) => r.id)).toEqual([created.id]);
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
    expect((await h.sim.control.requests({ route: 'GET /api/v1/agents' })).length).toBeGreaterThanOrEqual(1);
  });

  it('a lost blank-workspace create is found too (the run has no repo even if the request named one)', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 502, phase: 'after', times: 1 });
    const created = await h.client.createRun({
      repo: 'octo/app',
      prompt: 'a question',
      blank_workspace: true,
    });
    expect(created.recovered).toBe(true);
    expect(await h.sim.control.runs()).toHaveLength(1);
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
  });

  it('a create that timed out after the run was made is found by look-up', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', hang: true, phase: 'after', times: 1 });
    const client = h.clientFor({ timeoutMs: 200 });
    const created = await client.createRun({ repo: 'octo/app', prompt: 'slow answer' });
    expect(created.recovered).toBe(true);
    expect(await h.sim.control.runs()).toHaveLength(1);
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
  });

  it('a create that failed before anything happened is looked up, not found, and only then sent again', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, times: 1 });
    const created = await h.client.createRun({ repo: 'octo/app', prompt: 'second try' });
    expect(created.recovered).toBe(false);
    expect(await h.sim.control.runs()).toHaveLength(1);
    const order = (await h.sim.control.requests()).map((r) => `${r.route} ${r.status}`);
    expect(order[0]).toBe('POST /api/v1/agents 503');
    expect(order.at(-1)).toBe('POST /api/v1/agents 201');
    expect(order).toContain('GET /api/v1/agents 200');
  });

  it('a look-up that also fails means the create is not sent again', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 502, phase: 'after', times: 1 });
    await h.sim.control.addFault({ route: 'GET /api/v1/agents', status: 500 });
    const client = h.clientFor({ retries: 1 });
    expect(await caught(() => client.createRun({ repo: 'octo/app', prompt: 'unknown' }))).toMatchObject({
      status: 502,
    });
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents' })).toHaveLength(1);
  });

  it('a run with the same repo but another prompt is not mistaken for the lost one', async () => {
    await h.client.createRun({ repo: 'octo/app', prompt: 'an older run' });
    await h.sim.control.addFault({ route: 'POST /api/v1/agents', status: 503, times: 1 });
    const created = await h.client.createRun({ repo: 'octo/app', prompt: 'the new run' });
    expect(created.recovered).toBe(false);
    expect((await h.sim.control.runs()).map((r) => r.prompt)).toEqual(['an older run', 'the new run']);
  });
});

describe('fault injection is controllable', () => {
  it('rate-based faults are seeded and removable', async () => {
    const id = await h.sim.control.addFault({ route: '*', status: 500, rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch(`${h.sim.url}/api/v1/providers`)).status);
    expect(statuses).toContain(500);
    expect(statuses).toContain(200);
    await h.sim.control.removeFault(id);
    expect((await fetch(`${h.sim.url}/api/v1/providers`)).status).toBe(200);
  });

  it('rejects a malformed fault with a clear message', async () => {
    await expect(h.sim.control.addFault({ route: 'GET /api/v1/agents', rate: 2 })).rejects.toThrow(
      /^fault: rate: /,
    );
    await expect(
      h.sim.control.queueScripts({ runingMs: 5 } as unknown as Parameters<
        typeof h.sim.control.queueScripts
      >[0]),
    ).rejects.toThrow(/^queueScripts\[0\]: .*runingMs/);
  });
});

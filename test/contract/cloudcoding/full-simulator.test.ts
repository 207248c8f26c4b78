// The Cloud Coding route as registered in the full simulator (`startSimulator`): served next to the codecloud API,
// its control over `POST /_sim/ext/cloudcoding/<op>`, the simulator's route faults and request records apply.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCodingClient } from '../../../src/cloudcoding/client.js';
import { runCloudCoding } from '../../../src/cloudcoding/run-cloud-coding.js';
import { cloudCodingSimControl } from '../../sim/cloudcoding/control-client.js';
import type { CloudCodingSimControl } from '../../sim/cloudcoding/types.js';
import { type Simulator, startSimulator } from '../../sim/simulator.js';

let sim: Simulator;
let cc: CloudCodingSimControl;

beforeAll(async () => {
  sim = await startSimulator({ apiKeys: [{ key: 'sim-key', plan: 'pro' }] });
  cc = cloudCodingSimControl(sim.url);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.clearFaults();
});

const body = {
  repo_url: 'https://github.com/acme/widgets',
  github_token: 'ghs_fullSimulatorToken000000000000000',
  messages: [{ type: 'human' as const, content: 'fix it' }],
};

describe('Cloud Coding in the full simulator', () => {
  it('streams with a key the simulator knows, and records the invocation', async () => {
    const client = new CloudCodingClient({ apiKey: 'sim-key', baseUrl: sim.url });
    const state = await runCloudCoding(client, body);
    expect(state.status).toBe('completed');
    expect(state.tasks[0]?.output).toContain('Working on: fix it');
    const invocations = await cc.invocations();
    expect(invocations.map((i) => [i.status, i.ended, i.thread_id])).toEqual([
      [200, 'completed', state.threadId],
    ]);
    const requests = await sim.control.requests({ route: 'POST /invoke/stdout' });
    expect(requests).toHaveLength(1);
  });

  it('queued behaviours over HTTP control, and the simulator route faults, both apply', async () => {
    const client = new CloudCodingClient({ apiKey: 'sim-key', baseUrl: sim.url });
    await cc.queue({ disconnectAfter: 2 });
    expect((await runCloudCoding(client, body)).status).toBe('disconnected');
    await sim.control.addFault({ route: 'POST /invoke/stdout', status: 503, times: 1 });
    const failed = await runCloudCoding(client, body);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/^Cloud Coding API 503: /);
  });

  it('refuses an unknown key with 401', async () => {
    const client = new CloudCodingClient({ apiKey: 'nobody', baseUrl: sim.url });
    const state = await runCloudCoding(client, body);
    expect(state).toMatchObject({ status: 'failed', reason: 'Cloud Coding API 401: Invalid API key' });
  });
});

// Cloud Coding behind the App's AgentBackend seam, against the simulator over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloudCodingAgentBackend,
  cloudCodingAgentBackend,
  LOST_STREAM_MESSAGE,
} from '../../../src/backends/cloudcoding-backend.js';
import { CloudCodingClient } from '../../../src/cloudcoding/client.js';
import type { CloudCodingRunState } from '../../../src/cloudcoding/run-recorder.js';
import { type CloudCodingSimulator, startCloudCodingSimulator } from '../../sim/cloudcoding/standalone.js';

const API_KEY = 'cc-backend-key';
let sim: CloudCodingSimulator;
let tokenRequests: Array<{ installationId: number; repo: string }>;
let updates: CloudCodingRunState[];
let finished: string[];
let stored: Map<string, string>;

beforeAll(async () => {
  sim = await startCloudCodingSimulator({ apiKeys: [API_KEY] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  tokenRequests = [];
  updates = [];
  finished = [];
  stored = new Map();
});

function backend(apiKey = API_KEY): CloudCodingAgentBackend {
  let n = 0;
  return cloudCodingAgentBackend({
    client: new CloudCodingClient({ apiKey, baseUrl: sim.url, sleep: async () => {} }),
    githubToken: async (request) => {
      tokenRequests.push(request);
      return `ghs_installationToken${tokenRequests.length}000000000000000`;
    },
    threadIds: {
      get: async (id) => stored.get(id),
      set: async (id, threadId) => {
        stored.set(id, threadId);
      },
    },
    onUpdate: (_id, state) => updates.push(state),
    onFinished: (id) => finished.push(id),
    newId: () => `cc_${++n}`,
  });
}

const start = {
  repo: 'acme/widgets',
  prompt: 'fix the bug',
  mode: 'execute' as const,
  autoCreatePr: true,
  installationId: 77,
  branch: 'dev',
};

describe('cloudCodingAgentBackend', () => {
  it('starts a run with a repository-scoped token, streams it, and reports the result', async () => {
    const b = backend();
    const started = await b.start(start);
    expect(started).toEqual({ kind: 'started', remoteRunId: 'cc_1' });
    expect(tokenRequests).toEqual([{ installationId: 77, repo: 'acme/widgets' }]);
    await b.settled('cc_1');
    const view = await b.get('cc_1');
    expect(view).toMatchObject({
      status: 'completed',
      repo: 'acme/widgets',
      result: 'Done: fix the bug',
      prs: [],
    });
    expect(updates.length).toBeGreaterThan(3);
    expect(updates.at(-1)?.tasks[0]?.output).toContain('Working on: fix the bug');
    expect(finished).toEqual(['cc_1']);
    const [invocation] = await sim.control.invocations();
    expect(invocation?.body).toMatchObject({
      repo_url: 'https://github.com/acme/widgets',
      github_token: 'ghs_installationToken1000000000000000',
      branch: 'dev',
      messages: [{ type: 'human', content: 'fix the bug' }],
    });
    expect(stored.get('cc_1')).toBe(invocation?.thread_id);
  });

  it('a follow-up continues the thread with a fresh token', async () => {
    const b = backend();
    await b.start(start);
    await b.settled('cc_1');
    expect(
      await b.followUp('cc_1', { prompt: 'also add tests', updatePr: true, idempotencyKey: 'k' }),
    ).toEqual({
      kind: 'sent',
    });
    await b.settled('cc_1');
    const view = await b.get('cc_1');
    expect(view).toMatchObject({ status: 'completed', result: 'Done: also add tests' });
    const invocations = await sim.control.invocations();
    expect(invocations[1]?.body).toMatchObject({
      thread_id: invocations[0]?.thread_id,
      github_token: 'ghs_installationToken2000000000000000',
    });
    expect(tokenRequests).toHaveLength(2);
  });

  it('a disconnect is a visible failure, never a stuck "running"', async () => {
    await sim.control.queue({ disconnectAfter: 3 });
    const b = backend();
    await b.start(start);
    await b.settled('cc_1');
    const view = await b.get('cc_1');
    expect(view.status).toBe('failed');
    expect(view.error).toMatch(/^Cloud Coding stream lost: the connection dropped/);
  });

  it('stop closes the stream', async () => {
    await sim.control.queue({ stallAfter: 2 });
    const b = backend();
    await b.start(start);
    expect((await b.get('cc_1')).status).toBe('running');
    await b.stop('cc_1');
    expect(await b.get('cc_1')).toMatchObject({
      status: 'failed',
      error: 'Cloud Coding run cancelled: stopped',
    });
    await expect.poll(async () => (await sim.control.invocations())[0]?.ended).toBe('stalled');
  });

  it('an HTTP error throws from start; a 429 is limit-reached', async () => {
    await expect(backend('bad-key').start(start)).rejects.toThrow('Cloud Coding API 401: Invalid API key');
    await sim.control.queue(
      { status: 429, body: { detail: 'Concurrent limit reached' } },
      { status: 429, body: { detail: 'Concurrent limit reached' } },
      { status: 429, body: { detail: 'Concurrent limit reached' } },
    );
    expect(await backend().start(start)).toEqual({
      kind: 'limit-reached',
      message: 'Cloud Coding API 429: Concurrent limit reached',
    });
  });

  it('a run this process does not hold reads as failed, and cannot be followed up', async () => {
    const b = backend();
    expect(await b.get('cc_unknown')).toEqual({ status: 'failed', error: LOST_STREAM_MESSAGE, prs: [] });
    stored.set('cc_old', 'thread_x');
    await expect(b.followUp('cc_old', { prompt: 'x', updatePr: true, idempotencyKey: 'k' })).rejects.toThrow(
      LOST_STREAM_MESSAGE,
    );
    expect(await b.threadIdOf('cc_old')).toBe('thread_x');
  });
});

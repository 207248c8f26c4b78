// The Cloud Coding client against the simulator's `POST /invoke/stdout` over real HTTP on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudCodingClient,
  type CloudCodingClientOptions,
  type CloudCodingOutcome,
} from '../../../src/cloudcoding/client.js';
import type { CloudCodingEvent } from '../../../src/cloudcoding/events.js';
import { runCloudCoding } from '../../../src/cloudcoding/run-cloud-coding.js';
import { combinedOutput } from '../../../src/cloudcoding/run-recorder.js';
import { type CloudCodingSimulator, startCloudCodingSimulator } from '../../sim/cloudcoding/standalone.js';
import type { InvocationBehaviour } from '../../sim/cloudcoding/types.js';

const API_KEY = 'cc-contract-key';
const GITHUB_TOKEN = 'ghs_contractTokenValue1234567890abcdef';
const REPO_URL = 'https://github.com/acme/widgets';

let sim: CloudCodingSimulator;

beforeAll(async () => {
  sim = await startCloudCodingSimulator({ apiKeys: [API_KEY] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

function client(options: Partial<CloudCodingClientOptions> = {}): CloudCodingClient {
  return new CloudCodingClient({ apiKey: API_KEY, baseUrl: sim.url, sleep: async () => {}, ...options });
}

const single = (content: string, extra: Record<string, unknown> = {}) => ({
  repo_url: REPO_URL,
  github_token: GITHUB_TOKEN,
  messages: [{ type: 'human' as const, content }],
  ...extra,
});

async function collect(
  c: CloudCodingClient,
  body: Parameters<CloudCodingClient['invoke']>[0],
  signal?: AbortSignal,
): Promise<{ events: CloudCodingEvent[]; outcome: CloudCodingOutcome }> {
  const invocation = c.invoke(body, { signal });
  const events: CloudCodingEvent[] = [];
  for await (const event of invocation) events.push(event);
  return { events, outcome: await invocation.outcome };
}

const stdoutOf = (events: CloudCodingEvent[], task?: string) =>
  events
    .filter((e) => e.kind === 'stdout' && e.taskName === task)
    .map((e) => (e.kind === 'stdout' ? e.text : ''))
    .join('');

describe('CloudCodingClient against the simulator', () => {
  for (const behaviour of [
    { name: 'envelope framing', b: {} },
    { name: 'SSE event: framing', b: { framing: 'sse' } },
    { name: 'one byte per write, CRLF, comments', b: { chunking: 'bytes', crlf: true, comments: true } },
    { name: 'events cut inside UTF-8 characters', b: { chunking: 'split' } },
    { name: 'the whole stream in one write', b: { chunking: 'whole', framing: 'sse' } },
  ] satisfies Array<{ name: string; b: InvocationBehaviour }>) {
    it(`streams a single task (${behaviour.name})`, async () => {
      await sim.control.queue(behaviour.b);
      const { events, outcome } = await collect(client(), single('fix the flaky test'));
      expect(outcome).toMatchObject({ status: 'completed', endEvent: true });
      expect(outcome.threadId).toMatch(/^thread_/);
      const out = stdoutOf(events);
      expect(out).toContain('$ git clone https://github.com/acme/widgets --branch main');
      expect(out).toContain('Working on: fix the flaky test');
      expect(out).toContain('✓ checks passed');
      expect(out).not.toContain('\ufffd');
      const last = events.filter((e) => e.kind === 'update').at(-1);
      expect(last?.kind === 'update' && last.text).toBe('Done: fix the flaky test');
    });
  }

  it('passes github_token, branch, haiku and the API key through', async () => {
    const { outcome } = await collect(client(), single('task', { branch: 'feature/x', haiku: true }));
    expect(outcome.status).toBe('completed');
    const [received] = await sim.control.invocations();
    expect(received?.headers['x-api-key']).toBe(API_KEY);
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.body).toEqual({
      repo_url: REPO_URL,
      github_token: GITHUB_TOKEN,
      messages: [{ type: 'human', content: 'task' }],
      branch: 'feature/x',
      haiku: true,
    });
  });

  it('masks the GitHub token and API key wherever the agent echoes them', async () => {
    await sim.control.queue({
      stdout: {
        '': [`remote: https://x-access-token:${GITHUB_TOKEN}@github.com/acme/widgets\n`, `key ${API_KEY}\n`],
      },
      result: { '': `pushed with ${GITHUB_TOKEN}` },
    });
    const events: CloudCodingEvent[] = [];
    const state = await runCloudCoding(client(), single('x'), { onEvent: (e) => void events.push(e) });
    const everything = JSON.stringify({ events, state });
    expect(everything).not.toContain(GITHUB_TOKEN);
    expect(everything).not.toContain(API_KEY);
    expect(state.tasks[0]?.output).toBe(
      'remote: https://[redacted]@github.com/acme/widgets\nkey [redacted]\n',
    );
    expect(state.tasks[0]?.lastMessage).toBe('pushed with [redacted]');
  });

  it('runs parallel tasks with interleaved events, kept apart per task_name', async () => {
    const c = client();
    const body = {
      repo_url: REPO_URL,
      github_token: GITHUB_TOKEN,
      parallel_tasks: [
        { prompt: 'write docs', task_name: 'api-docs' },
        { prompt: 'add tests', task_name: 'unit-tests' },
      ],
    };
    const seen: string[] = [];
    const state = await runCloudCoding(c, body, {
      onEvent: (event) => {
        if (event.kind === 'stdout') seen.push(event.taskName ?? '?');
      },
    });
    expect(state.status).toBe('completed');
    // Interleaved: the tasks alternate rather than one finishing before the other starts.
    expect(seen.slice(0, 4)).toEqual(['api-docs', 'unit-tests', 'api-docs', 'unit-tests']);
    expect(state.tasks.map((t) => [t.name, t.status])).toEqual([
      ['api-docs', 'completed'],
      ['unit-tests', 'completed'],
    ]);
    expect(state.tasks[0]?.output).toContain('Working on: write docs');
    expect(state.tasks[0]?.output).not.toContain('add tests');
    expect(state.tasks[1]?.lastMessage).toBe('Done: add tests');
    expect(combinedOutput(state)).toMatch(/## api-docs\n[\s\S]*## unit-tests\n/);
  });

  it('continues a thread: the follow-up sees the earlier messages', async () => {
    const c = client();
    const first = await runCloudCoding(c, single('add a login page'));
    expect(first.status).toBe('completed');
    expect(first.threadId).toBeDefined();
    const second = await runCloudCoding(c, single('now add logout', { thread_id: first.threadId }));
    expect(second.status).toBe('completed');
    expect(second.threadId).toBe(first.threadId);
    expect(second.tasks[0]?.output).toContain('earlier: add a login page');
    const thread = await sim.control.thread(first.threadId ?? '');
    expect(thread?.messages.map((m) => m.content)).toEqual([
      'add a login page',
      'Done: add a login page',
      'now add logout',
      'Done: now add logout',
    ]);
    const invocations = await sim.control.invocations();
    expect(invocations[1]?.body).toMatchObject({ thread_id: first.threadId });
  });

  it('reports an unknown thread as a failure naming the status and body', async () => {
    const { outcome } = await collect(client(), single('x', { thread_id: 'thread_nope' }));
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: "Cloud Coding API 404: Thread 'thread_nope' not found",
    });
  });

  it('a mid-stream disconnect ends as disconnected, never completed, keeping what arrived', async () => {
    await sim.control.queue({ disconnectAfter: 4 });
    const state = await runCloudCoding(client(), single('long job'));
    expect(state.status).toBe('disconnected');
    expect(state.reason).toMatch(/^Cloud Coding stream lost: the connection dropped/);
    expect(state.threadId).toMatch(/^thread_/);
    expect(state.tasks[0]?.output).toContain('$ git clone');
    expect(state.tasks[0]?.status).toBe('disconnected');
  });

  it('a stream that stops in the middle of an event is disconnected', async () => {
    await sim.control.queue({ truncateAfter: 3 });
    const { outcome } = await collect(client(), single('job'));
    expect(outcome.status).toBe('disconnected');
    expect(outcome.status !== 'completed' && outcome.reason).toMatch(/in the middle of an event/);
  });

  it('a clean close without an end event completes by default and is lost with requireEndEvent', async () => {
    await sim.control.queue({ endEvent: false }, { endEvent: false });
    expect((await collect(client(), single('a'))).outcome).toMatchObject({
      status: 'completed',
      endEvent: false,
    });
    const strict = await collect(client({ requireEndEvent: true }), single('b'));
    expect(strict.outcome.status).toBe('disconnected');
  });

  it('an error event fails the run with its message; in a parallel run only that task', async () => {
    await sim.control.queue({ errors: { 'unit-tests': 'tests would not compile' } });
    const state = await runCloudCoding(client(), {
      repo_url: REPO_URL,
      github_token: GITHUB_TOKEN,
      parallel_tasks: [
        { prompt: 'docs', task_name: 'api-docs' },
        { prompt: 'tests', task_name: 'unit-tests' },
      ],
    });
    expect(state.status).toBe('failed');
    expect(state.reason).toBe("Cloud Coding agent error: task 'unit-tests': tests would not compile");
    expect(state.tasks.map((t) => t.status)).toEqual(['completed', 'failed']);
  });

  it('401 names the status and body and never shows the key or token', async () => {
    const c = new CloudCodingClient({ apiKey: 'wrong-key-123', baseUrl: sim.url });
    const { events, outcome } = await collect(c, single('x'));
    expect(events).toEqual([]);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'Cloud Coding API 401: Invalid API key' });
    expect(outcome.status !== 'completed' && outcome.error.status).toBe(401);
  });

  it('5xx fails at once without a retry (invoking is not idempotent)', async () => {
    await sim.control.queue({ status: 502, body: { detail: `upstream broke for ${GITHUB_TOKEN}` } });
    const { outcome } = await collect(client(), single('x'));
    expect(outcome.status).toBe('failed');
    expect(outcome.status !== 'completed' && outcome.reason).toBe(
      'Cloud Coding API 502: upstream broke for [redacted]',
    );
    expect(await sim.control.invocations()).toHaveLength(1);
  });

  it('429 is retried after Retry-After, then streams', async () => {
    await sim.control.queue({ status: 429, retryAfter: 2, body: { detail: 'slow down' } });
    const delays: number[] = [];
    const c = client({ onRetry: (n) => delays.push(n.delayMs) });
    const { outcome } = await collect(c, single('x'));
    expect(outcome.status).toBe('completed');
    expect(delays).toEqual([2000]);
    expect((await sim.control.invocations()).map((i) => i.status)).toEqual([429, 200]);
  });

  it('a 429 whose Retry-After is longer than maxRetryAfterMs is not waited for: the outcome is the 429', async () => {
    await sim.control.queue({ status: 429, retryAfter: 120, body: { detail: 'slow down' } });
    const delays: number[] = [];
    const c = client({ maxRetryAfterMs: 60_000, onRetry: (n) => delays.push(n.delayMs) });
    const { outcome } = await collect(c, single('x'));
    expect(outcome.status).toBe('failed');
    expect(outcome.status !== 'completed' && outcome.reason).toBe('Cloud Coding API 429: slow down');
    expect(delays).toEqual([]);
    expect((await sim.control.invocations()).map((i) => i.status)).toEqual([429]);
  });

  it('an idle stream ends as disconnected after the idle time-out', async () => {
    await sim.control.queue({ stallAfter: 2 });
    const { events, outcome } = await collect(client({ idleTimeoutMs: 150 }), single('x'));
    expect(events.length).toBe(2);
    expect(outcome.status).toBe('disconnected');
    expect(outcome.status !== 'completed' && outcome.reason).toBe(
      'Cloud Coding stream lost: nothing received for 150 ms',
    );
  });

  it('slow chunks within the idle time-out are fine', async () => {
    await sim.control.queue({ delayMs: 15, chunking: 'split' });
    const { outcome } = await collect(client({ idleTimeoutMs: 1000 }), single('x'));
    expect(outcome.status).toBe('completed');
  });

  it('abort cancels the stream and the simulator sees the client go', async () => {
    await sim.control.queue({ stallAfter: 3 });
    const controller = new AbortController();
    const invocation = client().invoke(single('x'), { signal: controller.signal });
    let count = 0;
    for await (const _ of invocation) {
      if (++count === 3) setTimeout(() => controller.abort(new Error('stopped by @octocat')), 10);
    }
    const outcome = await invocation.outcome;
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: 'Cloud Coding run cancelled: stopped by @octocat',
    });
    await expect.poll(async () => (await sim.control.invocations())[0]?.ended).toBe('stalled');
  });

  it('breaking out of the loop early cancels and says so', async () => {
    const invocation = client().invoke(single('x'));
    for await (const _ of invocation) break;
    expect((await invocation.outcome).status).toBe('cancelled');
  });

  it('done() drains the events and returns the outcome', async () => {
    expect((await client().invoke(single('x')).done()).status).toBe('completed');
  });

  it('no answer within the connect time-out is a failure', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const c = new CloudCodingClient({
        apiKey: API_KEY,
        baseUrl: `http://127.0.0.1:${port}`,
        connectTimeoutMs: 100,
      });
      const { outcome } = await collect(c, single('x'));
      expect(outcome).toMatchObject({
        status: 'failed',
        reason: 'Cloud Coding API did not answer within 100 ms (POST /invoke/stdout)',
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a refused connection is retried, then reported', async () => {
    const { createServer } = await import('node:http');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const retries: string[] = [];
    const c = new CloudCodingClient({
      apiKey: API_KEY,
      baseUrl: `http://127.0.0.1:${port}`,
      sleep: async () => {},
      onRetry: (n) => retries.push(n.reason),
    });
    const { outcome } = await collect(c, single('x'));
    expect(outcome.status).toBe('failed');
    expect(outcome.status !== 'completed' && outcome.reason).toMatch(
      /^Cloud Coding API unreachable: .*ECONNREFUSED/,
    );
    expect(retries).toHaveLength(2);
  });

  it('an invalid request throws at once, names the field and value, and sends nothing', async () => {
    expect(() => client().invoke({ ...single('x'), repo_url: 'acme/widgets' })).toThrow(
      "Invalid Cloud Coding request: repo_url: repo_url must look like https://github.com/owner/repo (got 'acme/widgets')",
    );
    expect(await sim.control.invocations()).toEqual([]);
  });
});

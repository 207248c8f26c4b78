import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../src/action/action-context.js';
import { runCloudCodingAction } from '../../../src/action/cloudcoding-action.js';
import { ACTION_INPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { parseActionInputs } from '../../../src/action/inputs.js';
import type { ActionSettings } from '../../../src/action/settings.js';
import { CloudCodingClient } from '../../../src/cloudcoding/client.js';

const TOKEN = 'ghs_jobtoken00000000000000000000000000';

function settings(inputs: Partial<RawInputs>): ActionSettings {
  const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
  return parseActionInputs(
    { ...raw, 'api-key': 'cc-key-1234', backend: 'cloudcoding', 'github-token': TOKEN, ...inputs },
    { GITHUB_REPOSITORY: 'octo/widgets', GITHUB_REF_NAME: 'main' },
    new Date('2026-06-01T00:00:00Z'),
  ).settings;
}

/** An SSE response whose body the test writes piece by piece. */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  let requestSignal: AbortSignal | undefined;
  let requestBody: unknown;
  const fetchImpl: typeof fetch = async (_url, init) => {
    requestSignal = init?.signal ?? undefined;
    requestBody = JSON.parse(String(init?.body));
    requestSignal?.addEventListener('abort', () => {
      try {
        controller.error(new Error('aborted'));
      } catch {}
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return {
    fetchImpl,
    send: (event: string, data: unknown) =>
      controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    raw: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    aborted: () => requestSignal?.aborted ?? false,
    body: () => requestBody,
  };
}

/** Records the log; the clock's timers fire only when the test says so. */
function harness() {
  const calls: string[] = [];
  const timers: Array<{ ms: number; fire: () => void }> = [];
  const cancel = new AbortController();
  const context: ActionContext = {
    log: {
      info: (text) => calls.push(`info ${text}`),
      warning: (text) => calls.push(`warning ${text}`),
      notice: (text) => calls.push(`notice ${text}`),
      group: (title, lines) => calls.push(`group ${title}`, ...lines.map((line) => `  ${line}`)),
    },
    clock: {
      now: () => 0,
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          timers.push({ ms, fire: resolve });
          signal?.addEventListener('abort', () => resolve(), { once: true });
        }),
    },
    signal: cancel.signal,
    pollScale: 1,
    random: () => 0.5,
    onActiveRuns: () => calls.push('onActiveRuns'),
  };
  const live = {
    untrusted: (lines: readonly string[]) => calls.push(...lines.map((line) => `live ${line}`)),
    startGroup: (title: string) => calls.push(`startGroup ${title}`),
    endGroup: () => calls.push('endGroup'),
  };
  return { calls, timers, cancel, context, live };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('runCloudCodingAction', () => {
  it('streams whole lines live inside one group for a single task, then reports', async () => {
    const stream = controlledStream();
    const h = harness();
    const client = new CloudCodingClient({ apiKey: 'cc-key-1234', fetch: stream.fetchImpl });
    const running = runCloudCodingAction(
      settings({ prompt: 'Fix the flaky test' }),
      { client, live: h.live, serverUrl: undefined },
      h.context,
    );
    stream.send('metadata', { thread_id: 'thread_1' });
    stream.send('custom', { stdout: 'hel' });
    await tick();
    // Half a line is held back until its end arrives.
    expect(h.calls.filter((c) => c.startsWith('live '))).toEqual(['live Cloud Coding thread: thread_1']);
    stream.send('custom', { stdout: `lo ${TOKEN} OPENAI_API_KEY=abcdefgh12345\nwor` });
    stream.send('updates', { agent: { messages: [{ type: 'ai', content: 'Done.' }] } });
    stream.send('custom', { stdout: 'ld\n' });
    stream.send('end', {});
    stream.end();
    const outcome = await running;
    expect(stream.body()).toMatchObject({
      github_token: TOKEN,
      messages: [{ content: 'Fix the flaky test' }],
    });
    expect(h.calls).toEqual([
      'info Cloud Coding: running one task on octo/widgets@main (POST https://api.cloudcoding.ai/invoke/stdout; time-out 60 min)',
      'startGroup Cloud Coding: Fix the flaky test',
      'live Cloud Coding thread: thread_1',
      'live hello [redacted] OPENAI_API_KEY=[redacted]',
      'live » Done.',
      'live world',
      'endGroup',
      'live Cloud Coding run completed (thread thread_1) after 0s',
    ]);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.outputs).toMatchObject({ status: 'completed', 'thread-id': 'thread_1' });
    // The client masks the token and anything token-shaped with the one redactor; the adapter redacts again.
    expect(outcome.outputs.result).toBe('hello [redacted] OPENAI_API_KEY=[redacted]\nworld\n');
    expect(h.timers.map((t) => t.ms)).toEqual([3_600_000]);
  });

  it('prefixes interleaved parallel lines and gives each task a group at the end', async () => {
    const stream = controlledStream();
    const h = harness();
    const client = new CloudCodingClient({ apiKey: 'cc-key-1234', fetch: stream.fetchImpl });
    const running = runCloudCodingAction(
      settings({ tasks: '- {name: a, prompt: A}\n- {name: b, prompt: B}' }),
      { client, live: h.live, serverUrl: undefined },
      h.context,
    );
    stream.raw('data: {"event": "custom", "data": {"task_name": "a", "stdout": "a1\\n"}}\n\n');
    stream.send('custom', { task_name: 'b', stdout: 'b1\n' });
    stream.send('custom', { task_name: 'a', stdout: 'a2\n' });
    stream.send('end', { task_name: 'a' });
    stream.send('error', { task_name: 'b', message: 'tests fail' });
    stream.end();
    const outcome = await running;
    expect(h.calls.filter((c) => !c.startsWith('info'))).toEqual([
      'live [a] a1',
      'live [b] b1',
      'live [a] a2',
      'live [a] (task finished)',
      'live [b] error: tests fail',
      'group a: completed',
      '  a1',
      '  a2',
      'group b: failed',
      '  b1',
      '  ',
      '  Error: tests fail',
      'live Cloud Coding run failed after 0s',
    ]);
    expect(outcome.failure).toBe('1 of 2 Cloud Coding tasks did not complete: b (failed: tests fail)');
    expect(h.calls).not.toContain('onActiveRuns');
  });

  it('closes the stream at timeout-minutes and fails as timed-out', async () => {
    const stream = controlledStream();
    const h = harness();
    const client = new CloudCodingClient({ apiKey: 'cc-key-1234', fetch: stream.fetchImpl });
    const running = runCloudCodingAction(
      settings({ prompt: 'Think', 'timeout-minutes': '2', 'fail-on-error': 'false' }),
      { client, live: h.live, serverUrl: undefined },
      h.context,
    );
    stream.send('custom', { stdout: 'thinking\n' });
    await tick();
    expect(h.timers.map((t) => t.ms)).toEqual([120_000]);
    h.timers[0]?.fire();
    const outcome = await running;
    expect(stream.aborted()).toBe(true);
    expect(h.calls).toContain(
      'info Did not finish within 2 minutes: closing the Cloud Coding stream (the Cloud Coding API has no stop call: closing the stream is how a run is cancelled)',
    );
    expect(outcome.outputs.status).toBe('timed-out');
    expect(outcome.failure).toMatch(
      /^Cloud Coding run timed out: Did not finish within 2 minutes; closed the stream/,
    );
  });

  it('closes the stream when the step is cancelled', async () => {
    const stream = controlledStream();
    const h = harness();
    const client = new CloudCodingClient({ apiKey: 'cc-key-1234', fetch: stream.fetchImpl });
    const running = runCloudCodingAction(
      settings({ prompt: 'Long job' }),
      { client, live: h.live, serverUrl: undefined },
      h.context,
    );
    stream.send('custom', { stdout: 'working\n' });
    await tick();
    h.cancel.abort();
    const outcome = await running;
    expect(stream.aborted()).toBe(true);
    expect(outcome.outputs).toMatchObject({ status: 'stopped', result: 'working\n' });
    expect(outcome.failure).toBe('The step was cancelled; closed the Cloud Coding stream');
    expect(h.calls.indexOf('endGroup')).toBeGreaterThan(h.calls.indexOf('live working'));
  });

  it('refuses settings Cloud Coding cannot honour before calling anything', async () => {
    const h = harness();
    let called = false;
    const client = new CloudCodingClient({
      apiKey: 'cc-key-1234',
      fetch: async () => {
        called = true;
        return new Response('');
      },
    });
    await expect(
      runCloudCodingAction(
        settings({ prompt: 'x', mode: 'plan' }),
        { client, live: h.live, serverUrl: undefined },
        h.context,
      ),
    ).rejects.toThrow("Input 'mode' must be 'execute' with backend 'cloudcoding'");
    expect(called).toBe(false);
    expect(h.calls).toEqual([]);
  });
});

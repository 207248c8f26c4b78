// Webhooks as a receiving test server sees them: documented headers, signatures that verify with
// verifyCodecloudSignature, retries at 1 s / 5 s / 30 s (simulated), a new delivery id per attempt, progress events
// sent once, and dropped/duplicated deliveries.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CodecloudEvent, eventDedupKey } from '../../src/codecloud/webhook-events.js';
import { verifyCodecloudSignature } from '../../src/codecloud/webhook-signature.js';
import { startSimulator } from '../sim/simulator.js';
import type { Simulator } from '../sim/types.js';
import { startWebhookReceiver, type WebhookReceiver } from '../sim/webhook-receiver.js';
import { type Harness, startHarness } from './harness.js';

let receiver: WebhookReceiver;
let h: Harness;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  h = await startHarness({ webhookSecret: 'whsec-1' });
});
afterEach(async () => {
  await h.sim.close();
  receiver.received.length = 0;
  receiver.respondWith(() => 200);
});

async function finishedRun(prompt = 'fix it'): Promise<string> {
  const { id } = await h.client.createRun({ repo: 'octo/app', prompt, webhook_url: receiver.url });
  await h.sim.control.advance(1_000 + 5_000); // default script: 1 s queued, 5 s running
  return id;
}

describe('delivery', () => {
  it('sends agent.completed with the documented headers, a signature that verifies, and the documented body', async () => {
    await h.sim.control.queueScripts({
      prs: [{ number: 42, branch: 'codecloud/add-auth' }],
      result: 'Added auth',
    });
    const id = await finishedRun();
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'codecloud-Webhooks/1.0',
      'x-codecloud-event': 'agent.completed',
    });
    expect(hook?.headers['x-codecloud-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook?.headers['x-codecloud-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await verifyCodecloudSignature(['whsec-1'], hook?.body ?? '', hook?.headers['x-codecloud-signature']),
    ).toBe(true);
    expect(
      await verifyCodecloudSignature(['other'], hook?.body ?? '', hook?.headers['x-codecloud-signature']),
    ).toBe(false);

    const event = CodecloudEvent.parse(JSON.parse(hook?.body ?? ''));
    expect(event).toMatchObject({
      event: 'agent.completed',
      run_id: id,
      status: 'completed',
      mode: 'execute',
      repo: 'octo/app',
      result: 'Added auth',
      pr: { url: 'https://github.com/octo/app/pull/42', number: 42, branch: 'codecloud/add-auth' },
      usage: { input_tokens: 1_000, output_tokens: 200 },
    });
    const detail = await h.client.getRun(id);
    expect(JSON.parse(hook?.body ?? '')).toMatchObject({
      created_at: detail.createdAt,
      completed_at: detail.completedAt,
    });
  });

  it('sends agent.failed with the error, and on stop', async () => {
    await h.sim.control.queueScripts({ outcome: 'failed', error: 'Tests failed' }, { runningMs: 1_000_000 });
    await finishedRun('will fail');
    const { id } = await h.client.createRun({
      repo: 'octo/app',
      prompt: 'stop me',
      webhook_url: receiver.url,
    });
    await h.client.stopRun(id);
    await receiver.waitFor((r) => r.length === 2);
    const events = receiver.received.map((r) => CodecloudEvent.parse(JSON.parse(r.body)));
    expect(events).toMatchObject([
      { event: 'agent.failed', status: 'failed', error: 'Tests failed' },
      { event: 'agent.failed', status: 'failed', error: 'Run cancelled by user', run_id: id },
    ]);
    expect(receiver.received.map((r) => r.headers['x-codecloud-event'])).toEqual([
      'agent.failed',
      'agent.failed',
    ]);
  });

  it('is unsigned without a secret, and signs with the new secret after a rotation', async () => {
    await h.sim.control.setWebhookSecret(null);
    await finishedRun('unsigned');
    expect(receiver.received[0]?.headers['x-codecloud-signature']).toBeUndefined();

    await h.sim.control.setWebhookSecret('whsec-2');
    await finishedRun('signed');
    const hook = receiver.received[1];
    const signature = hook?.headers['x-codecloud-signature'];
    expect(await verifyCodecloudSignature(['whsec-1'], hook?.body ?? '', signature)).toBe(false);
    expect(await verifyCodecloudSignature(['whsec-1', 'whsec-2'], hook?.body ?? '', signature)).toBe(true);
  });

  it('a follow-up completion is a new event (its dedup key differs from the first completion)', async () => {
    const id = await finishedRun();
    await h.client.sendMessage(id, { prompt: 'again', idempotency_key: 'f1' });
    await h.sim.control.advance(10_000);
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received.map((r) => CodecloudEvent.parse(JSON.parse(r.body)));
    expect(first?.event).toBe('agent.completed');
    expect(second?.event).toBe('agent.completed');
    expect(eventDedupKey(first!)).not.toBe(eventDedupKey(second!));
  });
});

describe('retries', () => {
  it('retries a failing receiver after 1 s, 5 s and 30 s of simulated time, with a new delivery id each time', async () => {
    receiver.respondWith((_hook, index) => (index < 3 ? 500 : 200));
    const id = await finishedRun();
    expect(receiver.received).toHaveLength(1);
    await h.sim.control.advance(999);
    expect(receiver.received).toHaveLength(1);
    await h.sim.control.advance(1);
    expect(receiver.received).toHaveLength(2);
    await h.sim.control.advance(4_999);
    expect(receiver.received).toHaveLength(2);
    await h.sim.control.advance(1);
    expect(receiver.received).toHaveLength(3);
    await h.sim.control.advance(30_000);
    expect(receiver.received).toHaveLength(4);

    const attempts = await h.sim.control.webhooks({ run_id: id });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
    const times = attempts.map((a) => Date.parse(a.at));
    expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([1_000, 5_000, 30_000]);
    const deliveries = receiver.received.map((r) => r.headers['x-codecloud-delivery']);
    expect(new Set(deliveries).size).toBe(4);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.event_id)).size).toBe(1);
  });

  it('gives up after 3 retries', async () => {
    receiver.respondWith(() => 503);
    await finishedRun();
    await h.sim.control.advance(3_600_000);
    expect(receiver.received).toHaveLength(4);
  });

  it('retries when the receiver is unreachable', async () => {
    const gone = await startWebhookReceiver();
    const url = gone.url;
    await gone.close();
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'x', webhook_url: url });
    await h.sim.control.advance(3_600_000);
    const attempts = await h.sim.control.webhooks({ run_id: id });
    expect(attempts).toHaveLength(4);
    expect(attempts[0]?.status).toBeUndefined();
    expect(attempts[0]?.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('retries when the receiver does not answer in time', async () => {
    const sim = await startSimulator({ timeFactor: 0, webhookTimeoutMs: 100 });
    try {
      receiver.respondWith((_hook, index) => (index === 0 ? 'hang' : 200));
      await sim.control.queueScripts({ queuedMs: 0, runningMs: 0 });
      const client = h.clientFor({ baseUrl: sim.url });
      const { id } = await client.createRun({
        repo: 'octo/app',
        prompt: 'slow receiver',
        webhook_url: receiver.url,
      });
      await sim.control.advance(0);
      await sim.control.advance(1_000);
      const attempts = await sim.control.webhooks({ run_id: id });
      expect(attempts.map((a) => [a.attempt, a.status, a.error])).toEqual([
        [1, undefined, 'no answer within 100 ms'],
        [2, 200, undefined],
      ]);
    } finally {
      await sim.close();
    }
  });

  it('the delays scale with the time factor (real time, 100 simulated seconds per second)', async () => {
    const sim: Simulator = await startSimulator({ timeFactor: 100, webhookSecret: 's' });
    try {
      receiver.respondWith((_hook, index) => (index < 3 ? 500 : 200));
      await sim.control.queueScripts({ queuedMs: 0, runningMs: 0 });
      const client = h.clientFor({ baseUrl: sim.url });
      await client.createRun({ repo: 'octo/app', prompt: 'fast', webhook_url: receiver.url });
      await receiver.waitFor((r) => r.length === 4, 5_000);
      const at = receiver.received.map((r) => r.receivedAt);
      const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
      // 1 s, 5 s, 30 s at 100× are 10 ms, 50 ms, 300 ms; timers never fire early
      expect(gaps[0]).toBeGreaterThanOrEqual(9);
      expect(gaps[1]).toBeGreaterThanOrEqual(49);
      expect(gaps[2]).toBeGreaterThanOrEqual(299);
      expect(gaps[2]).toBeLessThan(2_000);
    } finally {
      await sim.close();
    }
  });
});

describe('progress events', () => {
  it('sends agent.progress steps while running, fire-and-forget (never retried)', async () => {
    receiver.respondWith((hook) => (hook.headers['x-codecloud-event'] === 'agent.progress' ? 500 : 200));
    await h.sim.control.queueScripts({
      queuedMs: 0,
      runningMs: 3_000,
      progress: [
        { thinking: 'Reading the code' },
        { tool_call: { name: 'bash', arguments: { command: 'ls -la' }, status: 'running' } },
      ],
    });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'x', webhook_url: receiver.url });
    await h.sim.control.advance(1_000);
    expect(receiver.received).toHaveLength(1);
    await h.sim.control.advance(1_000);
    expect(receiver.received).toHaveLength(2);
    await h.sim.control.advance(60_000);
    const events = receiver.received.map((r) => CodecloudEvent.parse(JSON.parse(r.body)));
    expect(events).toMatchObject([
      { event: 'agent.progress', run_id: id, status: 'running', thinking: 'Reading the code' },
      {
        event: 'agent.progress',
        tool_call: { name: 'bash', arguments: { command: 'ls -la' }, status: 'running' },
      },
      { event: 'agent.completed' },
    ]);
  });

  it('are not sent when progress webhooks are off', async () => {
    await h.sim.control.setProgressWebhooks(false);
    await h.sim.control.queueScripts({ progress: [{ thinking: 'hidden' }] });
    await finishedRun();
    expect(receiver.received.map((r) => r.headers['x-codecloud-event'])).toEqual(['agent.completed']);
  });
});

describe('webhook faults', () => {
  it('drop: the event is never delivered', async () => {
    await h.sim.control.addWebhookFault({ event: 'agent.completed', action: 'drop', times: 1 });
    await finishedRun('dropped');
    await finishedRun('delivered');
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0]?.body ?? '')).toMatchObject({ event: 'agent.completed' });
    const { webhook_faults } = await h.sim.control.state();
    expect(webhook_faults[0]?.hits).toBe(1);
  });

  it('duplicate: the same event arrives twice, with different delivery ids and the same dedup key', async () => {
    await h.sim.control.addWebhookFault({ action: 'duplicate' });
    await finishedRun();
    expect(receiver.received).toHaveLength(2);
    const [a, b] = receiver.received;
    expect(a?.body).toBe(b?.body);
    expect(a?.headers['x-codecloud-delivery']).not.toBe(b?.headers['x-codecloud-delivery']);
    const [ea, eb] = receiver.received.map((r) => CodecloudEvent.parse(JSON.parse(r.body)));
    expect(eventDedupKey(ea!)).toBe(eventDedupKey(eb!));
  });
});

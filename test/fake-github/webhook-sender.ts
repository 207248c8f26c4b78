// Sends signed webhooks the way GitHub does and records each delivery (for state and redelivery).
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeDelivery, FakeState } from './state.js';

export interface WebhookTarget {
  url: string | undefined;
  secret: string | undefined;
  /** Who sends the requests (default: `fetch` on this thread). */
  poster?: WebhookPoster;
}

/** Sends one webhook request and times it to the answer's head (ms). */
export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; ms: number }>;
}

const fetchPoster: WebhookPoster = {
  async post(url, headers, body) {
    const startedAt = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    const ms = performance.now() - startedAt;
    await response.arrayBuffer();
    return { status: response.status, ms };
  },
};

export function signWebhook(secret: string, body: string): { sha256: string; sha1: string } {
  return {
    sha256: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    sha1: `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
  };
}

async function post(target: WebhookTarget, appId: number, delivery: FakeDelivery): Promise<void> {
  if (!target.url) {
    delivery.error = 'no webhook URL configured';
    return;
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/fake',
    'x-github-event': delivery.event,
    'x-github-delivery': delivery.id,
    'x-github-hook-id': '1',
    'x-github-hook-installation-target-id': String(appId),
    'x-github-hook-installation-target-type': 'integration',
  };
  if (target.secret) {
    const signatures = signWebhook(target.secret, delivery.payload);
    headers['x-hub-signature-256'] = signatures.sha256;
    headers['x-hub-signature'] = signatures.sha1;
  }
  try {
    const answer = await (target.poster ?? fetchPoster).post(target.url, headers, delivery.payload);
    delivery.status = answer.status;
    delivery.ms = answer.ms;
  } catch (error) {
    delivery.error = error instanceof Error ? error.message : String(error);
  }
}

/** Sends `payload` as `event` and resolves once the receiver answered (or failed). */
export async function sendWebhook(
  state: FakeState,
  target: WebhookTarget,
  appId: number,
  event: string,
  payload: Record<string, unknown>,
  reuse?: FakeDelivery,
): Promise<FakeDelivery> {
  const delivery: FakeDelivery = {
    id: reuse?.id ?? randomUUID(),
    event,
    action: typeof payload.action === 'string' ? payload.action : undefined,
    status: undefined,
    url: target.url ?? '',
    payload: reuse?.payload ?? JSON.stringify(payload),
    at: new Date().toISOString(),
  };
  state.deliveries.push(delivery);
  await post(target, appId, delivery);
  return delivery;
}

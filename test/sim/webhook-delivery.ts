// Sends codecloud webhooks as codecloud documents them: JSON POST, `User-Agent: codecloud-Webhooks/1.0`,
// `X-Codecloud-Event`, a fresh `X-Codecloud-Delivery` per attempt, `X-Codecloud-Signature` (bare hex HMAC-SHA256 of
// the raw body) when a secret is set; failed deliveries retried after 1 s, 5 s, 30 s of simulated time.
import { createHmac, randomUUID } from 'node:crypto';
import type { CodecloudEventName } from '../../src/codecloud/webhook-events.js';
import type { FaultBook } from './faults.js';
import type { SimClock } from './sim-clock.js';
import type { WebhookAttempt } from './types.js';

/** Delays before retry 1, 2, 3 (codecloud documents 1 s, 5 s and 30 s). */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
export const WEBHOOK_USER_AGENT = 'codecloud-Webhooks/1.0';

export interface WebhookSenderDeps {
  clock: SimClock;
  faults: FaultBook;
  attempts: WebhookAttempt[];
  secret(): string | null;
  timeoutMs: number;
}

export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export class WebhookSender {
  readonly #deps: WebhookSenderDeps;
  #closed = false;
  readonly #inFlight = new Set<AbortController>();

  constructor(deps: WebhookSenderDeps) {
    this.#deps = deps;
  }

  /**
   * Delivers one event. Resolves after the first attempt (retries are timers on the simulated clock).
   * `retry: false` for fire-and-forget progress events.
   */
  async send(url: string, event: CodecloudEventName, payload: object, retry: boolean): Promise<void> {
    if (this.#closed) return;
    const fault = this.#deps.faults.forWebhook(event);
    if (fault?.action === 'drop') return;
    const body = JSON.stringify(payload);
    const copies = fault?.action === 'duplicate' ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      await this.#attempt(url, event, body, randomUUID(), 1, retry);
    }
  }

  close(): void {
    this.#closed = true;
    for (const controller of this.#inFlight) controller.abort();
  }

  async #attempt(
    url: string,
    event: CodecloudEventName,
    body: string,
    eventId: string,
    attempt: number,
    retry: boolean,
  ): Promise<void> {
    if (this.#closed) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'x-codecloud-event': event,
      'x-codecloud-delivery': randomUUID(),
    };
    const secret = this.#deps.secret();
    if (secret) headers['x-codecloud-signature'] = signBody(secret, body);
    const record: WebhookAttempt = {
      event_id: eventId,
      delivery_id: headers['x-codecloud-delivery']!,
      event,
      url,
      attempt,
      at: this.#deps.clock.iso(),
      headers,
      body,
    };
    this.#deps.attempts.push(record);
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error('timed out')), this.#deps.timeoutMs);
    try {
      const response = await fetch(url, { method: 'POST', headers, body, signal: controller.signal });
      record.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      record.error = controller.signal.aborted
        ? `no answer within ${this.#deps.timeoutMs} ms`
        : error instanceof Error
          ? describe(error)
          : String(error);
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
    const ok = record.status !== undefined && record.status >= 200 && record.status < 300;
    const delay = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
    if (ok || !retry || delay === undefined || this.#closed) return;
    this.#deps.clock.after(delay, () => this.#attempt(url, event, body, eventId, attempt + 1, retry));
  }
}

function describe(error: Error): string {
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

// Fault injection: which route fault or webhook fault hits a request or an event. `rate` uses a seeded random
// source so a test with a fixed seed sees the same hits every time.
import type { CodecloudEventName } from '../../src/codecloud/webhook-events.js';
import type { RouteFault, SimRouteId, WebhookFault } from './types.js';

export type ActiveRouteFault = RouteFault & { id: string; hits: number };
export type ActiveWebhookFault = WebhookFault & { id: string; hits: number };

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function checkRate(rate: number | undefined, what: string): void {
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw new Error(`${what}: rate must be in [0, 1], got ${rate}`);
}

export function validateRouteFault(fault: RouteFault): void {
  if (typeof fault.route !== 'string' || fault.route === '') throw new Error('fault: route is required');
  checkRate(fault.rate, 'fault');
  if (
    fault.status !== undefined &&
    !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status < 600)
  ) {
    throw new Error(`fault: status must be an HTTP status, got ${fault.status}`);
  }
  if (fault.latencyMs !== undefined && !(fault.latencyMs >= 0)) {
    throw new Error(`fault: latencyMs must be >= 0, got ${fault.latencyMs}`);
  }
}

export function validateWebhookFault(fault: WebhookFault): void {
  if (fault.action !== 'drop' && fault.action !== 'duplicate') {
    throw new Error(`webhook fault: action must be 'drop' or 'duplicate', got ${String(fault.action)}`);
  }
  checkRate(fault.rate, 'webhook fault');
}

export class FaultBook {
  routeFaults: ActiveRouteFault[] = [];
  webhookFaults: ActiveWebhookFault[] = [];
  #nextId = 1;
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  addRoute(fault: RouteFault): string {
    validateRouteFault(fault);
    const id = `fault-${this.#nextId++}`;
    this.routeFaults.push({ ...fault, id, hits: 0 });
    return id;
  }

  addWebhook(fault: WebhookFault): string {
    validateWebhookFault(fault);
    const id = `webhook-fault-${this.#nextId++}`;
    this.webhookFaults.push({ ...fault, id, hits: 0 });
    return id;
  }

  remove(id: string): void {
    this.routeFaults = this.routeFaults.filter((f) => f.id !== id);
    this.webhookFaults = this.webhookFaults.filter((f) => f.id !== id);
  }

  clear(): void {
    this.routeFaults = [];
    this.webhookFaults = [];
  }

  /** The first live fault for this route that the dice pick (counting the hit), or undefined. */
  forRoute(route: SimRouteId | undefined): ActiveRouteFault | undefined {
    for (const fault of this.routeFaults) {
      if (fault.route !== '*' && fault.route !== route) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      if (!this.#roll(fault.rate)) continue;
      fault.hits++;
      return fault;
    }
    return undefined;
  }

  forWebhook(event: CodecloudEventName): ActiveWebhookFault | undefined {
    for (const fault of this.webhookFaults) {
      if (fault.event !== undefined && fault.event !== '*' && fault.event !== event) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      if (!this.#roll(fault.rate)) continue;
      fault.hits++;
      return fault;
    }
    return undefined;
  }

  #roll(rate: number | undefined): boolean {
    if (rate === undefined || rate >= 1) return true;
    if (rate <= 0) return false;
    return this.#random() < rate;
  }
}

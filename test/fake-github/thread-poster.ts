// Posts webhooks from a worker thread of its own and times them there, to the answer's head. A bench whose main
// thread also serves the fakes (and is busy doing so) would otherwise count its own delays as the app's ack time;
// this thread does nothing but send, as GitHub's sender is a machine of its own.
import { Worker } from 'node:worker_threads';
import type { WebhookPoster } from './webhook-sender.js';

const SENDER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ id, url, headers, body }) => {
  const startedAt = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15000) });
    const ms = performance.now() - startedAt;
    await response.arrayBuffer();
    parentPort.postMessage({ id, status: response.status, ms });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Answer {
  id: number;
  status?: number;
  ms?: number;
  error?: string;
}

export interface ThreadPoster extends WebhookPoster {
  close(): Promise<void>;
}

/** `route` may send a request elsewhere than the URL it was given (e.g. straight to one replica of several). */
export function startThreadPoster(route: (url: string) => string = (url) => url): ThreadPoster {
  const worker = new Worker(SENDER, { eval: true });
  const waiting = new Map<
    number,
    { resolve(answer: { status: number; ms: number }): void; reject(e: Error): void }
  >();
  let ids = 0;
  worker.on('message', (answer: Answer) => {
    const waiter = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (answer.status !== undefined && answer.ms !== undefined)
      waiter?.resolve({ status: answer.status, ms: answer.ms });
    else waiter?.reject(new Error(answer.error ?? 'no answer'));
  });
  worker.on('error', (error) => {
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  });
  return {
    post(url, headers, body) {
      const id = ++ids;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, url: route(url), headers, body });
      });
    },
    async close() {
      await worker.terminate();
      for (const waiter of waiting.values()) waiter.reject(new Error('the webhook sender thread was closed'));
      waiting.clear();
    },
  };
}

// A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every delivery (raw body and headers)
// and answers with a status a test chooses per delivery.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The raw body, exactly as received. */
  body: string;
  /** Real time of arrival (performance.now()). */
  receivedAt: number;
  /** The status answered, or `hang` when it never answered. */
  status: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Chooses the answer for each delivery (default 200; `hang`: never answer); `index` counts from 0. */
  respondWith(fn: (hook: Omit<ReceivedWebhook, 'status'>, index: number) => number | 'hang'): void;
  /** Resolves once `predicate` holds for the deliveries so far (checked on every arrival), or rejects. */
  waitFor(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let respond: (hook: Omit<ReceivedWebhook, 'status'>, index: number) => number | 'hang' = () => 200;
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const hook = { headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: performance.now() };
      const status = respond(hook, received.length);
      received.push({ ...hook, status });
      if (status !== 'hang') {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'no');
      }
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    respondWith(fn) {
      respond = fn;
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!predicate(received)) return false;
          cleanup();
          resolve(received);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `webhook receiver: condition not met within ${timeoutMs} ms (${received.length} received)`,
            ),
          );
        }, timeoutMs);
        const wake = (): void => {
          check();
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

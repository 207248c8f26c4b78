// The Cloud Coding route on a server of its own (127.0.0.1, port 0), for tests that need only this backend. It serves
// `POST /invoke/stdout` and the extension's control at `POST /_sim/ext/cloudcoding/<op>`, exactly as the full
// simulator does once the extension is registered there.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimExtensionContext } from '../types.js';
import { CLOUDCODING_EXTENSION_NAME, cloudCodingExtension, INVOKE_ROUTE } from './cloudcoding-extension.js';
import type { CloudCodingSimControl } from './types.js';

export interface CloudCodingSimulator {
  /** The API base URL (`CLOUDCODING_API_URL`, the Action's `api-url`). */
  url: string;
  control: CloudCodingSimControl;
  close(): Promise<void>;
}

export interface CloudCodingSimulatorOptions {
  /** Accepted `x-api-key` values (default `['cc-test-key']`). */
  apiKeys?: string[];
}

const realContext: SimExtensionContext = {
  now: () => Date.now(),
  at: (atMs, fn) => {
    const timer = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  timeFactor: () => 1,
  planOf: () => undefined,
};

export async function startCloudCodingSimulator(
  options: CloudCodingSimulatorOptions = {},
): Promise<CloudCodingSimulator> {
  const extension = cloudCodingExtension(realContext);
  if (options.apiKeys) await extension.simControl.setApiKeys(options.apiKeys);
  const controlPrefix = `/_sim/ext/${CLOUDCODING_EXTENSION_NAME}/`;

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/invoke/stdout') {
      await extension.handle(
        INVOKE_ROUTE,
        { method: 'POST', url, headers: req.headers, rawBody, raw: req },
        res,
      );
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith(controlPrefix)) {
      const op = url.pathname.slice(controlPrefix.length);
      let args: unknown[];
      try {
        const parsed: unknown = rawBody ? JSON.parse(rawBody) : [];
        args = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'body is not JSON' }));
        return;
      }
      try {
        const result = await extension.control(op, args);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ result: result ?? null }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    control: extension.simControl,
    async close() {
      await extension.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

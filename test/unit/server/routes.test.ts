import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CodecloudEvent } from '../../../src/codecloud/webhook-events.js';
import { signCodecloudPayload } from '../../../src/codecloud/webhook-signature.js';
import { codecloudWebhookRoute } from '../../../src/server/codecloud-webhook-route.js';
import { healthRoute } from '../../../src/server/health-route.js';
import { MAX_WAITERS, waitAnswerOf, waitRoute } from '../../../src/server/wait-route.js';

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

let server: Server | undefined;
async function serve(...routes: Route[]): Promise<string> {
  const created = createServer((req, res) => {
    void (async () => {
      for (const route of routes) if (await route(req, res)) return;
      res.writeHead(404).end();
    })();
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
}
afterEach(async () => {
  const open = server;
  if (open) await new Promise((resolve) => open.close(resolve));
  server = undefined;
});

const event = JSON.stringify({
  event: 'agent.completed',
  status: 'completed',
  run_id: 'r1',
  created_at: '2026-01-01T00:00:00Z',
});

describe('codecloud webhook route', () => {
  it('answers 2xx only after recording, checks rotated secrets, and refuses the rest', async () => {
    const recorded: CodecloudEvent[] = [];
    let fail = false;
    const url = await serve(
      codecloudWebhookRoute({
        secrets: ['old-secret', 'new-secret'],
        record: async (e) => {
          if (fail) throw new Error('database down');
          recorded.push(e);
        },
      }),
    );
    const post = (body: string, signature?: string) =>
      fetch(`${url}/codecloud/webhook`, {
        method: 'POST',
        headers: signature ? { 'x-codecloud-signature': signature } : {},
        body,
      });
    expect((await post(event, await signCodecloudPayload('old-secret', event))).status).toBe(202);
    expect((await post(event, await signCodecloudPayload('new-secret', event))).status).toBe(202);
    expect((await post(event, await signCodecloudPayload('other', event))).status).toBe(401);
    expect((await post(event)).status).toBe(401);
    const notJson = 'nope';
    expect((await post(notJson, await signCodecloudPayload('new-secret', notJson))).status).toBe(400);
    expect((await fetch(`${url}/codecloud/webhook`)).status).toBe(405);
    fail = true;
    expect((await post(event, await signCodecloudPayload('new-secret', event))).status).toBe(503);
    expect(recorded).toHaveLength(2);
  });

  it('accepts unsigned events when no secret is configured, and refuses bodies over 1 MiB', async () => {
    const url = await serve(codecloudWebhookRoute({ secrets: [], record: async () => {} }));
    expect((await fetch(`${url}/codecloud/webhook`, { method: 'POST', body: event })).status).toBe(202);
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect((await fetch(`${url}/codecloud/webhook`, { method: 'POST', body: big })).status).toBe(413);
  });
});

describe('codecloud webhook route: hostile bodies', () => {
  it('refuses invalid UTF-8 and deep nesting with 400 naming why; nothing is recorded', async () => {
    const recorded: CodecloudEvent[] = [];
    const url = await serve(
      codecloudWebhookRoute({ secrets: [], record: async (e) => void recorded.push(e) }),
    );
    const post = (body: string | Uint8Array) =>
      fetch(`${url}/codecloud/webhook`, {
        method: 'POST',
        body: typeof body === 'string' ? body : Buffer.from(body),
      });
    const notUtf8 = await post(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.json()).toMatchObject({ message: 'body is not valid UTF-8' });
    const deep = await post(`{"event":"agent.progress","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({
      message: 'body nests objects or arrays deeper than 64 levels',
    });
    expect(recorded).toEqual([]);
  });

  it('a body over 1 MiB gets 413 with Connection: close', async () => {
    const url = await serve(codecloudWebhookRoute({ secrets: [], record: async () => {} }));
    const answer = await fetch(`${url}/codecloud/webhook`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.get('connection')).toBe('close');
  });
});

describe('health route', () => {
  it('200 when the store answers, 503 when it does not', async () => {
    let healthy = true;
    const url = await serve(
      healthRoute(async () => {
        if (!healthy) throw new Error('store down');
      }),
    );
    const ok = await fetch(`${url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
    healthy = false;
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });
});

describe('wait route: limits', () => {
  const verify = async () => ({ repository: 'acme/app' });
  it('answers 503 with Retry-After once 1,000 requests wait, without reading the run', async () => {
    let reads = 0;
    const waiters = {
      size: MAX_WAITERS,
      next: async () => undefined,
      poke: () => undefined,
      waitsOn: () => false,
      close: () => undefined,
    };
    const url = await serve(
      waitRoute({
        verify,
        readRun: async () => {
          reads += 1;
          throw new Error('not read');
        },
        waiters,
      }),
    );
    const answer = await fetch(`${url}/codecloud/runs/r1/wait?timeout=1`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(reads).toBe(0);
  });

  it('redacts the answer and leaves out the prompt', () => {
    const run = {
      id: 'r1',
      status: 'completed' as const,
      prompt: 'the secret plan',
      prs: [],
      createdAt: '2026-01-01T00:00:00Z',
      result: `token ghp_${'A1b2C3d4'.repeat(5)}`,
    };
    const answer = waitAnswerOf(run);
    expect(answer).not.toHaveProperty('prompt');
    expect(answer.result).toBe('token [redacted]');
  });
});

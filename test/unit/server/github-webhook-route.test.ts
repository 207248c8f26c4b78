import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubDelivery, githubWebhookRoute } from '../../../src/server/github-webhook-route.js';

const SECRET = 'webhook-secret';
const PATH = '/api/github/webhooks';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves the route (with `maxBytes`) and records what it receives; `fail` makes `receive` throw. */
async function serve(options: { maxBytes?: number; fail?: boolean } = {}) {
  const received: GitHubDelivery[] = [];
  const warnings: string[] = [];
  const route = githubWebhookRoute({
    secret: SECRET,
    path: PATH,
    receive: async (delivery) => {
      if (options.fail) throw new Error('database down');
      received.push(delivery);
    },
    log: { warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) },
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  const created = createServer((req, res) => {
    void route(req, res).then((answered) => {
      if (!answered) res.writeHead(404, { 'content-type': 'text/plain' }).end('not the route');
    });
  });
  servers.push(created);
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(created.address() as AddressInfo).port}`, received, warnings };
}

const sign = (body: string | Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const comment = JSON.stringify({ action: 'created', comment: { body: '/codecloud fix it' } });

function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string | undefined> = {},
  path = PATH,
): Promise<Response> {
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-github-event': 'issue_comment',
    'x-github-delivery': 'delivery-1',
    'x-hub-signature-256': sign(body),
    ...headers,
  };
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: Object.fromEntries(
      Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    body,
  });
}

describe('GitHub webhook route', () => {
  it('hands a correctly signed delivery over as { id, name, payload } and answers 200', async () => {
    const { url, received } = await serve();
    const answer = await post(url, comment);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('ok\n');
    expect(received).toEqual([{ id: 'delivery-1', name: 'issue_comment', payload: JSON.parse(comment) }]);
    // Trailing slashes and a query string still reach the route, as with Probot.
    expect((await post(url, comment, {}, `${PATH}/?x=1`)).status).toBe(200);
    expect(received).toHaveLength(2);
  });

  it('refuses a wrong signature with 400 and receives nothing', async () => {
    const { url, received, warnings } = await serve();
    const answer = await post(url, comment, { 'x-hub-signature-256': sign(comment, 'not-the-secret') });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/signature does not match/);
    expect((await post(url, comment, { 'x-hub-signature-256': 'sha256=abc' })).status).toBe(400);
    expect((await post(url, comment, { 'x-hub-signature-256': '' })).status).toBe(400);
    // The right HMAC in another form: GitHub's SHA-1 header name as the prefix, or a character cut off.
    const right = sign(comment);
    expect(
      (await post(url, comment, { 'x-hub-signature-256': right.replace('sha256=', 'sha1=') })).status,
    ).toBe(400);
    expect((await post(url, comment, { 'x-hub-signature-256': right.slice(0, -1) })).status).toBe(400);
    // The HMAC is over the bytes GitHub sent: the same JSON with other spacing does not match.
    expect(
      (await post(url, JSON.stringify(JSON.parse(comment), null, 1), { 'x-hub-signature-256': right }))
        .status,
    ).toBe(400);
    expect(received).toEqual([]);
    expect(warnings.join('\n')).toMatch(/delivery-1 rejected: signature does not match/);
  });

  it('refuses a missing signature (or event, or delivery id) with 400 naming the header', async () => {
    const { url, received } = await serve();
    const noSignature = await post(url, comment, { 'x-hub-signature-256': undefined });
    expect(noSignature.status).toBe(400);
    expect(await noSignature.json()).toEqual({ error: 'Required headers missing: x-hub-signature-256' });
    const noIds = await post(url, comment, { 'x-github-event': undefined, 'x-github-delivery': undefined });
    expect(await noIds.json()).toEqual({
      error: 'Required headers missing: x-github-event, x-github-delivery',
    });
    expect(received).toEqual([]);
  });

  it('refuses a body over the cap with 413: at once for a larger Content-Length, and when streamed', async () => {
    const { url, received } = await serve({ maxBytes: 1024 });
    const big = JSON.stringify({ action: 'created', text: 'x'.repeat(2048) });
    const declared = await post(url, big);
    expect(declared.status).toBe(413);
    expect(await declared.text()).toMatch(/Payload Too Large/);

    // Streamed without a Content-Length: refused as soon as it passes the cap, before the sender is done.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}${PATH}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'issue_comment',
            'x-github-delivery': 'delivery-2',
            'x-hub-signature-256': sign(big),
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(big);
      // Never ended: the answer must not wait for the rest.
    });
    expect(streamed).toBe(413);
    expect(received).toEqual([]);
  });

  it('records nothing when the sender goes away before the body is in', async () => {
    const { url, received, warnings } = await serve();
    await new Promise<void>((resolve) => {
      const req = request(`${url}${PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issue_comment',
          'x-github-delivery': 'delivery-cut',
          'x-hub-signature-256': sign(comment),
          'content-length': String(Buffer.byteLength(comment)),
        },
      });
      req.on('error', () => resolve());
      req.write(comment.slice(0, 10), () => setTimeout(() => req.destroy(), 50));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    expect(warnings.join('\n')).toMatch(/delivery-cut: the sender went away before the body was in/);
    // The route is still there for the next delivery.
    expect((await post(url, comment)).status).toBe(200);
  });

  it('answers 200 for events the app does not handle (receive decides what to ignore)', async () => {
    const { url, received } = await serve();
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const answer = await post(url, ping, { 'x-github-event': 'ping', 'x-github-delivery': 'delivery-ping' });
    expect(answer.status).toBe(200);
    expect(received.map((d) => d.name)).toEqual(['ping']);
  });

  it('refuses malformed JSON and invalid UTF-8 with 400, even when signed', async () => {
    const { url, received } = await serve();
    const notJson = '{"action": "created",';
    const answer = await post(url, notJson);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/Invalid JSON/);
    const broken = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const notUtf8 = await post(url, broken);
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.text()).toMatch(/UTF-8/);
    expect(received).toEqual([]);
  });

  it("keeps Probot's answers for another method, another content type and a failing receive", async () => {
    const { url } = await serve();
    expect((await fetch(`${url}${PATH}`)).status).toBe(404);
    expect((await post(url, comment, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
      415,
    );
    const other = await fetch(`${url}/elsewhere`, { method: 'POST', body: comment });
    expect(await other.text()).toBe('not the route');

    const failing = await serve({ fail: true });
    const answer = await post(failing.url, comment);
    expect(answer.status).toBe(500);
    expect(failing.warnings.join('\n')).toMatch(/delivery-1 not recorded: database down/);
  });
});

// GET /metrics: the token is asked for when set (401 otherwise, compared over digests), other methods get 405.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerMatches, metricsRoute } from '../../../src/server/metrics-route.js';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function serve(token: string | undefined): Promise<string> {
  const route = metricsRoute({
    scrape: async () => 'up 1\n',
    contentType: 'text/plain; version=0.0.4',
    token,
  });
  server = createServer((req, res) => {
    void route(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('metrics route', () => {
  it('without METRICS_TOKEN answers anyone; other paths are not its own', async () => {
    const url = await serve(undefined);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await response.text()).toBe('up 1\n');
    expect((await fetch(`${url}/metricsx`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('with METRICS_TOKEN: 401 without it, with another or a prefix of it; 200 with it', async () => {
    const url = await serve('s3cret-metrics-token');
    const status = async (authorization?: string) =>
      (await fetch(`${url}/metrics`, authorization ? { headers: { authorization } } : {})).status;
    expect(await status()).toBe(401);
    expect(await status('Bearer s3cret')).toBe(401);
    expect(await status('Bearer s3cret-metrics-token-and-more')).toBe(401);
    expect(await status('Basic s3cret-metrics-token')).toBe(401);
    expect(await status('Bearer s3cret-metrics-token')).toBe(200);
  });

  it('bearerMatches never takes an empty offer', () => {
    expect(bearerMatches(undefined, 'x')).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
    expect(bearerMatches('bearer tok', 'tok')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { waitViaApp } from '../../../src/action/app-wait.js';
import { OidcRequestError, oidcTokenSource } from '../../../src/action/oidc-request.js';
import { VirtualClock } from './virtual-clock.js';

type Answer = { status: number; body?: unknown } | 'down';

/** A fake App: answers the queued answers in order, records each request's URL and token. */
function fakeApp(answers: Answer[]) {
  const requests: Array<{ url: string; token: string | undefined }> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(input), token: headers.get('authorization') ?? undefined });
    const next = answers.shift() ?? { status: 500 };
    if (next === 'down') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    return new Response(JSON.stringify(next.body ?? {}), { status: next.status });
  }) as typeof fetch;
  return { fetchImpl, requests };
}

let tokenCount = 0;
const tokens = { token: async () => `token-${++tokenCount}` };
const run = (status: string) => ({ status: 200, body: { run: { id: 'r1', status, prompt: 'p' } } });

async function wait(answers: Answer[], deadlineMs = 3_600_000) {
  const clock = new VirtualClock();
  const app = fakeApp(answers);
  const lines: string[] = [];
  const outcome = await clock.run(
    waitViaApp({
      appUrl: 'https://app.example',
      runId: 'r1',
      knownStatus: 'queued',
      deadline: clock.now() + deadlineMs,
      tokens,
      fetch: app.fetchImpl,
      clock,
      signal: new AbortController().signal,
      log: (line) => lines.push(line),
    }),
  );
  return { outcome, requests: app.requests, lines };
}

describe('waitViaApp', () => {
  it('long-polls until the App says the run is final, logging status changes', async () => {
    const { outcome, requests, lines } = await wait([run('running'), run('running'), run('completed')]);
    expect(outcome).toEqual({ kind: 'final', status: 'completed', longPolls: 3 });
    expect(requests[0]?.url).toBe('https://app.example/codecloud/runs/r1/wait?timeout=50');
    expect(requests[0]?.token).toMatch(/^Bearer token-\d+$/);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'run r1: queued → running (0s)',
      'run r1: running → completed (0s)',
    ]);
  });

  it('asks for no more than what is left before the deadline', async () => {
    const { requests } = await wait([run('completed')], 20_500);
    expect(requests[0]?.url).toContain('timeout=21');
  });

  it('falls back on 403 and 404 with the App’s message, and on a 401 that a fresh token does not cure', async () => {
    expect((await wait([{ status: 403, body: { message: 'run r1 is not a run of a/b' } }])).outcome).toEqual({
      kind: 'fallback',
      reason: 'the App answered 403: run r1 is not a run of a/b',
      longPolls: 1,
    });
    expect((await wait([{ status: 404, body: { message: 'nope' } }])).outcome).toMatchObject({
      reason: 'the App answered 404: nope',
    });
    const expired = await wait([
      { status: 401, body: { message: 'the token has expired' } },
      { status: 401, body: { message: 'the token has expired' } },
    ]);
    expect(expired.outcome).toMatchObject({
      kind: 'fallback',
      reason: 'the App answered 401: the token has expired',
    });
    expect(expired.requests).toHaveLength(2);
    expect(expired.requests[0]?.token).not.toBe(expired.requests[1]?.token);
  });

  it('rides out a short outage, and falls back once the App stays unreachable', async () => {
    expect((await wait(['down', { status: 502 }, run('completed')])).outcome).toMatchObject({
      kind: 'final',
    });
    expect((await wait(['down', 'down', 'down'])).outcome).toEqual({
      kind: 'fallback',
      reason: 'the App cannot be reached (fetch failed: connect ECONNREFUSED)',
      longPolls: 3,
    });
  });
});

describe('oidcTokenSource', () => {
  it('says to add the id-token permission when the runner offers no token', () => {
    const source = oidcTokenSource({}, 'https://app.example', fetch, Date.now);
    expect(source).toBeInstanceOf(OidcRequestError);
    expect((source as Error).message).toContain('permissions: id-token: write');
  });

  it('asks the runner once with the audience, and reuses the token until a minute before it expires', async () => {
    const urls: string[] = [];
    const exp = Math.floor(Date.parse('2026-01-01T00:10:00Z') / 1000);
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
    const fetchImpl = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ value: jwt }));
    }) as unknown as typeof fetch;
    let now = Date.parse('2026-01-01T00:00:00Z');
    const source = oidcTokenSource(
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner.example/token?api-version=2.0',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      },
      'https://app.example',
      fetchImpl,
      () => now,
    );
    if (source instanceof Error) throw source;
    expect(await source.token()).toBe(jwt);
    now += 8 * 60_000;
    await source.token();
    expect(urls).toEqual(['https://runner.example/token?api-version=2.0&audience=https%3A%2F%2Fapp.example']);
    now += 90_000;
    await source.token();
    expect(urls).toHaveLength(2);
  });
});

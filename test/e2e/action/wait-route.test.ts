// The App's wait route (`GET /codecloud/runs/{id}/wait`) on the real app process, with the fake OIDC issuer and
// the simulator: every refusal, and the answer within a second of the completion webhook reaching the app.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOidc, startFakeOidc } from '../../fake-oidc/fake-oidc.js';
import { freshRepo, type Harness, startHarness } from '../app/app-harness.js';

let h: Harness;
let oidc: FakeOidc;
let relay: WebhookRelay;
const REPO = 'acme/widgets';
/** GitHub's ids of the repositories the App is installed on here. */
const repoIds = new Map<string, number>();

/** Forwards codecloud webhooks to the app and notes (real time) when the app accepted a completion. */
interface WebhookRelay {
  url: string;
  /** When the app answered 2xx to the completion webhook of `runId`, once it has. */
  completionAcceptedAt(runId: string): number | undefined;
  close(): Promise<void>;
}

async function startRelay(target: () => string): Promise<WebhookRelay> {
  const accepted = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
      fetch(`${target()}/codecloud/webhook`, { method: 'POST', headers, body })
        .then(async (answer) => {
          const event = JSON.parse(body.toString('utf8')) as { event: string; run_id: string };
          if (answer.ok && (event.event === 'agent.completed' || event.event === 'agent.failed'))
            if (!accepted.has(event.run_id)) accepted.set(event.run_id, performance.now());
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/codecloud/webhook`,
    completionAcceptedAt: (runId) => accepted.get(runId),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  oidc = await startFakeOidc();
  h = await startHarness({
    sim: {
      timeFactor: 10,
      apiKeys: [
        { key: 'test-key', plan: 'pro' },
        { key: 'other-key', plan: 'pro' },
      ],
    },
    env: { ACTIONS_OIDC_ISSUER: oidc.url },
  });
  relay = await startRelay(() => h.app.url);
  for (const name of ['widgets', 'other', 'chatty']) {
    const created = await h.gh.createRepo({ owner: 'acme', name, installationId: 77 });
    repoIds.set(created.full_name, created.id);
  }
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await h?.close();
  await oidc?.close();
});

async function createRun(options: { key?: string; repo?: string; runningMs?: number } = {}): Promise<string> {
  await h.sim.control.queueScripts({ queuedMs: 500, runningMs: options.runningMs ?? 20_000 });
  const response = await fetch(`${h.sim.url}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? 'test-key'}`, 'content-type': 'application/json' },
    body: JSON.stringify({ repo: options.repo ?? REPO, prompt: 'wait for me', webhook_url: relay.url }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const audience = () => h.env.PUBLIC_URL ?? '';

async function wait(id: string, token: string | undefined, timeout = 5) {
  const response = await fetch(`${h.app.url}/codecloud/runs/${id}/wait?timeout=${timeout}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as {
      run?: { id: string; status: string } & Record<string, unknown>;
      message?: string;
    },
  };
}

/** Requests the App made to codecloud for run `id` so far. */
const codecloudCallsFor = async (id: string) =>
  (await h.sim.control.requests({ path: id })).filter((r) => !r.path.startsWith('/_sim')).length;

describe('GET /codecloud/runs/{id}/wait', () => {
  it('refuses a missing, expired, forged, wrong-audience or wrong-issuer token with 401', async () => {
    const id = await createRun({ runningMs: 1_000 });
    const base = { repository: REPO, audience: audience() };
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['no token', undefined, /Bearer/],
      ['expired', await oidc.sign({ ...base, expiresIn: -60 }), /expired/],
      ['forged', await oidc.sign({ ...base, forged: true }), /not signed by the issuer/],
      ['wrong audience', await oidc.sign({ ...base, audience: 'https://elsewhere.example' }), /audience/],
      ['wrong issuer', await oidc.sign({ ...base, issuer: 'https://token.example' }), /issuer/],
      ['not a JWT', 'not-a-jwt', /not valid/],
    ];
    for (const [label, token, message] of cases) {
      const answer = await wait(id, token);
      expect(answer.status, label).toBe(401);
      expect(answer.body.message, label).toMatch(message);
    }
  });

  it('answers 403 for a run of another repository and 404 for a run the app cannot see', async () => {
    const token = await oidc.sign({ repository: 'acme/other', audience: audience() });
    const id = await createRun({ runningMs: 1_000 });
    const forbidden = await wait(id, token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toBe(`run ${id} is not a run of acme/other`);

    const hidden = await createRun({ key: 'other-key', repo: 'acme/other', runningMs: 1_000 });
    const missing = await wait(hidden, token);
    expect(missing.status).toBe(404);
    expect((await wait('no_such_run', token)).status).toBe(404);
  });

  it('answers with the running run when the timeout passes, and 400 for a timeout over 55 s', async () => {
    const token = await oidc.sign({ repository: REPO, audience: audience() });
    const id = await createRun({ runningMs: 600_000 });
    const started = performance.now();
    const answer = await wait(id, token, 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(answer.status).toBe(200);
    expect(['queued', 'running']).toContain(answer.body.run?.status);
    expect((await wait(id, token, 56)).status).toBe(400);
  });

  it('answers within a second of the completion webhook reaching the app', async () => {
    const token = await oidc.sign({ repository: REPO.toUpperCase(), audience: `${audience()}/` });
    const id = await createRun({ runningMs: 30_000 });
    const answer = await wait(id, token, 30);
    const answeredAt = performance.now();
    expect(answer.status).toBe(200);
    expect(answer.body.run).toMatchObject({ id, status: 'completed' });
    const accepted = relay.completionAcceptedAt(id);
    expect(accepted).toBeDefined();
    expect(answeredAt - (accepted ?? 0)).toBeLessThan(1_000);
  }, 30_000);

  it("answers a stranger's token (a repository the App is not installed on) 403 without asking codecloud", async () => {
    const id = await createRun({ runningMs: 1_000 });
    const before = await codecloudCallsFor(id);
    const token = await oidc.sign({ repository: 'mallory/anything', audience: audience() });
    const answer = await wait(id, token);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe('the App is not installed on mallory/anything');
    // The same answer for a run id that does not exist: which ids exist is not told.
    expect((await wait('no_such_run', token)).status).toBe(403);
    expect(await codecloudCallsFor(id)).toBe(before);
  });

  it('answers a token whose repository_id is not the repository of that name 403 without asking codecloud', async () => {
    const id = await createRun({ runningMs: 1_000 });
    const before = await codecloudCallsFor(id);
    const wrong = await oidc.sign({
      repository: REPO,
      audience: audience(),
      claims: { repository_id: String((repoIds.get(REPO) ?? 0) + 1_000_000) },
    });
    expect((await wait(id, wrong)).status).toBe(403);
    expect(await codecloudCallsFor(id)).toBe(before);
    const right = await oidc.sign({
      repository: REPO,
      audience: audience(),
      claims: { repository_id: String(repoIds.get(REPO)) },
    });
    expect((await wait(id, right, 0)).status).toBe(200);
  });

  it('answers only what the Action reads: never the prompt', async () => {
    const token = await oidc.sign({ repository: REPO, audience: audience() });
    const id = await createRun({ runningMs: 1_000 });
    const answer = await wait(id, token, 0);
    expect(answer.status).toBe(200);
    expect(answer.body.run).toMatchObject({ id });
    expect(answer.body.run).not.toHaveProperty('prompt');
    expect(Object.keys(answer.body.run ?? {}).sort()).toEqual(
      expect.arrayContaining(['createdAt', 'id', 'prs', 'status']),
    );
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    const token = await oidc.sign({ repository: REPO, audience: audience() });
    const answer = await wait('%E0%A4%A', token);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/percent-encoding/);
  });

  it('answers 429 with Retry-After once a repository asks more than 60 times a minute', async () => {
    const token = await oidc.sign({ repository: 'acme/chatty', audience: audience() });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 70; i++) {
      const answer = await wait('no_such_run', token, 0);
      statuses.push(answer.status);
      retryAfter ??= answer.retryAfter;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it("answers soon after the reconciler sees the end of the app's own run when its webhook was lost", async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.addWebhookFault({ event: 'agent.completed', action: 'drop' });
    await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 10_000 });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    let id: string | undefined;
    for (let i = 0; i < 100 && id === undefined; i++) {
      id = (await h.sim.control.runs()).find((r) => r.repo === repo)?.id;
      if (id === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    const token = await oidc.sign({ repository: repo, audience: audience() });
    const started = performance.now();
    const answer = await wait(id ?? '', token, 30);
    expect(answer.status).toBe(200);
    expect(answer.body.run?.status).toBe('completed');
    // The run takes about a second here and the reconciler looks every 2 s: far from the 30 s time-out.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await h.sim.control.webhooks({ event: 'agent.completed', run_id: id ?? '' })).toEqual([]);
  }, 30_000);
});

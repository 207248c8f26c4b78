// The wait route across two app replicas sharing PostgreSQL: the waiter on one replica, the completion webhook on
// the other, on a database of the test run's own PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOidc, startFakeOidc } from '../../fake-oidc/fake-oidc.js';
import { createTestDatabase, type TestDatabase } from '../../integration/store/postgres-test-database.js';
import { type AppProcess, freePort, type Harness, startApp, startHarness } from '../app/app-harness.js';

const PUBLIC_URL = 'https://codecloud-app.example';
const TIME_FACTOR = 20;
const REPO = 'acme/replicas';

describe('the wait route on two replicas (PostgreSQL)', () => {
  let database: TestDatabase;
  let h: Harness;
  let oidc: FakeOidc;
  let replicaB: AppProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    oidc = await startFakeOidc();
    const env = { DATABASE_URL: database.url, PUBLIC_URL, ACTIONS_OIDC_ISSUER: oidc.url };
    h = await startHarness({ sim: { timeFactor: TIME_FACTOR }, env });
    replicaB = await startApp({ ...h.env, PORT: String(await freePort()) });
    // The wait route answers only for a repository the App is installed on (asked of GitHub before codecloud).
    await h.gh.createRepo({ owner: 'acme', name: 'replicas', installationId: 77 });
  }, 90_000);
  afterAll(async () => {
    await replicaB?.stop();
    await h?.close();
    await oidc?.close();
    await database?.drop();
  });

  it('answers on replica A within a second of the completion webhook reaching replica B', async () => {
    await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 40_000 });
    const created = await fetch(`${h.sim.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        repo: REPO,
        prompt: 'two replicas',
        webhook_url: `${replicaB.url}/codecloud/webhook`,
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const token = await oidc.sign({ repository: REPO, audience: PUBLIC_URL });
    const answer = await fetch(`${h.app.url}/codecloud/runs/${id}/wait?timeout=30`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const simNow = Date.parse(await h.sim.control.now());
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { run: { status: string } }).run.status).toBe('completed');
    const attempts = await h.sim.control.webhooks({ event: 'agent.completed', run_id: id });
    const accepted = attempts.find((a) => a.status === 202 && a.url.startsWith(replicaB.url));
    expect(accepted, 'the completion webhook went to replica B').toBeDefined();
    // Real ms from B accepting the webhook to A's answer (the simulator's clock runs TIME_FACTOR times faster).
    expect((simNow - Date.parse(accepted?.at ?? '')) / TIME_FACTOR).toBeLessThan(1_000);
  }, 60_000);
});

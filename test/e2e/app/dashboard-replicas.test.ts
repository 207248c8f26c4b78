// The dashboard on two app replicas sharing PostgreSQL: a sign-in started on one replica finishes on whichever the
// load balancer picks, and the session it makes is valid on both (the cookie is encrypted with a key every replica
// derives from the App's client secret; nothing about it is kept in one process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_OAUTH_CLIENT } from '../../fake-github/fake-github.js';
import { createTestDatabase, type TestDatabase } from '../../integration/store/postgres-test-database.js';
import { botComments, freshRepo } from './app-harness.js';
import { launchBrowser, type TestBrowser } from './browser.js';
import { type Cluster, startCluster } from './chaos-cluster.js';

describe('dashboard on two replicas (PostgreSQL)', () => {
  let cluster: Cluster;
  let database: TestDatabase;
  let browser: TestBrowser;

  beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startCluster({
      sim: { timeFactor: 20 },
      env: { GITHUB_CLIENT_ID: FAKE_OAUTH_CLIENT.id, GITHUB_CLIENT_SECRET: FAKE_OAUTH_CLIENT.secret },
      replicas: 2,
      databaseUrl: database.url,
    });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await database?.drop();
  });

  it('a session made through one replica is valid on the other, and shows the same runs', async () => {
    const c = cluster;
    const { repo } = await freshRepo(c.gh);
    const issue = await c.gh.openIssue({ repo, title: 'Bug', body: 'b', user: 'alice' });
    await c.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    await c.gh.waitFor((s) => botComments(s, repo, issue.number)[0], { timeoutMs: 30_000 });
    await c.gh.setOAuthUser('alice');

    const page = await browser.context.newPage();
    const [a, b] = c.replicas.map((r) => `http://127.0.0.1:${r.port}`) as [string, string];
    // Sign-in through replica A; GitHub sends the browser back to PUBLIC_URL (the load balancer), which may pick B.
    await page.goto(`${a}/dashboard/login`);
    await page.waitForURL(`${c.lb.url}/dashboard`, { timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nat ${page.url()}: ${await page.content()}`);
    });
    for (const replica of [a, b, a, b]) {
      const response = await page.goto(`${replica}/dashboard`);
      expect(response?.status()).toBe(200);
      expect(await page.locator('header .who').textContent()).toBe('alice');
      expect(await page.locator(`table.runs a[href$="/${repo}/issues/${issue.number}"]`).count()).toBe(1);
    }
    // Signing out on one replica ends the browser's session for both (the cookie is gone).
    await page.goto(`${b}/dashboard`);
    await page.click('header button');
    await page.goto(`${a}/dashboard`);
    expect(await page.locator('text=Sign in with GitHub').count()).toBe(1);
    expect((await c.gh.state()).violations).toEqual([]);
  }, 120_000);
});

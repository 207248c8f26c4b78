// The dashboard in a real browser (Debian's chromium through playwright-core) against the real app process, the
// fake GitHub (its OAuth flow and /user/installations) and the codecloud simulator, on the embedded SQLite store.
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_OAUTH_CLIENT } from '../../fake-github/fake-github.js';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';
import { launchBrowser, type TestBrowser } from './browser.js';

const XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';
/** Screenshots for the docs are written when this is set (`SCREENSHOTS=docs/images`). */
const SCREENSHOTS = process.env.SCREENSHOTS;

describe('dashboard in a browser (SQLite)', () => {
  let h: Harness;
  let browser: TestBrowser;
  let page: Page;
  let mine: { repo: string };
  let theirs: { repo: string };
  let readOnly: { repo: string };

  const runLink = (repo: string, issue: number) =>
    page.locator(`tr:has(a[href$="/${repo}/issues/${issue}"]) a[href^="/dashboard/runs/"]`);

  /** Comments a command and waits for the app's status comment (the run exists in the store by then). */
  async function command(repo: string, user: string, text: string): Promise<number> {
    const issue = await h.gh.openIssue({ repo, title: `Task ${text}`, body: 'b', user });
    await h.gh.comment({ repo, number: issue.number, user, body: `/codecloud ${text}` });
    await h.gh.waitFor((s) => botComments(s, repo, issue.number)[0], { timeoutMs: 30_000 });
    return issue.number;
  }

  async function openRun(repo: string, issue: number): Promise<string> {
    await page.goto(`${h.app.url}/dashboard`);
    await runLink(repo, issue).waitFor({ timeout: 30_000 });
    const href = await runLink(repo, issue).getAttribute('href');
    await page.goto(`${h.app.url}${href}`);
    return `${h.app.url}${href}`;
  }

  async function shoot(name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  }

  beforeAll(async () => {
    h = await startHarness({
      env: {
        GITHUB_CLIENT_ID: FAKE_OAUTH_CLIENT.id,
        GITHUB_CLIENT_SECRET: FAKE_OAUTH_CLIENT.secret,
        LIMIT_RUNS_PER_DAY: '50',
        LIMIT_TOKENS_PER_MONTH: '2000000',
      },
    });
    const sim = h.sim.control;
    await sim.addPromptScript({
      match: 'render-hostile',
      script: {
        queuedMs: 100,
        runningMs: 1_000,
        title: XSS,
        result: `Done. ${XSS}`,
        inputTokens: 1200,
        outputTokens: 340,
      },
    });
    await sim.addPromptScript({
      match: 'slow-task',
      script: {
        queuedMs: 1_000,
        runningMs: 120_000,
        inputTokens: 5_000,
        outputTokens: 800,
        progress: [
          { tool_call: { name: 'read_file', arguments: { path: 'src/app.ts' }, status: 'completed' } },
          { tool_call: { name: 'edit_file', arguments: { path: 'src/app.ts' }, status: 'completed' } },
        ],
      },
    });
    await sim.addPromptScript({ match: 'endless-task', script: { queuedMs: 500, runningMs: 100_000_000 } });
    mine = await freshRepo(h.gh);
    theirs = await freshRepo(h.gh);
    readOnly = await freshRepo(h.gh);
    await h.gh.createUser({ login: 'bob' });
    // alice: write on `mine`, nothing on `theirs` (private), read on `readOnly`; bob: write on the other two.
    await h.gh.setPermission({ repo: theirs.repo, user: 'alice', permission: 'none' });
    await h.gh.setPermission({ repo: theirs.repo, user: 'bob', permission: 'write' });
    await h.gh.setPermission({ repo: readOnly.repo, user: 'alice', permission: 'read' });
    await h.gh.setPermission({ repo: readOnly.repo, user: 'bob', permission: 'write' });
    await h.gh.setOAuthUser('alice');
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows only the sign-in page to someone signed out', async () => {
    const response = await page.goto(`${h.app.url}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.locator('a', { hasText: 'Sign in with GitHub' }).count()).resolves.toBe(1);
    expect(await page.locator('table').count()).toBe(0);
  });

  it('signs in with GitHub and lists only the runs of repositories the user can read', async () => {
    const hostile = await command(mine.repo, 'alice', 'render-hostile');
    const secret = await command(theirs.repo, 'bob', 'render-hostile in a private repo');
    await page.goto(`${h.app.url}/dashboard`);
    await page.click('text=Sign in with GitHub');
    await page.waitForURL(`${h.app.url}/dashboard`);
    expect(await page.locator('header .who').textContent()).toBe('alice');
    await runLink(mine.repo, hostile).waitFor();
    expect(await page.locator(`a[href*="/${theirs.repo}/"]`).count()).toBe(0);
    expect(await page.content()).not.toContain(theirs.repo);
    // A run of the private repository is not found, even by its address.
    await page.goto(`${h.app.url}/dashboard?repo=${encodeURIComponent(theirs.repo)}`);
    expect(await page.locator('table.runs').count()).toBe(0);
    const stored = (await h.gh.state()).comments.find((c) => c.repo === theirs.repo && c.number === secret);
    expect(stored).toBeDefined();
    // The token never reaches the page.
    expect(await page.content()).not.toMatch(/ghu_/);
  });

  it('refuses a run of a repository the user cannot read, by its address', async () => {
    // bob can read his private repository and hands alice the link to its run.
    const href = await signedInAs('bob', async (bobPage) => {
      await bobPage.goto(`${h.app.url}/dashboard?repo=${encodeURIComponent(theirs.repo)}`);
      return bobPage.locator('a[href^="/dashboard/runs/"]').first().getAttribute('href');
    });
    expect(href).toMatch(/^\/dashboard\/runs\/[0-9a-f-]{36}$/);
    const response = await page.goto(`${h.app.url}${href}`);
    expect(response?.status()).toBe(404);
    expect(await page.content()).not.toContain(theirs.repo);
  });

  /** Runs `work` in a second, separate browser signed in as `login`. */
  async function signedInAs<T>(login: string, work: (page: Page) => Promise<T>): Promise<T> {
    const second = await launchBrowser();
    try {
      await h.gh.setOAuthUser(login);
      const other = await second.context.newPage();
      await other.goto(`${h.app.url}/dashboard/login`);
      await other.waitForURL(`${h.app.url}/dashboard`);
      return await work(other);
    } finally {
      await h.gh.setOAuthUser('alice');
      await second.close();
    }
  }

  it('renders hostile text from a run as text: no script runs, no image is made', async () => {
    const issue = botComments(await h.gh.state(), mine.repo)[0]?.number ?? 0;
    await openRun(mine.repo, issue);
    await page.locator('text=Done.').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(await page.locator('pre.result').textContent()).toContain(XSS);
    await shoot('dashboard-run');
  });

  it('follows a run to completion while the page stays open', async () => {
    const issue = await command(mine.repo, 'alice', 'slow-task');
    await openRun(mine.repo, issue);
    await page.evaluate(() => {
      (globalThis as unknown as { __stayed?: boolean }).__stayed = true;
    });
    await page.locator('.status-running').first().waitFor({ timeout: 30_000 });
    await page.locator('ol.progress li', { hasText: 'edit_file' }).waitFor({ timeout: 30_000 });
    await page.locator('.status-completed').first().waitFor({ timeout: 60_000 });
    // Updated in place: the page was never reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { __stayed?: boolean }).__stayed)).toBe(true);
    const timeline = await page.locator('ol.timeline').textContent();
    expect(timeline).toMatch(/running[\s\S]*completed/);
    expect(await page.locator('main').getAttribute('data-live')).toBe('false');
  });

  it('stops an active run with the Stop button (permission checked at the click)', async () => {
    const issue = await command(mine.repo, 'alice', 'endless-task');
    await openRun(mine.repo, issue);
    await page.locator('.status-running').first().waitFor({ timeout: 30_000 });
    await shoot('dashboard-run-active');
    await page.click('form.stop button');
    await page.locator('.notice', { hasText: 'Stopped.' }).waitFor({ timeout: 30_000 });
    await page.locator('.status-stopped').first().waitFor();
    const simRuns = await h.sim.control.runs();
    expect(simRuns.filter((r) => r.repo === mine.repo && r.stops.length > 0)).toHaveLength(1);
    await h.gh.waitFor((s) => botComments(s, mine.repo, issue).find((c) => /stopped/i.test(c.body)), {
      timeoutMs: 30_000,
    });
  });

  it('refuses Stop to a user below min_permission, and a post without the CSRF token', async () => {
    const issue = await command(readOnly.repo, 'bob', 'endless-task');
    const address = await openRun(readOnly.repo, issue);
    await page.locator('.status-running').first().waitFor({ timeout: 30_000 });
    const refused = page.waitForResponse((r) => r.url().endsWith('/stop'));
    await page.click('form.stop button');
    expect((await refused).status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('do not have the permission');
    const forged = await page.evaluate(async (url) => {
      const response = await fetch(`${url}/stop`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=forged',
      });
      return response.status;
    }, address);
    expect(forged).toBe(403);
    expect(
      (await h.sim.control.runs()).filter((r) => r.repo === readOnly.repo && r.status === 'running'),
    ).toHaveLength(1);
  });

  it('shows usage against the limits', async () => {
    await page.goto(`${h.app.url}/dashboard/usage`);
    const row = page.locator('table.usage tr', { hasText: mine.repo });
    await row.waitFor();
    expect(await row.textContent()).toContain('/ 50');
    expect(await page.content()).not.toContain(theirs.repo);
    await page.goto(`${h.app.url}/dashboard`);
    await shoot('dashboard-runs');
    await page.goto(`${h.app.url}/dashboard/usage`);
    await shoot('dashboard-usage');
  });

  it('sends to sign-in after signing out', async () => {
    await page.goto(`${h.app.url}/dashboard`);
    const somewhere = await page.locator('a[href^="/dashboard/runs/"]').first().getAttribute('href');
    await page.click('header button');
    await page.locator('text=Sign in with GitHub').waitFor();
    await page.goto(`${h.app.url}${somewhere}`);
    expect(await page.locator('text=Sign in with GitHub').count()).toBe(1);
    expect(await page.locator('table').count()).toBe(0);
    await shoot('dashboard-sign-in');
    const state = await h.gh.state();
    expect(state.violations).toEqual([]);
  });
});

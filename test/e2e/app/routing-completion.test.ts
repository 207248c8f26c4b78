// Routing, completion and start-up end to end (docs/app.md, Commands; docs/how-it-works.md), with a real app process.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCodecloudPayload } from '../../../src/codecloud/webhook-signature.js';
import { signWebhook } from '../../fake-github/fake-github.js';
import {
  BOT,
  botComments,
  CODECLOUD_SECRET,
  freshRepo,
  type Harness,
  startApp,
  startHarness,
  WEBHOOK_SECRET,
} from './app-harness.js';

describe('App routing and completion (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const waitComment = (repo: string, word: string, number?: number, timeoutMs = 20_000) =>
    h.gh.waitFor((s) => botComments(s, repo, number).find((c) => c.body.includes(word)), { timeoutMs });
  const simRuns = async (repo: string) => (await h.sim.control.runs()).filter((r) => r.repo === repo);
  const waitSim = async (repo: string, ok: (runs: Awaited<ReturnType<typeof simRuns>>) => boolean) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const runs = await simRuns(repo);
      if (ok(runs)) return runs;
      if (Date.now() > deadline)
        throw new Error(`simulator runs on ${repo}: ${JSON.stringify(runs.map((r) => r.status))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('a comment on the PR a run opened is a follow-up (update_pr, idempotency key from the comment); busy → reply', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Fix crash', head: 'codecloud/fix', user: 'alice' });
    await h.sim.control.queueScripts({ prs: [{ number: pr.number, branch: 'codecloud/fix' }] });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await waitComment(repo, 'Completed', issue.number);
    await h.sim.control.queueFollowUpScripts({ runningMs: 600_000 });
    const follow = await h.gh.comment({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud also add a test',
    });
    const [run] = await waitSim(repo, (runs) => runs[0]?.messages.length === 1);
    expect(run?.messages[0]).toMatchObject({
      update_pr: true,
      idempotency_key: `github-comment-${follow.id}`,
    });
    expect(run?.messages[0]?.prompt).toContain('also add a test');
    await waitComment(repo, 'Running', pr.number);
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud and docs' });
    const busy = await waitComment(repo, 'still working', pr.number);
    expect(busy.body).toContain('/codecloud stop');
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud stop' });
    await waitComment(repo, 'Stopped** by @alice', pr.number);
    expect(await simRuns(repo)).toHaveLength(1);
  });

  it('another same-repo PR gets a new run on its head branch; a fork PR is refused with the reason', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({
      repo,
      title: 'Feature X',
      body: 'adds X',
      head: 'feature-x',
      user: 'alice',
    });
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud make the tests pass' });
    await waitComment(repo, 'Completed', pr.number);
    const [run] = await simRuns(repo);
    expect(run?.branch).toBe('feature-x');
    expect(run?.prompt).toContain('Feature X');
    const fork = await h.gh.openPull({
      repo,
      title: 'From a fork',
      head: 'patch-1',
      user: 'alice',
      fork: true,
    });
    await h.gh.comment({ repo, number: fork.number, user: 'alice', body: '/codecloud fix this' });
    const refusal = await waitComment(repo, 'fork', fork.number);
    expect(refusal.body).toContain("can't work");
    expect(await simRuns(repo)).toHaveLength(1);
  });

  it('an inline review comment puts file, line and diff hunk in the prompt and replies in the thread', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Refactor', head: 'refactor', user: 'alice' });
    const review = await h.gh.reviewComment({
      repo,
      number: pr.number,
      user: 'alice',
      path: 'src/app.ts',
      line: 42,
      diff_hunk: '@@ -40,3 +40,3 @@\n-const a = 1;\n+const a = 2;',
      body: '/codecloud rename this variable',
    });
    const reply = await h.gh.waitFor(
      (s) =>
        s.comments.find(
          (c) => c.repo === repo && c.user === BOT && c.kind === 'review' && c.body.includes('Completed'),
        ),
      { timeoutMs: 20_000 },
    );
    expect(reply.in_reply_to).toBe(review.id);
    const [run] = await simRuns(repo);
    expect(run?.prompt).toContain('src/app.ts');
    expect(run?.prompt).toContain('42');
    expect(run?.prompt).toContain('+const a = 2;');
  });

  it('codecloud webhooks: 401 unsigned or forged, 400 not an event, 413 over 1 MiB; a signed forgery posts nothing', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 600_000 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const [run] = await waitSim(repo, (runs) => runs[0]?.status === 'running');
    const url = `${h.app.url}/codecloud/webhook`;
    const forged = JSON.stringify({
      event: 'agent.completed',
      run_id: run?.id,
      status: 'completed',
      result: 'forged result',
      created_at: new Date().toISOString(),
      completed_at: new Date().toISOString(),
    });
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post(forged)).status).toBe(401);
    expect((await post(forged, { 'x-codecloud-signature': 'f'.repeat(64) })).status).toBe(401);
    const notEvent = '{"hello":"world"}';
    expect(
      (
        await post(notEvent, {
          'x-codecloud-signature': await signCodecloudPayload(CODECLOUD_SECRET, notEvent),
        })
      ).status,
    ).toBe(400);
    const big = 'x'.repeat(1024 * 1024 + 10);
    expect(
      (await post(big, { 'x-codecloud-signature': await signCodecloudPayload(CODECLOUD_SECRET, big) }))
        .status,
    ).toBe(413);
    const signed = await post(forged, {
      'x-codecloud-signature': await signCodecloudPayload(CODECLOUD_SECRET, forged),
    });
    expect(signed.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const state = await h.gh.state();
    expect(
      botComments(state, repo).some((c) => c.body.includes('forged result') || c.body.includes('Completed')),
    ).toBe(false);
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud stop' });
    await waitComment(repo, 'Stopped');
  });

  it('--backend=cloudcoding streams the run with a repo-scoped installation token and finishes the status comment', async () => {
    const { repo, name } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({
      repo,
      title: 'Typo',
      body: 'Fix the typo in README',
      user: 'alice',
    });
    await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud --backend=cloudcoding fix this',
    });
    const done = await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => /Completed|Failed/.test(c.body)),
      { timeoutMs: 20_000 },
    );
    expect(done.body).toContain('Completed');
    const state = await h.gh.state();
    const invoke = (await h.sim.control.requests({ route: 'POST /invoke/stdout' })).at(-1);
    const token = (invoke?.body as { github_token?: string } | undefined)?.github_token;
    const issued = state.tokens.find((t) => t.token === token);
    expect(issued?.repositories).toEqual([repo]);
    expect(name).toBeTruthy();
  });

  it('syncs schedules from .github/codecloud.yml on a push to the default branch (signed webhook)', async () => {
    const { repo, owner, name, installationId } = await freshRepo(h.gh, {
      '.github/codecloud.yml':
        'schedules:\n  - name: nightly-tests\n    cron: "0 3 * * *"\n    prompt: Run the tests\n',
    });
    const push = async (ref: string) => {
      const body = JSON.stringify({
        ref,
        before: '0'.repeat(40),
        after: '1'.repeat(40),
        repository: {
          id: 1,
          name,
          full_name: repo,
          owner: { login: owner, name: owner },
          default_branch: 'main',
        },
        installation: { id: installationId },
        sender: { login: 'alice', type: 'User' },
        commits: [],
      });
      const response = await fetch(`${h.app.url}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': `push-${Math.random()}`,
          'x-hub-signature-256': signWebhook(WEBHOOK_SECRET, body).sha256,
        },
        body,
      });
      expect(response.status).toBe(200);
    };
    const active = async () =>
      (await h.sim.control.schedules()).filter((s) => s.repo === repo && s.status === 'active');
    await push('refs/heads/feature');
    await push('refs/heads/main');
    const deadline = Date.now() + 10_000;
    while ((await active()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const [schedule] = await active();
    expect(schedule).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * *',
      webhook_url: `http://127.0.0.1:${h.port}/codecloud/webhook`,
    });
    expect(schedule?.prompt).toContain('Run the tests');
    await push('refs/heads/main');
    await h.gh.putFile({ repo, path: '.github/codecloud.yml', content: 'schedules: []\n' });
    await push('refs/heads/main');
    while ((await active()).length > 0 && Date.now() < deadline + 10_000)
      await new Promise((r) => setTimeout(r, 100));
    expect(await active()).toHaveLength(0);
    expect((await h.sim.control.schedules()).filter((s) => s.repo === repo)).toHaveLength(1);
  });

  it('relays the completion of a run it did not start as repository_dispatch', async () => {
    const { repo } = await freshRepo(h.gh);
    const response = await fetch(`${h.sim.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        repo,
        prompt: 'nightly clean-up',
        webhook_url: `${h.app.url}/codecloud/webhook`,
      }),
    });
    const { id } = (await response.json()) as { id: string };
    const dispatch = await h.gh.waitFor((s) => s.dispatches.find((d) => d.repo === repo), {
      timeoutMs: 15_000,
    });
    expect(dispatch.event_type).toBe('codecloud-run-completed');
    expect(dispatch.client_payload).toMatchObject({ run_id: id, status: 'completed', pr_number: 100 });
  });

  it('finishes the status comment after a restart between run creation and completion', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 40_000 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await waitSim(repo, (runs) => runs[0]?.status === 'running');
    await waitComment(repo, 'Queued');
    await h.app.stop('SIGKILL');
    // The run completes while the app is down: every webhook attempt fails.
    await waitSim(repo, (runs) => runs[0]?.status === 'completed');
    const [run] = await simRuns(repo);
    const attempts = await h.sim.control.webhooks({ event: 'agent.completed', run_id: run?.id ?? '' });
    expect(attempts.every((a) => a.status === undefined || a.status >= 500)).toBe(true);
    await h.restart();
    const done = await waitComment(repo, 'Completed');
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
    expect(done.body).toContain('/pull/');
  });
});

describe('App start-up', () => {
  const base = {
    APP_ID: '1',
    PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nnot-used\\n-----END RSA PRIVATE KEY-----',
    HOST: '127.0.0.1',
    PORT: '0',
    GHE_HOST: '127.0.0.1:9',
    GHE_PROTOCOL: 'http',
    CODECLOUD_API_KEY: 'k',
    DATA_DIR: 'memory://',
  };

  it('refuses to start without WEBHOOK_SECRET, naming it', async () => {
    await expect(startApp({ ...base })).rejects.toThrow(/WEBHOOK_SECRET/);
  });

  it('refuses to start without CODECLOUD_API_KEY, naming it', async () => {
    const { CODECLOUD_API_KEY: _, ...rest } = base;
    await expect(startApp({ ...rest, WEBHOOK_SECRET: 's' })).rejects.toThrow(/CODECLOUD_API_KEY/);
  });
});

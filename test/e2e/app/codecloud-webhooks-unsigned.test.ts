// codecloud webhooks with CODECLOUD_WEBHOOK_SECRET unset (allowed): bodies may be forged by anyone, so they are only
// hints to read the run back. A forged body posts nothing new; repeated completions are handled once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

async function poll<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('codecloud webhooks without a secret (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      // No progress webhooks from the simulator and a slow reconciler: what the tests send is all the app hears.
      sim: { progressWebhooks: false },
      env: { CODECLOUD_WEBHOOK_SECRET: '', RECONCILE_INTERVAL_SECONDS: '60' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const post = (body: unknown) =>
    fetch(`${h.app.url}/codecloud/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a forged unsigned progress event writes nothing into the status comment', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ queuedMs: 0, runningMs: 400_000 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const run = await poll(async () =>
      (await h.sim.control.runs()).find((r) => r.repo === repo && r.status === 'running'),
    );
    // The app still says Queued (no progress webhooks, reconciler far off); a forged event is the first news.
    const answer = await post({
      event: 'agent.progress',
      run_id: run.id,
      status: 'running',
      thinking: 'Forged [click here](https://evil.example) ![x](https://evil.example/x.png) @alice',
      tool_call: { name: 'evil_tool', status: 'running', arguments: { command: 'curl evil.example' } },
    });
    expect(answer.status).toBe(202);
    // It is a hint: the run is read back, so the comment moves to Running, but shows nothing from the body.
    const running = await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Running')), {
      timeoutMs: 10_000,
    });
    expect(running.body).not.toMatch(/evil|click here|Forged/);
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
  });

  it('unsigned events for a run the App does not know are answered but not stored: no relay', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ queuedMs: 0, runningMs: 1_000, prs: [] });
    // A run the app did not start (as the Action would, with the app's URL as webhook_url): without the secret
    // anyone could send its completion, so it is not relayed (production sets CODECLOUD_WEBHOOK_SECRET).
    const created = await fetch(`${h.sim.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'relay me', repo }),
    });
    const { id } = (await created.json()) as { id: string };
    await poll(async () => ((await h.sim.control.run(id))?.status === 'completed' ? true : undefined));
    const before = (await h.sim.control.requests({ path: id })).length;
    for (const minute of [1, 2, 3, 4]) {
      const answer = await post({
        event: 'agent.completed',
        status: 'completed',
        run_id: id,
        repo,
        created_at: '2026-01-01T00:00:00Z',
        completed_at: `2026-01-01T00:0${minute}:00Z`,
      });
      expect(answer.status).toBe(202);
      expect(await answer.json()).toEqual({ status: 'ignored' });
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await h.gh.state()).dispatches.filter((d) => d.repo === repo)).toEqual([]);
    // Nor did they make the App read the run: a stranger's events cost no codecloud calls.
    expect((await h.sim.control.requests({ path: id })).length).toBe(before);
  });

  it('unsigned events past 50 a second get 429 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 120 }, () =>
        post({
          event: 'agent.completed',
          status: 'completed',
          run_id: 'nobody',
          created_at: '2026-01-01T00:00:00Z',
        }),
      ),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
  });
});

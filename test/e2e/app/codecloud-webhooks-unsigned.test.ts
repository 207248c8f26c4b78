// codecloud webhooks with CODECLOUD_WEBHOOK_SECRET unset (allowed): bodies may be forged by anyone, so they are only
// hints to read the run back. A forged body posts nothing new; repeated completions are handled once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
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

  it('forged completions with changing completed_at send one repository_dispatch per real completion', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ queuedMs: 0, runningMs: 1_000, prs: [] });
    // A run the app did not start (as the Action would, with the app's URL as webhook_url).
    const created = await fetch(`${h.sim.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'relay me', repo }),
    });
    const { id } = (await created.json()) as { id: string };
    await poll(async () => ((await h.sim.control.run(id))?.status === 'completed' ? true : undefined));
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
    }
    const dispatches = (s: FakeGitHubState) => s.dispatches.filter((d) => d.repo === repo);
    await h.gh.waitFor((s) => (dispatches(s).length > 0 ? true : undefined), { timeoutMs: 10_000 });
    // Give any further (wrong) relay time to arrive: every event above was recorded before its 202.
    await new Promise((r) => setTimeout(r, 1_500));
    const sent = dispatches(await h.gh.state());
    expect(sent).toHaveLength(1);
    expect(sent[0]?.event_type).toBe('codecloud-run-completed');
    expect(sent[0]?.client_payload).toMatchObject({ run_id: id, status: 'completed' });
  });
});

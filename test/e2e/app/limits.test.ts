// Concurrency limits and API errors, end to end (real app process, simulator on a starter plan). /healthz on PORT=0
// and SIGTERM are checked in startup-env.test.ts, on the app process that test starts anyway.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('App limits and failures (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    // A starter plan: codecloud itself allows one run at a time.
    h = await startHarness({ sim: { apiKeys: [{ key: 'test-key', plan: 'starter' }] } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  it('max_concurrent_runs queues the rest in the store and starts them as slots free up', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'max_concurrent_runs: 1\n' });
    await h.sim.control.queueScripts({ runningMs: 80_000 }, { runningMs: 2_000 });
    const first = await h.gh.openIssue({ repo, title: 'one', body: 'b', user: 'alice' });
    const second = await h.gh.openIssue({ repo, title: 'two', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: first.number, user: 'alice', body: '/codecloud first task' });
    await h.gh.waitFor((s) => botComments(s, repo, first.number)[0]);
    await h.gh.comment({ repo, number: second.number, user: 'alice', body: '/codecloud second task' });
    const waiting = await h.gh.waitFor((s) => botComments(s, repo, second.number)[0]);
    expect(waiting.body).toContain('Waiting for a free slot');
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
    await h.gh.waitFor(
      (s) => botComments(s, repo).filter((c) => c.body.includes('Completed')).length === 2 || undefined,
      { timeoutMs: 25_000 },
    );
    const runs = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(runs).toHaveLength(2);
    const [a, b] = runs.sort((x, y) => x.created_at.localeCompare(y.created_at));
    expect(Date.parse(b?.created_at ?? '')).toBeGreaterThanOrEqual(Date.parse(a?.completed_at ?? ''));
  });

  it('codecloud’s plan limit (429) puts the run back in line instead of retrying in a loop', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 80_000 }, { runningMs: 2_000 });
    const first = await h.gh.openIssue({ repo, title: 'one', body: 'b', user: 'alice' });
    const second = await h.gh.openIssue({ repo, title: 'two', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: first.number, user: 'alice', body: '/codecloud first task' });
    await h.gh.waitFor((s) => botComments(s, repo, first.number)[0]);
    await h.gh.comment({ repo, number: second.number, user: 'alice', body: '/codecloud second task' });
    await h.gh.waitFor(
      (s) => botComments(s, repo).filter((c) => c.body.includes('Completed')).length === 2 || undefined,
      { timeoutMs: 25_000 },
    );
    const creates = await h.sim.control.requests({ route: 'POST /api/v1/agents' });
    const refused = creates.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(3);
  });

  it('each installation has its own GitHub write queue (one installation’s comments never wait for another’s)', async () => {
    const one = await freshRepo(h.gh);
    const two = await freshRepo(h.gh);
    expect(one.installationId).not.toBe(two.installationId);
    const a = await h.gh.openIssue({ repo: one.repo, title: 't', body: 'b', user: 'alice' });
    const b = await h.gh.openIssue({ repo: two.repo, title: 't', body: 'b', user: 'alice' });
    await Promise.all([
      h.gh.comment({ repo: one.repo, number: a.number, user: 'alice', body: '/codecloud help', async: true }),
      h.gh.comment({ repo: two.repo, number: b.number, user: 'alice', body: '/codecloud help', async: true }),
    ]);
    const state = await h.gh.waitFor((s) =>
      botComments(s, one.repo).length === 1 && botComments(s, two.repo).length === 1 ? s : undefined,
    );
    const postedAt = (repo: string) =>
      Date.parse(
        state.requests.find((r) => r.method === 'POST' && r.path.startsWith(`/repos/${repo}/issues/`))?.at ??
          '',
      );
    // The throttling plugin spaces writes that share a queue by a second.
    expect(Math.abs(postedAt(one.repo) - postedAt(two.repo))).toBeLessThan(800);
  });

  it('an API error on create ends the status comment as failed, with the error, and 😕', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents',
      status: 400,
      body: { error: 'Validation Error', message: 'model: unknown model' },
      times: 1,
    });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const c = await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const failed = await h.gh.waitFor((s) => botComments(s, repo).find((x) => x.body.includes('Failed')));
    expect(failed.body).toContain('model: unknown model');
    const state = await h.gh.waitFor((s) =>
      s.reactions.some((r) => r.id === c.id && r.content === 'confused') ? s : undefined,
    );
    expect(botComments(state, repo)).toHaveLength(1);
  });
});

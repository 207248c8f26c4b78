// codecloud's plan limit end to end (real app process, a reconcile interval of an hour so only the app's own
// drains can start anything): a create refused twice with a short Retry-After starts within seconds of it, and
// the status comment says why it waits, never "Queued".
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshRepo, type Harness, startHarness } from './app-harness.js';

const BOT = 'codecloud[bot]';

describe('App and codecloud’s plan limit (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RECONCILE_INTERVAL_SECONDS: '3600' } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  it('refused twice with Retry-After 5 s: starts seconds after the second, saying meanwhile that it waits for the plan', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 20_000 });
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents',
      status: 429,
      retryAfter: 5,
      body: { error: 'Too Many Requests', message: 'Concurrent agent limit reached (1 for starter plan)' },
      times: 2,
    });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const waiting = await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === BOT && c.body.includes('plan limit')),
      { timeoutMs: 15_000 },
    );
    expect(waiting.body).toContain('Waiting for a free slot');
    expect(waiting.body).not.toContain('Queued');
    const started = Date.now();
    const done = await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === BOT && c.body.includes('Completed')),
      { timeoutMs: 30_000 },
    );
    const tookMs = Date.now() - started;
    expect(done.body).toContain('Completed');
    const creates = await h.sim.control.requests({ route: 'POST /api/v1/agents' });
    expect(creates.filter((r) => r.status === 429)).toHaveLength(2);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
    // Two Retry-After waits of 5 s, then the run itself: well under the hour of the reconcile interval.
    expect(tookMs).toBeLessThan(20_000);
    console.info(`plan limit: completed ${tookMs} ms after the first "Waiting for a free slot"`);
  }, 60_000);
});

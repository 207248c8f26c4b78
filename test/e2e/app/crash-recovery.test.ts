// Crash recovery end to end (real app process): the app killed while codecloud is creating a run, then started
// again with a long reconcile interval. The run is found and adopted within seconds of the restart, never created
// twice, and its one status comment ends on the run's real outcome.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('App crash recovery (real process)', () => {
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

  it('killed during a create: after the restart the run is looked up and adopted, never sent again', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 20_000 });
    // codecloud creates the run, but its answer takes 20 s: the app dies waiting for it.
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents',
      phase: 'after',
      latencyMs: 20_000,
      times: 1,
    });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const deadline = Date.now() + 15_000;
    while ((await h.sim.control.runs()).filter((r) => r.repo === repo).length === 0) {
      if (Date.now() > deadline) throw new Error('the create never reached codecloud');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await h.app.stop('SIGKILL');
    await h.sim.control.clearFaults();
    // "At start-up", not at the next interval: an hour would fail this test.
    h.env.RECONCILE_INTERVAL_SECONDS = '3600';
    const restartedAt = Date.now();
    await h.restart();
    const [simRun] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    const done = await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => c.body.includes('Completed') || c.body.includes('Failed')),
      { timeoutMs: 75_000 },
    );
    const tookMs = Date.now() - restartedAt;
    expect(done.body).toContain('Completed');
    expect(done.body).toContain(`<!-- codecloud:run=${simRun?.id} -->`);
    expect(done.body).not.toContain('Timed out');
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
    expect(tookMs).toBeLessThan(60_000);
    console.info(`crash during a create: the run was adopted and finished ${tookMs} ms after the restart`);
  }, 120_000);

  it('GitHub created the status comment but its answer was lost: the retried job adopts it, one comment in all', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 20_000 });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    // The comment is created, then the answer is an error the client does not retry by itself: the job fails
    // without the comment's id, as when the app dies right after GitHub created it, and its retry takes over.
    await h.gh.fault({
      method: 'POST',
      path: `^/repos/${repo}/issues/${issue.number}/comments$`,
      status: 422,
      phase: 'after',
    });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const done = await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Completed')), {
      timeoutMs: 45_000,
    });
    const [simRun] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(done.body).toContain(`<!-- codecloud:run=${simRun?.id} -->`);
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
  }, 60_000);
  it('GitHub created the status comment but answered 502: the client does not post it again, one comment in all', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 20_000 });
    const issue = await h.gh.openIssue({ repo, title: 'Bad gateway', body: 'b', user: 'alice' });
    // A 5xx after the comment was created: a blind retry of the POST would post a second one.
    await h.gh.fault({
      method: 'POST',
      path: `^/repos/${repo}/issues/${issue.number}/comments$`,
      status: 502,
      phase: 'after',
    });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const done = await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Completed')), {
      timeoutMs: 45_000,
    });
    expect(done.body).toContain('Completed');
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
  }, 60_000);
});

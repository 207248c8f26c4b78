// The final status-comment edit, end to end with a real app process: an edit GitHub refuses is made later (by the
// reconciler, which runs every second here), so the comment never stays on "Running".
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botComments, type Comment, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('final comment retried (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RECONCILE_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const waitComment = (repo: string, ok: (c: Comment) => boolean, timeoutMs = 30_000) =>
    h.gh.waitFor((s) => botComments(s, repo).find(ok), { timeoutMs });

  it('a final edit that GitHub answers 502 is made later: the comment does not stay on "Running"', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.sim.control.queueScripts({ runningMs: 3_600_000 });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const running = await waitComment(repo, (c) => c.body.includes('Running'));
    await h.gh.fault({
      method: 'PATCH',
      path: `^/repos/${repo}/issues/comments/${running.id}$`,
      status: 502,
      times: 4,
    });
    await h.sim.control.advance(3_600_000);
    const failed = await h.gh.waitFor((s) =>
      s.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/${running.id}`) && r.status === 502),
    );
    expect(failed).toBe(true);
    // Octokit retries a 502 three times (1 s, 4 s, 9 s), then the run's final edit is deferred to the reconciler.
    const done = await waitComment(repo, (c) => c.id === running.id && c.body.includes('Completed'), 45_000);
    expect(done.body).not.toContain('Running');
    await h.gh.waitFor((s) => s.reactions.some((r) => r.repo === repo && r.content === 'rocket'));
  }, 60_000);
});

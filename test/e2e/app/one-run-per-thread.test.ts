// One active run per thread, end to end with a real app process: commands, labels and issue bodies arriving together
// start one run; the others are told the thread is busy, or nothing more is said.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botComments, type Comment, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('one run per thread (real process)', () => {
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

  it('two commands arriving together start one run; the other gets "still working" with a link to it', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.sim.control.queueScripts({ runningMs: 600_000 }, { runningMs: 600_000 });
    await Promise.all([
      h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix A', async: true }),
      h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix B', async: true }),
    ]);
    await waitComment(repo, (c) => c.body.includes('still working'));
    const status = await waitComment(repo, (c) => c.body.includes('<!-- codecloud:run='));
    // A third command, once the status comment exists, is told where the active run is.
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix C' });
    const linked = await waitComment(repo, (c) => c.body.includes(`#issuecomment-${status.id}`));
    expect(linked.body).toContain('still working');
    const s = await h.gh.state();
    expect(botComments(s, repo).filter((c) => c.body.includes('<!-- codecloud:run='))).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
  });

  it('the label added twice at once starts one run and says nothing more', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.sim.control.queueScripts({ runningMs: 600_000 }, { runningMs: 600_000 });
    await Promise.all([
      h.gh.label({ repo, number: issue.number, label: 'codecloud', user: 'alice', async: true }),
      h.gh.label({ repo, number: issue.number, label: 'codecloud', user: 'alice', async: true }),
    ]);
    await waitComment(repo, (c) => c.body.includes('<!-- codecloud:run='));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(1);
  });

  it('a new issue with a command in its body and the label (two deliveries) starts one run', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 600_000 }, { runningMs: 600_000 });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: '/codecloud fix it', user: 'alice' });
    await h.gh.label({ repo, number: issue.number, label: 'codecloud', user: 'alice' });
    await waitComment(repo, (c) => c.body.includes('<!-- codecloud:run='));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
  });
});

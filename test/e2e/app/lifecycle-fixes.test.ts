// Audit fixes (part A) end to end with a real app process: a final status-comment edit GitHub refuses is made
// later; an approve in a review thread answers in that thread and reaches its final state; one active run per
// thread holds when commands arrive together; help answers read-only users.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
import { freshRepo, type Harness, startHarness } from './app-harness.js';

const BOT = 'codecloud[bot]';
type Comment = FakeGitHubState['comments'][number];

describe('App lifecycle fixes (real process)', () => {
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

  const botComments = (s: FakeGitHubState, repo: string): Comment[] =>
    s.comments.filter((c) => c.repo === repo && c.user === BOT);
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

  it('approve in a review thread: the follow-up status comment is a reply in that thread and reaches "Completed"', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Feature', head: 'feature', user: 'alice' });
    const root = await h.gh.reviewComment({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud plan rename this',
      path: 'src/a.ts',
      line: 3,
    });
    const plan = await waitComment(repo, (c) => c.kind === 'review' && c.body.includes('Plan ready')).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\n${JSON.stringify(botComments(await h.gh.state(), repo))}`);
      },
    );
    expect(plan.in_reply_to).toBe(root.id);
    await h.gh.reviewComment({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud approve',
      path: 'src/a.ts',
      line: 3,
      in_reply_to: root.id,
    });
    const follow = await waitComment(
      repo,
      (c) => c.id !== plan.id && c.kind === 'review' && c.body.includes('Completed'),
    ).catch(async (error: unknown) => {
      const s = await h.gh.state();
      throw new Error(
        `${String(error)}\n${JSON.stringify(botComments(s, repo))}\n${h.app.output().slice(-3000)}`,
      );
    });
    expect(follow.in_reply_to).toBe(root.id);
    const s = await h.gh.state();
    expect(botComments(s, repo).filter((c) => c.kind === 'issue')).toEqual([]);
    expect(s.requests.filter((r) => r.status === 404 && r.method === 'PATCH')).toEqual([]);
    expect(botComments(s, repo).some((c) => c.body.includes('no finished plan'))).toBe(false);
  }, 60_000);

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

  it('help answers a read-only user (with their permission) instead of 😕', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.gh.createUser({ login: 'rita' });
    await h.gh.setPermission({ repo, user: 'rita', permission: 'read' });
    const issue = await h.gh.openIssue({ repo, title: 'Q', body: 'b', user: 'rita' });
    const asked = await h.gh.comment({ repo, number: issue.number, user: 'rita', body: '/codecloud help' });
    const help = await waitComment(repo, (c) => c.body.includes('@rita'));
    expect(help.body).toContain('**read**');
    expect(help.body).toContain('cannot start runs');
    const s = await h.gh.state();
    expect(s.reactions.filter((r) => r.id === asked.id).map((r) => r.content)).not.toContain('confused');
  });
});

// GitHub's Retry-After honoured on every write, end to end: the fake GitHub refuses one request with a 429 or a
// secondary-rate-limit 403 carrying `retry-after`, and the app's next try comes no sooner.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
import { freshRepo, type Harness, startHarness } from './app-harness.js';

const BOT = 'codecloud[bot]';

describe('GitHub rate limits (real process)', () => {
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

  type Request = FakeGitHubState['requests'][number];
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /** The refused request matching `method` and `path`, and the next try of the same request after it. */
  function refusedThenRetried(
    state: FakeGitHubState,
    repo: string,
    method: string,
    path: RegExp,
    status: number,
  ) {
    const matching = state.requests.filter(
      (r) => r.method === method && r.path.startsWith(`/repos/${repo}/`) && path.test(r.path),
    );
    const refused = matching.findIndex((r) => r.status === status);
    const retry: Request | undefined = matching
      .slice(refused + 1)
      .find((r) => r.path === matching[refused]?.path);
    return refused >= 0 && retry ? { refused: matching[refused] as Request, retry } : undefined;
  }
  const gap = (a: Request, b: Request) => Date.parse(b.at) - Date.parse(a.at);

  it('an edit refused with 429 and retry-after: 2 is tried again no sooner than 2 s later', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.gh.fault({
      method: 'PATCH',
      path: `^/repos/${escapeRegExp(repo)}/issues/comments/\\d+$`,
      status: 429,
      headers: { 'retry-after': '2' },
      message: 'Too many requests',
    });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const pair = await h.gh.waitFor(
      (s) => refusedThenRetried(s, repo, 'PATCH', /\/issues\/comments\/\d+$/, 429),
      {
        timeoutMs: 20_000,
      },
    );
    if (gap(pair.refused, pair.retry) < 2_000) {
      console.log(h.app.output().slice(-3000));
      console.log(
        JSON.stringify(
          (await h.gh.state()).requests.filter((r) => r.path.includes(repo)),
          null,
          1,
        ),
      );
    }
    expect(gap(pair.refused, pair.retry)).toBeGreaterThanOrEqual(2_000);
    expect(pair.retry.status).toBe(200);
    await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === BOT && /Completed/.test(c.body)),
      {
        timeoutMs: 20_000,
      },
    );
  });

  it('a refused edit is not tried again over a newer one: the comment ends Completed, not Queued', async () => {
    const { repo } = await freshRepo(h.gh);
    // The first edit (to Queued) is refused for 3 s; the run completes meanwhile, so the Completed edit is newer.
    await h.gh.fault({
      method: 'PATCH',
      path: `^/repos/${escapeRegExp(repo)}/issues/comments/\\d+$`,
      status: 429,
      headers: { 'retry-after': '3' },
    });
    await h.sim.control.addPromptScript({ match: 'QUICK-run', script: { queuedMs: 0, runningMs: 500 } });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud QUICK-run' });
    const done = await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === BOT && /Completed/.test(c.body)),
      { timeoutMs: 20_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const after = (await h.gh.state()).comments.find((c) => c.id === done.id);
    expect(after?.body).toContain('Completed');
  });

  it('a comment refused with a secondary-rate-limit 403 and retry-after: 3 is posted no sooner than 3 s later', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.fault({
      method: 'POST',
      path: `^/repos/${escapeRegExp(repo)}/issues/${issue.number}/comments$`,
      status: 403,
      headers: { 'retry-after': '3' },
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
    const pair = await h.gh.waitFor(
      (s) => refusedThenRetried(s, repo, 'POST', /\/issues\/\d+\/comments$/, 403),
      {
        timeoutMs: 20_000,
      },
    );
    expect(gap(pair.refused, pair.retry)).toBeGreaterThanOrEqual(3_000);
    expect(pair.retry.status).toBe(201);
    const state = await h.gh.state();
    expect(state.comments.filter((c) => c.repo === repo && c.user === BOT)).toHaveLength(1);
  });

  it('a reaction refused with 429 and retry-after: 2 waits too', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.fault({
      method: 'POST',
      path: `^/repos/${escapeRegExp(repo)}/issues/comments/\\d+/reactions$`,
      status: 429,
      headers: { 'retry-after': '2' },
    });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const pair = await h.gh.waitFor((s) => refusedThenRetried(s, repo, 'POST', /\/reactions$/, 429), {
      timeoutMs: 20_000,
    });
    expect(gap(pair.refused, pair.retry)).toBeGreaterThanOrEqual(2_000);
  });
});

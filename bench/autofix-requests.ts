// GitHub requests of autofix and of the `codecloud` check run, counted at the fake GitHub: an autofix attempt (a
// failed check suite's delivery on an agent PR → the follow-up sent and the status comment posted) and a run on a
// pull request (a command on it → the final edit, with its check run created and completed). Each on its own agent
// PR (its installation token already known), listed by method and route.
import { BOT, botComments, freshRepo, type Harness } from '../test/e2e/app/app-harness.js';
import type { FakeGitHubState } from '../test/fake-github/control-client.js';

const CONFIG = 'autofix:\n  ci: true\n';
const WAIT = { timeoutMs: 60_000, intervalMs: 20 };

export interface RequestFigures {
  /** Requests per attempt (or run). */
  counts: number[];
  /** The last one's requests, `METHOD /route ×n`. */
  listed: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function listed(repo: string, requests: FakeGitHubState['requests']): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const route = `${r.method} ${r.path
      .replace(repo, '{repo}')
      .replace(/[0-9a-f]{40}/g, '{sha}')
      .replace(/\/\d+/g, '/{n}')}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
  }
  return [...counts].map(([route, n]) => (n > 1 ? `${route} ×${n}` : route)).join(', ');
}

export async function measureAutofixRequests(
  h: Harness,
  times: number,
): Promise<{ attempt: RequestFigures; pullRun: RequestFigures }> {
  const attempt: RequestFigures = { counts: [], listed: '' };
  const pullRun: RequestFigures = { counts: [], listed: '' };
  for (let i = 0; i < times; i++) {
    // An agent PR: a run on an issue opened it and completed.
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': CONFIG });
    const branch = `codecloud/fix-${i}`;
    const pr = await h.gh.openPull({ repo, title: 'Fix the adder', head: branch, user: BOT });
    await h.sim.control.queueScripts({ prs: [{ number: pr.number, branch }] });
    const issue = await h.gh.openIssue({ repo, title: 'Adder is wrong', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix the adder' });
    await h.gh.waitFor(
      (s) => botComments(s, repo, issue.number).find((c) => c.body.includes('Completed')),
      WAIT,
    );
    await sleep(1_000); // the final edit's trailing requests

    // ---- an autofix attempt: the failed suite's delivery → follow-up sent, status comment posted
    let before = (await h.gh.state()).requests.length;
    await h.gh.checkSuite({
      repo,
      number: pr.number,
      runs: [
        {
          name: 'test',
          conclusion: 'failure',
          output: { title: '1 test failed', summary: 'math.test.ts: adds numbers' },
          log: { head: ['Run npm test'], tail: [' FAIL  test/math.test.ts > adds numbers'] },
        },
        { name: 'lint', conclusion: 'success' },
      ],
    });
    const isStatus = (c: { body: string }) => c.body.includes('attempt 1 of');
    await h.gh.waitFor((s) => botComments(s, repo, pr.number).find(isStatus), WAIT);
    for (;;) {
      const run = (await h.sim.control.runs()).find((r) => r.repo === repo);
      if ((run?.messages.length ?? 0) >= 1) break;
      await sleep(20);
    }
    let state = await h.gh.state();
    let mine = state.requests.slice(before);
    const posted = mine.findIndex(
      (r) => r.method === 'POST' && r.path === `/repos/${repo}/issues/${pr.number}/comments`,
    );
    mine = mine.slice(0, posted + 1);
    attempt.counts.push(mine.length);
    attempt.listed = listed(repo, mine);
    await h.gh.waitFor(
      (s) => botComments(s, repo, pr.number).find((c) => isStatus(c) && c.body.includes('Completed')),
      WAIT,
    );
    await sleep(1_000);

    // ---- a run on the pull request with its check run: command → final edit, check run completed
    state = await h.gh.state();
    before = state.requests.length;
    const counted = (s: FakeGitHubState) => ({
      completed: botComments(s, repo, pr.number).filter((c) => c.body.includes('Completed')).length,
      checkRuns: s.checkRuns.filter(
        (c) => c.repo === repo && c.name === 'codecloud' && c.status === 'completed',
      ).length,
      rockets: s.reactions.filter((r) => r.repo === repo && r.content === 'rocket').length,
    });
    const earlier = counted(state);
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud add a test' });
    const done = (s: FakeGitHubState) => {
      const now = counted(s);
      return (
        now.completed > earlier.completed &&
        now.checkRuns > earlier.checkRuns &&
        now.rockets > earlier.rockets
      );
    };
    await h.gh.waitFor((s) => (done(s) ? s : undefined), WAIT);
    await sleep(1_000);
    state = await h.gh.state();
    mine = state.requests.slice(before);
    pullRun.counts.push(mine.length);
    pullRun.listed = listed(repo, mine);
    if (state.violations.length > 0)
      throw new Error(`OpenAPI violations: ${JSON.stringify(state.violations)}`);
  }
  return { attempt, pullRun };
}

// Limits and usage, end to end (real app process, simulator, fake GitHub): runs_per_day refuses the third command
// with one reply and starts nothing; tokens_per_run stops a run whose tokens grow past it, once; /codecloud usage
// answers with the counts; the help reply shows a config value capped by the operator's ceiling.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('Limits and usage (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LIMIT_TOKENS_PER_RUN: '1000000' } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });
  const reactionsOn = (s: FakeGitHubState, repo: string, id: number) =>
    s.reactions.filter((r) => r.repo === repo && r.id === id).map((r) => r.content);

  it('the third command over runs_per_day: 2 gets one reply naming the limit, 😕, and starts nothing; usage shows it', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'limits:\n  runs_per_day: 2\n' });
    await h.sim.control.queueScripts({ runningMs: 1_000 }, { runningMs: 1_000 });
    for (const n of [1, 2]) {
      const issue = await h.gh.openIssue({ repo, title: `task ${n}`, body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: `/codecloud task ${n}` });
      await h.gh.waitFor(
        (s) => botComments(s, repo, issue.number).find((c) => c.body.includes('Completed')),
        {
          timeoutMs: 30_000,
        },
      );
    }
    const third = await h.gh.openIssue({ repo, title: 'task 3', body: 'b', user: 'alice' });
    const trigger = await h.gh.comment({
      repo,
      number: third.number,
      user: 'alice',
      body: '/codecloud task 3',
    });
    const refusal = await h.gh.waitFor((s) => botComments(s, repo, third.number)[0]);
    expect(refusal.body).toContain(
      'Nothing was started: This repository has used 2 of its 2 runs today (UTC)',
    );
    expect(refusal.body).toMatch(/the count resets at 00:00 UTC \(\d{4}-\d\d-\d\d\), in \d/);
    await h.gh.waitFor((s) => (reactionsOn(s, repo, trigger.id).includes('confused') ? s : undefined));
    // Nothing ran, and nothing more is posted in that thread.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const state = await h.gh.state();
    expect(botComments(state, repo, third.number)).toHaveLength(1);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(2);

    // Usage: two runs of two today, both alice's (the refused one counted nothing); the two runs' tokens this month.
    await h.gh.comment({ repo, number: third.number, user: 'alice', body: '/codecloud usage' });
    const usage = await h.gh.waitFor((s) =>
      botComments(s, repo, third.number).find((c) => c.body.includes('| what | used | limit | resets |')),
    );
    expect(usage.body).toMatch(/\| runs of this repository today \| 2 \| 2 \| at 00:00 UTC/);
    expect(usage.body).toMatch(/\| tokens of this repository this month \| 2,400 \| none \| on 1 /);
    expect(usage.body).toMatch(/\| your runs today \| 2 \| none \|/);
    expect(usage.body).toContain('A run that passes 1,000,000 tokens is stopped');
  });

  it('tokens_per_run stops a run whose tokens grow past it, once, and its status comment ends saying why', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'limits:\n  tokens_per_run: 5000\n' });
    await h.sim.control.queueScripts({
      runningMs: 400_000,
      progress: [
        { thinking: 'reading', atMs: 4_000, inputTokens: 2_000, outputTokens: 500 },
        { thinking: 'writing', atMs: 40_000, inputTokens: 2_500, outputTokens: 500 },
        { thinking: 'more', atMs: 80_000, inputTokens: 9_000 },
      ],
    });
    const issue = await h.gh.openIssue({ repo, title: 'big', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud big task' });
    const stopped = await h.gh.waitFor(
      (s) =>
        botComments(s, repo, issue.number).find((c) => c.body.includes('Stopped: the 5,000-token limit')),
      { timeoutMs: 30_000 },
    );
    expect(stopped.body.trimEnd()).toMatch(
      /Stopped: the 5,000-token limit for one run was reached \(5,500 used\)$/,
    );
    expect(stopped.body).toContain('Stopped');
    const [run] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const stops = (await h.sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/stop' })).filter((r) =>
      r.path.includes(run?.id ?? '?'),
    );
    expect(stops).toHaveLength(1);
  });

  it('help shows the limits in force and caps a config value above the ceiling', async () => {
    const { repo } = await freshRepo(h.gh, {
      '.github/codecloud.yml': 'limits:\n  tokens_per_run: 3000000\n',
    });
    const issue = await h.gh.openIssue({ repo, title: 'help', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
    const help = await h.gh.waitFor((s) => botComments(s, repo, issue.number)[0]);
    expect(help.body).toContain('`tokens_per_run`: 1,000,000 (ceiling `LIMIT_TOKENS_PER_RUN` = 1,000,000)');
    expect(help.body).toContain(
      "`limits.tokens_per_run: 3000000` is above this app's ceiling (LIMIT_TOKENS_PER_RUN=1000000); 1000000 applies.",
    );
  });
});

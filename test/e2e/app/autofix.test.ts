// Autofix of failed checks end to end (README, App: autofix), with a real app process: CI fails on the agent's pull
// request → one follow-up with the failing test's name and log lines → the fixed commit's checks pass → nothing more.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT, botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

const CONFIG = 'autofix:\n  ci: true\n  max_attempts: 2\n';

/** A failing vitest job: its log has the failure in the middle, among filler, and a summary at the end. */
const failingTest = (name = 'test') => ({
  name,
  conclusion: 'failure',
  output: { title: '1 test failed', summary: 'math.test.ts: adds numbers' },
  log: {
    head: ['Run npm test', '> vitest run'],
    filler: { lines: 300, text: 'stdout | setting things up' },
    tail: [
      ' FAIL  test/math.test.ts > adds numbers',
      'AssertionError: expected 3 to be 4 // Object.is equality',
      ' ❯ test/math.test.ts:5:17',
      'Test Files  1 failed (1)',
      '##[error]Process completed with exit code 1.',
    ],
  },
});

// Each test drives several runs through CI rounds: far more than the default 30 s on a loaded machine.
describe('Autofix of failed checks (real process)', { timeout: 180_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      sim: {
        // The agent's follow-up pushes to its pull request: GitHub moves the PR's head (a push by the app's bot).
        onPullRequest: async (event) => {
          if (event.kind !== 'commit') return;
          await h.gh.push({ repo: event.pr.repo, number: event.pr.number, user: BOT, message: 'Fix' });
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const simRun = async (repo: string) => (await h.sim.control.runs()).find((r) => r.repo === repo);
  const waitMessages = async (repo: string, count: number, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await simRun(repo);
      if ((run?.messages.length ?? 0) >= count && run?.status === 'completed') return run;
      if (Date.now() > deadline) throw new Error(`messages on ${repo}: ${run?.messages.length ?? 'no run'}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const waitComment = (repo: string, word: string, number: number) =>
    h.gh.waitFor((s) => botComments(s, repo, number).find((c) => c.body.includes(word)), {
      timeoutMs: 20_000,
    });
  /** Nothing more happens for a while (the jobs of the deliveries so far have run). */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

  /** An agent PR: a run on an issue opened it and completed. */
  async function agentPull(config = CONFIG) {
    const made = await freshRepo(h.gh, { '.github/codecloud.yml': config });
    const { repo } = made;
    const pr = await h.gh.openPull({ repo, title: 'Fix the adder', head: 'codecloud/fix-adder', user: BOT });
    await h.sim.control.queueScripts({ prs: [{ number: pr.number, branch: 'codecloud/fix-adder' }] });
    const issue = await h.gh.openIssue({ repo, title: 'Adder is wrong', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix the adder' });
    await waitComment(repo, 'Completed', issue.number);
    return { ...made, pr: pr.number };
  }

  it('a failed check → one follow-up with its name and log lines; green → nothing; again → attempt 2; then the limit, once', async () => {
    const { repo, pr } = await agentPull();
    const first = await h.gh.checkSuite({
      repo,
      number: pr,
      runs: [failingTest(), { name: 'lint', conclusion: 'success' }],
    });
    const run = await waitMessages(repo, 1);
    const message = run.messages[0];
    expect(message).toMatchObject({ update_pr: true, idempotency_key: `autofix-ci-${first.sha}` });
    expect(message?.prompt).toContain('### test (failure)');
    expect(message?.prompt).toContain('1 test failed');
    expect(message?.prompt).toContain('FAIL  test/math.test.ts > adds numbers');
    expect(message?.prompt).toContain('AssertionError: expected 3 to be 4');
    expect(message?.prompt).toContain('```job-log');
    expect(message?.prompt).not.toContain('### lint');
    expect(message?.prompt.length).toBeLessThanOrEqual(30_000);
    const status = await waitComment(repo, 'attempt 1 of 2', pr);
    expect(status.body).toContain(`[\`${first.sha.slice(0, 7)}\`]`);
    expect(status.body).toContain('`test` failed on');
    await waitComment(repo, 'Completed', pr);

    // The same delivery again, and another CI's suite completing on that commit: still one follow-up.
    await h.gh.redeliver(first.deliveryId ?? '');
    await h.gh.checkSuite({
      repo,
      sha: first.sha,
      app: 'circleci',
      runs: [{ name: 'ci/circleci', conclusion: 'success' }],
    });
    // The agent's fix moved the head; its checks pass: nothing is sent.
    const pushed = (await h.gh.state()).pulls.find((p) => p.repo === repo && p.number === pr);
    expect(pushed?.headSha).not.toBe(first.sha);
    await h.gh.checkSuite({ repo, number: pr, runs: [{ name: 'test', conclusion: 'success' }] });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(1);

    // A later commit of the agent fails again: attempt 2.
    await h.gh.push({ repo, number: pr, user: BOT });
    await h.gh.checkSuite({ repo, number: pr, runs: [{ ...failingTest(), conclusion: 'timed_out' }] });
    const second = await waitMessages(repo, 2);
    expect(second.messages[1]?.prompt).toContain('### test (timed_out)');
    await waitComment(repo, 'attempt 2 of 2', pr);

    // And again: max_attempts is reached; one comment says so, however often it is delivered.
    await h.gh.push({ repo, number: pr, user: BOT });
    const third = await h.gh.checkSuite({ repo, number: pr, runs: [failingTest()] });
    await waitComment(repo, 'Autofix stopped', pr);
    await h.gh.redeliver(third.deliveryId ?? '');
    await h.gh.checkSuite({
      repo,
      sha: third.sha,
      app: 'circleci',
      runs: [{ name: 'ci/circleci', conclusion: 'failure' }],
    });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(2);
    const limits = botComments(await h.gh.state(), repo, pr).filter((c) =>
      c.body.includes('Autofix stopped'),
    );
    expect(limits).toHaveLength(1);
    expect(limits[0]?.body).toContain('`autofix.max_attempts`');
  }, 90_000);

  it('waits for every check suite; a human push pauses it until the next command', async () => {
    const { repo, pr } = await agentPull();
    // One suite still running: nothing yet, though another failed.
    const running = await h.gh.checkSuite({
      repo,
      number: pr,
      status: 'in_progress',
      runs: [{ name: 'e2e' }],
    });
    await h.gh.checkSuite({ repo, number: pr, runs: [failingTest()] });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(0);
    expect(running.sha).toBeTruthy();

    // A person pushes to the branch: failures after that are theirs to handle.
    await h.gh.push({ repo, number: pr, user: 'alice' });
    await h.gh.checkSuite({ repo, number: pr, runs: [failingTest()] });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(0);

    // A command on the PR lets autofix go on (after its own follow-up).
    await h.gh.comment({ repo, number: pr, user: 'alice', body: '/codecloud also check the subtractor' });
    await waitMessages(repo, 1);
    await waitComment(repo, 'Completed', pr);
    await h.gh.checkSuite({ repo, number: pr, runs: [failingTest('unit')] });
    const run = await waitMessages(repo, 2);
    expect(run.messages[1]?.prompt).toContain('### unit (failure)');
  });

  it("a 500 MB job log is read as a stream: the app's memory stays within a few MB of its usual, the failure is found", async () => {
    const pid = h.app.child.pid ?? 0;
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    const lines = 8_500_000; // × 62 bytes: 527 MB
    /** One agent PR whose build fails with the big log: the app's RSS growth (peak) while it reads it, in MB. */
    const readBigLog = async (): Promise<number> => {
      const { repo, pr } = await agentPull();
      await settle();
      const before = rss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rss());
      }, 20);
      try {
        await h.gh.checkSuite({
          repo,
          number: pr,
          runs: [
            {
              name: 'build',
              conclusion: 'failure',
              log: {
                head: ['Run make'],
                filler: { lines, text: 'cc -O2 -c src/module.c -o build/module.o # compiling' },
                tail: ['src/parser.c:12:5: error: expected ‘;’ before ‘}’ token', 'make: *** [all] Error 1'],
              },
            },
          ],
        });
        const run = await waitMessages(repo, 1, 120_000);
        expect(run.messages[0]?.prompt).toContain('src/parser.c:12:5: error: expected ‘;’ before ‘}’ token');
        expect(run.messages[0]?.prompt).toContain(`${lines + 3} make: *** [all] Error 1`);
      } finally {
        clearInterval(sampler);
      }
      return (peak - before) / 1024 / 1024;
    };
    // The log is read into one reused buffer (`src/http/stream-get.ts`) and its skipped lines are never decoded
    // (`src/autofix/log-reader.ts`): the reading itself makes under 3 MB of garbage for 300 MB. What the app's RSS
    // shows besides is the garbage collector sizing its young generation for the work around it (the webhook, the
    // follow-up, the comments), which depends on the machine's load: on a quiet machine +0.5–12 MB for the first
    // log and +0.1–6 MB for the second; with other test files running beside it, up to +30 MB. Before: read with
    // `fetch`, +26–118 MB for a 200 MB log; decoding each piece's last lines, +150–200 MB for this one.
    const first = await readBigLog();
    const second = await readBigLog();
    console.log(
      `RSS growth while reading a 527 MB job log: first +${first.toFixed(1)} MB, second +${second.toFixed(1)} MB`,
    );
    expect(Math.min(first, second)).toBeLessThan(32);
    expect(Math.max(first, second)).toBeLessThan(64);
  }, 300_000);

  it('requested changes go to the session once, with the inline comments; not from a reader; a command in a review is that command', async () => {
    const { repo, pr } = await agentPull('autofix:\n  reviews: true\n');
    await h.gh.createUser({ login: 'rita' });
    await h.gh.setPermission({ repo, user: 'rita', permission: 'read' });
    await h.gh.submitReview({
      repo,
      number: pr,
      user: 'rita',
      state: 'changes_requested',
      body: 'Rewrite it all',
    });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(0);

    const review = await h.gh.submitReview({
      repo,
      number: pr,
      user: 'alice',
      state: 'changes_requested',
      body: 'Please handle negative numbers.',
      comments: [
        {
          path: 'src/add.ts',
          line: 3,
          body: 'This overflows for big inputs.',
          diff_hunk: '@@ -1,3 +1,3 @@\n-  return a - b;\n+  return a + b;',
        },
      ],
    });
    const run = await waitMessages(repo, 1);
    const prompt = run.messages[0]?.prompt ?? '';
    expect(run.messages[0]).toMatchObject({
      update_pr: true,
      idempotency_key: `autofix-review-${review.id}`,
    });
    expect(prompt).toContain('@alice requested changes');
    expect(prompt).toContain('Please handle negative numbers.');
    expect(prompt).toContain('Inline comment 1 on src/add.ts line 3');
    expect(prompt).toContain('+  return a + b;');
    expect(prompt).toContain('This overflows for big inputs.');
    await waitComment(repo, 'requested changes', pr);
    await waitComment(repo, 'Completed', pr);
    await h.gh.redeliver(review.deliveryId);
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(1);

    await h.gh.submitReview({
      repo,
      number: pr,
      user: 'alice',
      state: 'changes_requested',
      body: '/codecloud also add docs',
    });
    const next = await waitMessages(repo, 2);
    expect(next.messages[1]?.prompt).toContain('also add docs');
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(2);
  });

  it('a run on the PR shows as the codecloud check run: in progress with Stop, then success (also on the pushed commit), failure, cancelled', async () => {
    const { repo, pr } = await agentPull();
    const checkRuns = async () =>
      (await h.gh.state()).checkRuns.filter((c) => c.repo === repo && c.name === 'codecloud');
    const head = (await h.gh.state()).pulls.find((p) => p.repo === repo && p.number === pr)?.headSha;
    await h.sim.control.queueFollowUpScripts({ runningMs: 100_000 });
    await h.gh.comment({ repo, number: pr, user: 'alice', body: '/codecloud also add a test' });
    const active = await h.gh.waitFor(
      (s) => s.checkRuns.find((c) => c.repo === repo && c.name === 'codecloud' && c.status === 'in_progress'),
      { timeoutMs: 20_000 },
    );
    expect(active.headSha).toBe(head);
    expect(active.actions).toEqual([
      { label: 'Stop', description: 'Stop the codecloud run', identifier: 'stop' },
    ]);
    expect(active.detailsUrl).toContain('#issuecomment-');
    await waitComment(repo, 'Completed', pr);
    await h.gh.waitFor(
      (s) =>
        s.checkRuns.filter((c) => c.repo === repo && c.name === 'codecloud' && c.conclusion === 'success')
          .length === 2 || undefined,
      { timeoutMs: 20_000 },
    );
    const done = await checkRuns();
    const newHead = (await h.gh.state()).pulls.find((p) => p.repo === repo && p.number === pr)?.headSha;
    expect(done.map((c) => [c.headSha, c.status, c.conclusion])).toEqual([
      [head, 'completed', 'success'],
      [newHead, 'completed', 'success'],
    ]);
    expect(done[0]?.output.summary).toContain('Done:');

    await h.sim.control.queueFollowUpScripts({ runningMs: 600_000 });
    await h.gh.comment({ repo, number: pr, user: 'alice', body: '/codecloud and more' });
    await h.gh.waitFor(
      (s) =>
        s.checkRuns.filter((c) => c.repo === repo && c.name === 'codecloud' && c.status === 'in_progress')
          .length === 1 || undefined,
      { timeoutMs: 20_000 },
    );
    const inProgress = (await checkRuns()).find((c) => c.status === 'in_progress');
    // The Stop button: refused to a reader, honoured for a writer (the same path as /codecloud stop).
    await h.gh.createUser({ login: 'rita' });
    await h.gh.setPermission({ repo, user: 'rita', permission: 'read' });
    await h.gh.checkRunAction({ repo, checkRunId: inProgress?.id ?? 0, user: 'rita', identifier: 'stop' });
    await settle();
    expect((await checkRuns()).find((c) => c.id === inProgress?.id)?.status).toBe('in_progress');
    await h.gh.checkRunAction({ repo, checkRunId: inProgress?.id ?? 0, user: 'alice', identifier: 'stop' });
    const cancelled = await h.gh.waitFor(
      (s) =>
        s.checkRuns.find((c) => c.repo === repo && c.name === 'codecloud' && c.conclusion === 'cancelled'),
      { timeoutMs: 20_000 },
    );
    expect(cancelled.output.title).toBe('Stopped by alice');
    // After a stop the next command may start a new run on the PR's branch, or follow up: either fails here.
    await h.sim.control.queueScripts({ outcome: 'failed', error: 'the agent gave up' });
    await h.sim.control.queueFollowUpScripts({ outcome: 'failed', error: 'the agent gave up' });
    await h.gh.comment({ repo, number: pr, user: 'alice', body: '/codecloud try something else' });
    const failed = await h.gh.waitFor(
      (s) => s.checkRuns.find((c) => c.repo === repo && c.name === 'codecloud' && c.conclusion === 'failure'),
      { timeoutMs: 20_000 },
    );
    expect(failed.output.summary).toContain('the agent gave up');

    expect((await checkRuns()).filter((c) => c.status !== 'completed')).toEqual([]);
  }, 120_000);

  it('an attempt over runs_per_day is not sent: one comment names the limit and the reset', async () => {
    // The run that opened the pull request used the repository's one run of the day.
    const { repo, pr } = await agentPull(`${CONFIG}limits:\n  runs_per_day: 1\n`);
    const failed = await h.gh.checkSuite({ repo, number: pr, runs: [failingTest()] });
    const refusal = await waitComment(repo, 'limits.runs_per_day', pr);
    expect(refusal.body).toContain('Autofix stopped');
    expect(refusal.body).toContain('used 1 of its 1 runs today');
    expect(refusal.body).toContain('00:00 UTC');
    await h.gh.redeliver(failed.deliveryId ?? '');
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(0);
    const comments = botComments(await h.gh.state(), repo, pr).filter((c) =>
      c.body.includes('limits.runs_per_day'),
    );
    expect(comments).toHaveLength(1);
  });

  it('/codecloud stop on the PR pauses it', async () => {
    const { repo, pr } = await agentPull();
    await h.gh.comment({ repo, number: pr, user: 'alice', body: '/codecloud stop' });
    await waitComment(repo, 'no active run', pr).catch(() => undefined);
    await h.gh.checkSuite({ repo, number: pr, runs: [failingTest()] });
    await settle();
    expect((await simRun(repo))?.messages).toHaveLength(0);
  });
});

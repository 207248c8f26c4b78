// An installation that has not accepted the app's newer permissions (`checks: write`, `actions: read`), end to end
// with a real app process: runs still work, what the app cannot do is logged once and listed by the help reply, and
// accepting the permissions (GitHub's `installation` `new_permissions_accepted`) clears that note.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT, botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

const METRICS_TOKEN = 'metrics-token-for-the-permissions-test';
/** What an installation made before the app asked for checks and actions has accepted. */
const BEFORE_CHECKS = { metadata: 'read', contents: 'write', issues: 'write', pull_requests: 'write' };
const HELP = 'your permission here is';
const MISSING = "This installation has not accepted the app's updated permissions yet";

describe('An installation without the newer permissions (real process)', { timeout: 180_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
    const metrics = await (
      await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    // Nothing was dead-lettered: every job of these runs went through.
    expect(metrics).not.toMatch(/codecloud_jobs\{state="dead"\} [1-9]/);
  });

  const botCommentsWith = async (repo: string, number: number, text: string) =>
    botComments(await h.gh.state(), repo, number).filter((c) => c.body.includes(text));
  /** Waits for the `count`-th comment of the app on `number` that contains `text`, and returns it. */
  const waitComment = (repo: string, number: number, text: string, count = 1) =>
    h.gh.waitFor((s) => botComments(s, repo, number).filter((c) => c.body.includes(text))[count - 1], {
      timeoutMs: 30_000,
    });
  const warningsAbout = (installationId: number, permission: string) =>
    h.app
      .output()
      .split('\n')
      .filter((line) =>
        line.includes(`installation ${installationId} has not granted the app's ${permission} permission`),
      );
  const codecloudCheckRuns = async (repo: string) =>
    (await h.gh.state()).checkRuns.filter((c) => c.repo === repo && c.name === 'codecloud');
  /** Nothing more happens for a while (the jobs of the deliveries so far have run). */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

  it('runs on a pull request still complete, without a check run; help lists what is missing until the owner accepts', async () => {
    const { repo, installationId } = await freshRepo(h.gh);
    await h.gh.installationPermissions({ installationId, permissions: BEFORE_CHECKS });
    const pr = await h.gh.openPull({ repo, title: 'Add a feature', head: 'feature/x', user: 'alice' });

    // Two runs on the pull request: both complete; neither gets a check run; the app says so once.
    for (const [i, instruction] of ['add a test', 'and a changelog line'].entries()) {
      await h.gh.comment({ repo, number: pr.number, user: 'alice', body: `/codecloud ${instruction}` });
      await waitComment(repo, pr.number, 'Completed', i + 1);
    }
    expect(await codecloudCheckRuns(repo)).toEqual([]);
    const warnings = warningsAbout(installationId, 'checks');
    expect(warnings, h.app.output().slice(-4000)).toHaveLength(1);
    expect(warnings[0]).toContain('Accept the updated permissions in the installation settings');

    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud help' });
    const help = await waitComment(repo, pr.number, HELP);
    expect(help.body).toContain(`${MISSING}, so the app cannot:`);
    expect(help.body).toContain('- read the checks of agent pull requests (autofix.ci)');
    expect(help.body).toContain('(needs checks: write)');
    expect(help.body).not.toContain('(needs actions: read)');
    expect(help.body).toContain('this note goes away once they do');

    // The owner accepts: GitHub sends `installation` `new_permissions_accepted`; the note is gone.
    const accepted = await h.gh.acceptPermissions({ installationId, user: 'acme-owner' });
    const delivery = (await h.gh.state()).deliveries.find((d) => d.id === accepted.deliveryId);
    expect(delivery).toMatchObject({
      event: 'installation',
      action: 'new_permissions_accepted',
      status: 200,
    });
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud help' });
    const after = await waitComment(repo, pr.number, HELP, 2);
    expect(after.body).not.toContain(MISSING);
    expect(after.body).not.toContain('needs checks');
    // A token keeps the permissions it was made with: the app asked for a new one when it heard of the acceptance.
    const tokens = (await h.gh.state()).requests.filter(
      (r) => r.method === 'POST' && r.path === `/app/installations/${installationId}/access_tokens`,
    );
    expect(tokens).toHaveLength(2);

    // The next run on the pull request shows as the `codecloud` check run.
    const head = (await h.gh.state()).pulls.find((p) => p.repo === repo && p.number === pr.number)?.headSha;
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud and a docs line' });
    await waitComment(repo, pr.number, 'Completed', 3);
    const checkRun = await h.gh.waitFor(
      (s) => s.checkRuns.find((c) => c.repo === repo && c.name === 'codecloud' && c.status === 'completed'),
      { timeoutMs: 20_000 },
    );
    expect(checkRun).toMatchObject({ headSha: head, conclusion: 'success' });
    expect(warningsAbout(installationId, 'checks')).toHaveLength(1);
  });

  it('autofix without actions: read: the follow-up still goes, saying the job log could not be read', async () => {
    const { repo, installationId } = await freshRepo(h.gh, {
      '.github/codecloud.yml': 'autofix:\n  ci: true\n',
    });
    await h.gh.installationPermissions({
      installationId,
      permissions: { ...BEFORE_CHECKS, checks: 'write' },
    });
    // An agent pull request: a run on an issue opened it and completed.
    const pr = await h.gh.openPull({ repo, title: 'Fix the adder', head: 'codecloud/fix-adder', user: BOT });
    await h.sim.control.queueScripts({ prs: [{ number: pr.number, branch: 'codecloud/fix-adder' }] });
    const issue = await h.gh.openIssue({ repo, title: 'Adder is wrong', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix the adder' });
    await waitComment(repo, issue.number, 'Completed');

    await h.gh.checkSuite({
      repo,
      number: pr.number,
      runs: [
        {
          name: 'test',
          conclusion: 'failure',
          output: { title: '1 test failed', summary: 'math.test.ts: adds numbers' },
          log: { head: ['Run npm test'], tail: ['AssertionError: expected 3 to be 4'] },
        },
      ],
    });
    const deadline = Date.now() + 30_000;
    let prompt: string | undefined;
    while (prompt === undefined && Date.now() < deadline) {
      const simRun = (await h.sim.control.runs()).find((r) => r.repo === repo);
      prompt = simRun?.messages[0]?.prompt;
      if (prompt === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(prompt, h.app.output().slice(-4000)).toContain('### test (failure)');
    expect(prompt).toContain('1 test failed');
    expect(prompt).toContain(
      'Its job log could not be read (the app has no `actions: read` permission here).',
    );
    expect(prompt).not.toContain('AssertionError');
    await waitComment(repo, pr.number, 'attempt 1 of 3');
    await waitComment(repo, pr.number, 'Completed');
    await settle();
    expect(warningsAbout(installationId, 'actions')).toHaveLength(1);
    expect(warningsAbout(installationId, 'checks')).toHaveLength(0);
    expect(await botCommentsWith(repo, pr.number, 'attempt 1 of 3')).toHaveLength(1);
  });
});

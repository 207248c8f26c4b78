// Triggers and configuration end to end: a custom trigger word, a review body, an
// allowed bot, edits, invalid YAML, redaction, progress spacing. One real app process for the file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCodecloudPayload } from '../../../src/codecloud/webhook-signature.js';
import { botComments, CODECLOUD_SECRET, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('App triggers and config (real process, signed webhooks)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.gh.echoBotComments(true);
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const waitComment = (repo: string, word: string, timeoutMs = 20_000) =>
    h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes(word)), { timeoutMs });
  const simRuns = async (repo: string) => (await h.sim.control.runs()).filter((r) => r.repo === repo);

  it('a custom trigger that starts with neither / nor @ ("!ai") starts a run', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'trigger: "!ai"\n' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '!ai fix the crash' });
    await waitComment(repo, 'Completed');
    const [run] = await simRuns(repo);
    expect(run?.prompt).toContain('fix the crash');
  });

  it('invalid YAML: the reply quotes the parser with line and column, never an internal URL', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'trigger: [a\nmode: plan\n' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const reply = await waitComment(repo, 'YAML');
    expect(reply.body).toMatch(/line \d+, column \d+/);
    expect(reply.body).not.toMatch(/https?:\/\/|octokit-plugin-config/);
    expect(await simRuns(repo)).toHaveLength(0);
  });

  it('a command in a review body starts a run on the PR; an edit to a comment never triggers', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Feature', head: 'feature', user: 'alice' });
    const plain = await h.gh.comment({ repo, number: pr.number, user: 'alice', body: 'looks fine' });
    await h.gh.editComment({ repo, commentId: plain.id, user: 'alice', body: '/codecloud rewrite it all' });
    await h.gh.submitReview({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud add tests for the parser',
      state: 'COMMENTED',
    });
    await waitComment(repo, 'Completed');
    const runs = await simRuns(repo);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.prompt).toContain('add tests for the parser');
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
  });

  it('a bot listed in allowed_bots may trigger', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'allowed_bots: [helper-bot]\n' });
    await h.gh.createUser({ login: 'helper-bot[bot]', type: 'Bot' });
    await h.gh.setPermission({ repo, user: 'helper-bot[bot]', permission: 'write' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'helper-bot[bot]', body: '/codecloud bump deps' });
    await waitComment(repo, 'Completed');
    expect((await simRuns(repo))[0]?.prompt).toContain('bump deps');
  });

  it('redacts sk- keys, JWTs, PEM keys and Slack tokens in the result', async () => {
    const { repo } = await freshRepo(h.gh);
    const secrets = [
      `sk-${'A1b2C3d4'.repeat(5)}`,
      `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0NTY3ODkwIn0'}.${'c2lnbmF0dXJlLXZhbHVlLWhlcmU'}`,
      `xoxb-123456789012-123456789012-${'aB3dE5'.repeat(4)}`,
    ];
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${'Q'.repeat(60)}\n-----END RSA PRIVATE KEY-----`;
    await h.sim.control.queueScripts({ result: `Keys: ${secrets.join(' ')}\n\n${pem}\n` });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const done = await waitComment(repo, 'Completed');
    for (const secret of secrets) expect(done.body).not.toContain(secret);
    expect(done.body).not.toContain('Q'.repeat(60));
    expect(done.body).toContain('[redacted]');
  });

  it('progress: edits show the agent’s latest text, spaced at least 10 s apart', async () => {
    const { repo } = await freshRepo(h.gh);
    // 26 s of real time at the harness's time factor 20 (room for a loaded machine), a progress event every half
    // second until 25 s: whether or not the edit to Running already shows the first text (it is written when the
    // run is read back, which may be before the first event), throttled edits follow 10 s apart.
    const progress = Array.from({ length: 50 }, (_, i) => ({
      thinking: `Reading module ${i}`,
      atMs: (i + 1) * 10_000,
    }));
    await h.sim.control.queueScripts({ queuedMs: 0, runningMs: 520_000, progress });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const done = await waitComment(repo, 'Completed', 50_000);
    const state = await h.gh.state();
    const edits = state.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/issues/comments/${done.id}`) && r.status === 200,
    );
    const progressEdits = edits.filter((r) => JSON.stringify(r.body).includes('Reading module'));
    // Ten and twenty seconds in, throttled edits show the latest text.
    expect(progressEdits.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(progressEdits.at(-1)?.body)).toMatch(/> Reading module ([1-4]\d)/);
    const times = progressEdits.map((r) => Date.parse(r.at));
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(10_000 - 50);
    }
    // Queued, Running, the progress edits (one per 10 s of a 26 s run) and the final one: never one per event.
    expect(edits.length).toBeLessThanOrEqual(6);
    expect(done.body).not.toContain('Reading module');
  }, 60_000);

  it('duplicated and re-sent codecloud completions give one final edit and one 🚀', async () => {
    const { repo } = await freshRepo(h.gh);
    const fault = await h.sim.control.addWebhookFault({
      event: 'agent.completed',
      action: 'duplicate',
      times: 1,
    });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const trigger = await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud fix this',
    });
    const done = await waitComment(repo, 'Completed');
    const [run] = await simRuns(repo);
    const attempts = await h.sim.control.webhooks({ event: 'agent.completed', run_id: run?.id ?? '' });
    expect(new Set(attempts.map((a) => a.delivery_id)).size).toBeGreaterThanOrEqual(2);
    // A retry of the same event arrives later, signed, with a new delivery id.
    const body = attempts[0]?.body ?? '';
    const resent = await fetch(`${h.app.url}/codecloud/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-codecloud-delivery': 'retry-1',
        'x-codecloud-signature': await signCodecloudPayload(CODECLOUD_SECRET, body),
      },
      body,
    });
    expect(resent.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    const state = await h.gh.state();
    const comments = botComments(state, repo);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.edits).toBe(done.edits);
    const rockets = state.reactions.filter((r) => r.id === trigger.id && r.content === 'rocket');
    expect(rockets).toHaveLength(1);
    await h.sim.control.removeFault(fault).catch(() => undefined);
  });

  it('a comment on the PR of a run that failed starts a new run on the PR’s head branch', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Half done', head: 'codecloud/half', user: 'alice' });
    await h.sim.control.queueScripts({
      outcome: 'failed',
      error: 'tests failed',
      prs: [{ number: pr.number, branch: 'codecloud/half' }],
    });
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await waitComment(repo, 'Failed');
    await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud try again' });
    await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => c.number === pr.number && c.body.includes('Completed')),
      { timeoutMs: 20_000 },
    );
    const runs = await simRuns(repo);
    expect(runs).toHaveLength(2);
    const retry = runs.find((r) => r.prompt.includes('try again'));
    expect(retry?.branch).toBe('codecloud/half');
    expect(runs.every((r) => r.messages.length === 0)).toBe(true);
  });
});

// Credentials an agent prints never reach GitHub, end to end (real app process): in the running status comment's
// progress (escaped for display, which once hid `ghp\_…` from the redactor), the result, the plan, the error, and a
// reply quoting the command line. Checked on every body the fake GitHub received, as GitHub would show it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
import { KNOWN_SECRET_SAMPLE, SECRETS } from '../../unit/secret-samples.js';
import { CODECLOUD_SECRET, freshRepo, type Harness, startHarness, WEBHOOK_SECRET } from './app-harness.js';

const BOT = 'codecloud[bot]';

/** The text as GitHub renders it: backslash escapes and invisible characters gone. */
const visible = (text: string): string =>
  text.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/[\u200B-\u200D\u2060\uFEFF]/g, '');

/** Telling pieces of each secret (its head, its tail; the key line of a PEM block, the value of an assignment). */
const PIECES = Object.values(SECRETS).flatMap((secret) => {
  const lines = secret.split('\n');
  const core = lines.length > 1 ? (lines[1] as string) : (secret.split(' = ')[1] ?? secret);
  return [core.slice(0, 16), core.slice(-10)];
});

describe('redaction (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    // The sample "known secret" stands for one of the app's keys: configured here, so redacted by value.
    h = await startHarness({ env: { CLOUDCODING_API_KEY: KNOWN_SECRET_SAMPLE } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  /** Every body the app sent to GitHub for `repo` (posts and edits), as shown. */
  const sentBodies = (state: FakeGitHubState, repo: string): string[] =>
    state.requests
      .filter((r) => r.path.startsWith(`/repos/${repo}/`) && r.method !== 'GET')
      .map((r) => (r.body as { body?: unknown } | undefined)?.body)
      .filter((body): body is string => typeof body === 'string')
      .map(visible);

  function expectNoSecret(bodies: readonly string[], extra: readonly string[] = []): void {
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      for (const piece of [...PIECES, ...extra]) expect(body, `leaked ${piece}`).not.toContain(piece);
    }
  }

  const botComment = (repo: string, word: string) =>
    h.gh.waitFor((s) => s.comments.find((c) => c.repo === repo && c.user === BOT && c.body.includes(word)), {
      timeoutMs: 30_000,
    });

  it('progress text with tokens (the escaped ghp\\_ and a JWT) is shown redacted while the run works', async () => {
    const { repo } = await freshRepo(h.gh);
    const thinking = `MARK-progress pushing with ${SECRETS['classic PAT']} and ${SECRETS.JWT}`;
    await h.sim.control.addPromptScript({
      match: 'MARK-progress-run',
      script: { queuedMs: 0, runningMs: 200_000, progress: [{ thinking, atMs: 100 }] },
    });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud MARK-progress-run' });
    const running = await botComment(repo, 'MARK-progress pushing');
    expect(visible(running.body)).toContain('[redacted]');
    expectNoSecret(sentBodies(await h.gh.state(), repo));
  });

  it('every credential in a result, a plan and an error is redacted in the final comments', async () => {
    const all = Object.values(SECRETS).join('\n\n');
    const known = [WEBHOOK_SECRET, CODECLOUD_SECRET];
    const withKnown = `${all}\n\nwebhook secrets: ${known.join(' ')}`;
    await h.sim.control.addPromptScript({
      match: 'MARK-result-run',
      script: { queuedMs: 0, runningMs: 2_000, result: withKnown, prs: [] },
    });
    await h.sim.control.addPromptScript({
      match: 'MARK-plan-run',
      script: { queuedMs: 0, runningMs: 2_000, plan: withKnown },
    });
    await h.sim.control.addPromptScript({
      match: 'MARK-error-run',
      script: { queuedMs: 0, runningMs: 2_000, outcome: 'failed', error: withKnown },
    });
    const repos = await Promise.all([freshRepo(h.gh), freshRepo(h.gh), freshRepo(h.gh)]);
    const [a, b, c] = repos.map((r) => r.repo) as [string, string, string];
    for (const [repo, body] of [
      [a, '/codecloud MARK-result-run'],
      [b, '/codecloud plan MARK-plan-run'],
      [c, '/codecloud MARK-error-run'],
    ] as const) {
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body });
    }
    await botComment(a, 'Completed');
    await botComment(b, 'Plan ready');
    await botComment(c, 'Failed');
    const state = await h.gh.state();
    for (const repo of [a, b, c]) {
      const bodies = sentBodies(state, repo);
      expectNoSecret(bodies, known);
      expect(bodies.at(-1)).toContain('[redacted]');
    }
  });

  it('a reply quoting a command line with a token redacts it', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const token = SECRETS['installation token the App minted'] as string;
    await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: `/codecloud --token=${token} fix it`,
    });
    const reply = await botComment(repo, 'nothing was started');
    expect(visible(reply.body)).toContain('--token=[redacted]');
    expectNoSecret(sentBodies(await h.gh.state(), repo));
  });
});

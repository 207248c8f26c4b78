// Cloud Coding in the App end to end: the latest output reaches the status comment while the stream runs (throttled
// like codecloud progress), and a stream cut mid-way ends the comment as Failed, saying why.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudCodingSimControl } from '../../sim/cloudcoding/control-client.js';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('App on Cloud Coding (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RECONCILE_INTERVAL_SECONDS: '60' } });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const cc = () => cloudCodingSimControl(h.sim.url);

  async function start(repo: string): Promise<void> {
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud --backend=cloudcoding fix this',
    });
  }

  it('shows the latest output while the stream runs, then the final state', async () => {
    const { repo } = await freshRepo(h.gh);
    const lines = Array.from({ length: 8 }, (_, i) => `compiling unit ${i} [see](https://x.example)`);
    await cc().queue({ stdout: { '': lines }, delayMs: 250 });
    await start(repo);
    const running = await h.gh.waitFor(
      (s) =>
        botComments(s, repo).find((c) => c.body.includes('Running') && c.body.includes('compiling unit')),
      { timeoutMs: 10_000 },
    );
    // Output is shown as text, never as a link.
    expect(running.body).not.toContain('](https://');
    const done = await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => /Completed|Failed/.test(c.body)),
      { timeoutMs: 15_000 },
    );
    expect(done.body).toContain('Completed');
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
  });

  it('a stream cut mid-way ends the status comment as Failed, with the reason', async () => {
    const { repo } = await freshRepo(h.gh);
    await cc().queue({
      stdout: { '': ['step 1', 'step 2', 'step 3', 'step 4'] },
      delayMs: 100,
      disconnectAfter: 2,
    });
    await start(repo);
    const done = await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => /Completed|Failed/.test(c.body)),
      { timeoutMs: 15_000 },
    );
    expect(done.body).toContain('Failed');
    expect(done.body).not.toContain('Running');
    expect(done.body).toMatch(/stream|connection|ended|closed/i);
    const [invocation] = (await cc().invocations()).filter((i) => i.ended === 'disconnected');
    expect(invocation).toBeDefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshRepo, type Harness, startHarness } from './app-harness.js';

describe('smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('issue comment → status comment → completed with PR link', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Crash on start', body: 'It crashes', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const final = await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === 'codecloud[bot]' && c.body.includes('Completed')),
      { timeoutMs: 20_000 },
    );
    console.log(final.body);
    const state = await h.gh.state();
    console.log(h.app.output().slice(-3000));
    expect(state.violations).toEqual([]);
  });
});

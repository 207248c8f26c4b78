// Cloud Coding conversations in the App end to end: a command in a thread whose latest run is a completed Cloud
// Coding run continues that conversation (a new invocation with its thread_id and its own status comment saying it
// is a follow-up), across an app restart too; `--new` and a failed last run start afresh, saying so.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudCodingSimControl } from '../../sim/cloudcoding/control-client.js';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('Cloud Coding conversations in the App (real process)', () => {
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
  const repoUrlOf = (repo: string) => (body: unknown) =>
    String((body as { repo_url?: string } | undefined)?.repo_url ?? '').endsWith(`/${repo}`) ||
    String((body as { repo_url?: string } | undefined)?.repo_url ?? '').includes(`/${repo}.git`);
  const invocationsOf = async (repo: string) =>
    (await cc().invocations()).filter((i) => repoUrlOf(repo)(i.body) && i.status === 200);
  const sentThreadId = (invocation: { body: unknown } | undefined) =>
    (invocation?.body as { thread_id?: string } | undefined)?.thread_id;

  /** Waits until the thread has `count` status comments, the last one final; returns them. */
  const finished = async (repo: string, count: number) => {
    await h.gh.waitFor(
      (s) => {
        const comments = botComments(s, repo).filter((c) => c.body.includes('codecloud:run='));
        return comments.length === count && /Completed|Failed/.test(comments.at(-1)?.body ?? '')
          ? comments
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    return botComments(await h.gh.state(), repo).filter((c) => c.body.includes('codecloud:run='));
  };

  it('a second command in the issue continues the conversation; --new starts afresh', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'API docs', body: 'b', user: 'alice' });
    const say = (body: string) => h.gh.comment({ repo, number: issue.number, user: 'alice', body });

    await say('/codecloud --backend=cloudcoding write the API docs');
    await finished(repo, 1);
    const [first] = await invocationsOf(repo);
    expect(sentThreadId(first)).toBeUndefined();
    expect(first?.thread_id).toBeTruthy();

    await say('/codecloud also document the errors');
    const [, second] = await finished(repo, 2);
    const invocations = await invocationsOf(repo);
    expect(invocations).toHaveLength(2);
    expect(sentThreadId(invocations[1])).toBe(first?.thread_id);
    expect(second?.body).toContain('follow-up requested by');
    expect(second?.body).toMatch(/continues the Cloud Coding conversation/);

    await say('/codecloud --new start over with the docs');
    const [, , third] = await finished(repo, 3);
    const afterNew = await invocationsOf(repo);
    expect(afterNew).toHaveLength(3);
    expect(sentThreadId(afterNew[2])).toBeUndefined();
    expect(third?.body).toContain('A fresh Cloud Coding conversation, as asked with `--new`');
  });

  it('the thread id is still known after an app restart', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Docs', body: 'b', user: 'alice' });
    const say = (body: string) => h.gh.comment({ repo, number: issue.number, user: 'alice', body });
    await say('/codecloud --backend=cloudcoding write the docs');
    await finished(repo, 1);
    const [first] = await invocationsOf(repo);

    await h.app.stop('SIGKILL');
    await h.restart();
    await say('/codecloud --backend=cloudcoding now the changelog');
    await finished(repo, 2);
    const invocations = await invocationsOf(repo);
    expect(invocations).toHaveLength(2);
    expect(sentThreadId(invocations[1])).toBe(first?.thread_id);
  });

  it('after a run that was cut, the next command starts afresh and says why', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Docs', body: 'b', user: 'alice' });
    const say = (body: string) => h.gh.comment({ repo, number: issue.number, user: 'alice', body });
    await cc().queue({ stdout: { '': ['step 1', 'step 2', 'step 3'] }, delayMs: 100, disconnectAfter: 2 });
    await say('/codecloud --backend=cloudcoding write the docs');
    const [cut] = await finished(repo, 1);
    expect(cut?.body).toContain('Failed');

    await say('/codecloud try again');
    const [, second] = await finished(repo, 2);
    const invocations = await invocationsOf(repo);
    expect(invocations).toHaveLength(2);
    expect(sentThreadId(invocations[1])).toBeUndefined();
    expect(second?.body).toContain('previous run failed, so its conversation is not continued');
  });
});

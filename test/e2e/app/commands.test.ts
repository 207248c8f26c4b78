// Commands end to end: a real app process, the fake GitHub sending signed webhooks, the codecloud simulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHubState } from '../../fake-github/fake-github.js';
import { BOT, botComments, type Comment, freshRepo, type Harness, startHarness } from './app-harness.js';

describe('App commands (real process, signed webhooks)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // The app's own comments come back as webhooks, as on GitHub: the app must ignore them.
    await h.gh.echoBotComments(true);
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    const state = await h.gh.state();
    expect(state.violations).toEqual([]);
  });

  const finalComment = (repo: string, word: string, timeoutMs = 20_000) =>
    h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes(word)), { timeoutMs });
  const reactionsOn = (s: FakeGitHubState, repo: string, id: number) =>
    s.reactions.filter((r) => r.repo === repo && r.id === id).map((r) => r.content);
  const waitComment = (repo: string, ok: (c: Comment) => boolean, timeoutMs = 30_000) =>
    h.gh.waitFor((s) => botComments(s, repo).find(ok), { timeoutMs });

  it('runs an issue command: 👀, one status comment edited to completed with the PR link, 🚀', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({
      repo,
      title: 'Crash on start',
      body: 'It crashes <!-- hidden -->',
      user: 'alice',
    });
    const trigger = await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud fix this',
    });
    const done = await finalComment(repo, 'Completed');
    const state = await h.gh.waitFor((s) =>
      reactionsOn(s, repo, trigger.id).includes('rocket') ? s : undefined,
    );
    expect(botComments(state, repo)).toHaveLength(1);
    // The marker carries codecloud's run id.
    const [simRun] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(done.body).toContain(`<!-- codecloud:run=${simRun?.id} -->`);
    expect(done.body).toContain(`/${repo}/pull/100`);
    expect(done.edits).toBeGreaterThanOrEqual(1);
    const reactions = reactionsOn(state, repo, trigger.id);
    expect(reactions).toContain('eyes');
    expect(reactions).toContain('rocket');
    // The status comment came before the create call: the first bot request on the repo is a POST of a comment.
    const [run] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(run?.prompt).toContain('fix this');
    expect(run?.prompt).toContain('Crash on start');
    expect(run?.prompt).not.toContain('hidden');
    expect(run?.webhook_url).toBe(`http://127.0.0.1:${h.port}/codecloud/webhook`);
  });

  it('posts the status comment before calling codecloud (the create waits on a slow API)', async () => {
    const { repo } = await freshRepo(h.gh);
    const fault = await h.sim.control.addFault({ route: 'POST /api/v1/agents', latencyMs: 1500, times: 1 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud do it' });
    await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Queued')), {
      timeoutMs: 5_000,
    });
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(0);
    await finalComment(repo, 'Completed');
    await h.sim.control.removeFault(fault).catch(() => undefined);
  });

  it('refuses a commenter below write: 😕 only, nothing started, no comment', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.gh.createUser({ login: 'mallory' });
    await h.gh.setPermission({ repo, user: 'mallory', permission: 'read' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const c = await h.gh.comment({
      repo,
      number: issue.number,
      user: 'mallory',
      body: '/codecloud fix this',
    });
    const state = await h.gh.waitFor((s) =>
      reactionsOn(s, repo, c.id).includes('confused') ? s : undefined,
    );
    expect(reactionsOn(state, repo, c.id)).toEqual(['confused']);
    expect(botComments(state, repo)).toHaveLength(0);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(0);
    const permissionCalls = state.requests.filter((r) =>
      r.path.endsWith('/collaborators/mallory/permission'),
    );
    expect(permissionCalls.length).toBeGreaterThan(0);
  });

  it('ignores unlisted bots and plain comments', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.gh.createUser({ login: 'dependabot[bot]', type: 'Bot' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'dependabot[bot]', body: '/codecloud fix this' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: 'just chatting about /codecloud' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const state = await h.gh.state();
    expect(botComments(state, repo)).toHaveLength(0);
    expect(state.reactions.filter((r) => r.repo === repo)).toHaveLength(0);
  });

  it('answers help with usage, config keys and the caller’s permission', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
    const help = await finalComment(repo, 'min_permission');
    expect(help.body).toContain('min_permission');
    expect(help.body).toContain('**write**');
    expect(help.body).toContain('/codecloud stop');
  });

  it('help answers a read-only user (with their permission) instead of 😕', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.gh.createUser({ login: 'rita' });
    await h.gh.setPermission({ repo, user: 'rita', permission: 'read' });
    const issue = await h.gh.openIssue({ repo, title: 'Q', body: 'b', user: 'rita' });
    const asked = await h.gh.comment({ repo, number: issue.number, user: 'rita', body: '/codecloud help' });
    const help = await waitComment(repo, (c) => c.body.includes('@rita'));
    expect(help.body).toContain('**read**');
    expect(help.body).toContain('cannot start runs');
    const s = await h.gh.state();
    expect(s.reactions.filter((r) => r.id === asked.id).map((r) => r.content)).not.toContain('confused');
  });

  it('rejects unknown options by name and starts nothing', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud --modle=x fix it' });
    const reply = await finalComment(repo, 'nothing was started');
    expect(reply.body).toContain('--modle');
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(0);
  });

  it('plan then approve: the plan is shown, approve sends an execute follow-up', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ plan: '1. Read the code\n2. Fix the bug' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud plan fix the crash' });
    const plan = await finalComment(repo, 'Fix the bug');
    expect(plan.body).toContain('/codecloud approve');
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud approve' });
    await h.gh.waitFor((s) => botComments(s, repo).filter((c) => c.body.includes('Completed')).length >= 1, {
      timeoutMs: 20_000,
    });
    const [run] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(run?.request).toMatchObject({ mode: 'plan' });
    expect(run?.messages).toHaveLength(1);
    expect(run?.messages[0]?.mode).toBe('execute');
    expect(run?.messages[0]?.prompt).toContain('Carry out the plan');
  });

  it('approve in a review thread: the follow-up status comment is a reply in that thread and reaches "Completed"', async () => {
    const { repo } = await freshRepo(h.gh);
    const pr = await h.gh.openPull({ repo, title: 'Feature', head: 'feature', user: 'alice' });
    const root = await h.gh.reviewComment({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud plan rename this',
      path: 'src/a.ts',
      line: 3,
    });
    const plan = await waitComment(repo, (c) => c.kind === 'review' && c.body.includes('Plan ready')).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\n${JSON.stringify(botComments(await h.gh.state(), repo))}`);
      },
    );
    expect(plan.in_reply_to).toBe(root.id);
    await h.gh.reviewComment({
      repo,
      number: pr.number,
      user: 'alice',
      body: '/codecloud approve',
      path: 'src/a.ts',
      line: 3,
      in_reply_to: root.id,
    });
    const follow = await waitComment(
      repo,
      (c) => c.id !== plan.id && c.kind === 'review' && c.body.includes('Completed'),
    ).catch(async (error: unknown) => {
      const s = await h.gh.state();
      throw new Error(
        `${String(error)}\n${JSON.stringify(botComments(s, repo))}\n${h.app.output().slice(-3000)}`,
      );
    });
    expect(follow.in_reply_to).toBe(root.id);
    const s = await h.gh.state();
    expect(botComments(s, repo).filter((c) => c.kind === 'issue')).toEqual([]);
    expect(s.requests.filter((r) => r.status === 404 && r.method === 'PATCH')).toEqual([]);
    expect(botComments(s, repo).some((c) => c.body.includes('no finished plan'))).toBe(false);
  }, 60_000);

  it('stop: the run is stopped through the API and the status comment says who stopped it', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 600_000 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud long task' });
    await waitForSimRun(h, repo, (r) => r.status === 'running' || r.status === 'queued');
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud stop' });
    const stopped = await finalComment(repo, 'Stopped');
    expect(stopped.body).toContain('Stopped** by @alice');
    const [run] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(run?.stops).toHaveLength(1);
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
  });

  it('status refreshes the status comment; a second command on a busy thread is told to wait', async () => {
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 600_000 });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud long task' });
    await waitForSimRun(h, repo, (r) => r.status === 'running');
    const before = (await h.gh.state()).comments.find((c) => c.repo === repo && c.user === BOT);
    const status = await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud status',
    });
    await h.gh.waitFor((s) => (reactionsOn(s, repo, status.id).includes('eyes') ? true : undefined));
    const running = await finalComment(repo, 'Running');
    expect(running.id).toBe(before?.id);
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud another thing' });
    const busy = await finalComment(repo, 'still working');
    expect(busy.body).toContain('/codecloud stop');
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud stop' });
    await finalComment(repo, 'Stopped');
  });

  it('processes a redelivered webhook once', async () => {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const c = await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await h.gh.redeliver(c.deliveryId);
    await h.gh.redeliver(c.deliveryId);
    await finalComment(repo, 'Completed');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);
    expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
  });

  it('an invalid .github/codecloud.yml gets one comment quoting the error, and nothing runs', async () => {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': 'min_permission: owner\n' });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const reply = await finalComment(repo, 'not valid');
    expect(reply.body).toContain('min_permission');
    expect(reply.body).toContain('owner');
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(0);
  });

  it('the trigger label and a command in a new issue body start runs', async () => {
    const { repo } = await freshRepo(h.gh, {
      '.github/codecloud.yml': 'label: agent\nauto_create_pr: false\n',
    });
    const labelled = await h.gh.openIssue({
      repo,
      title: 'Add a flag',
      body: 'We need --verbose',
      user: 'alice',
    });
    await h.gh.label({ repo, number: labelled.number, label: 'agent', user: 'alice' });
    await h.gh.openIssue({ repo, title: 'Other', body: '/codecloud write docs', user: 'alice' });
    await h.gh.waitFor(
      (s) => botComments(s, repo).filter((c) => c.body.includes('Completed')).length === 2 || undefined,
      {
        timeoutMs: 20_000,
      },
    );
    const runs = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.auto_create_pr === false)).toBe(true);
    expect(runs.map((r) => r.prompt).join('\n')).toContain('We need --verbose');
  });

  it('redacts credentials and truncates a huge result under 65,536 characters', async () => {
    const { repo } = await freshRepo(h.gh);
    const token = `ghp_${'a1B2'.repeat(9)}`;
    await h.sim.control.queueScripts({ result: `Used ${token} to push.\n\n${'x'.repeat(80_000)}` });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const done = await finalComment(repo, 'Completed');
    expect(done.body).not.toContain(token);
    expect(done.body).toContain('[redacted]');
    expect(done.body.length).toBeLessThan(65_536);
    expect(done.body).toContain('more characters not shown');
  });

  it('throttles progress edits to one per 10 s per run', async () => {
    const { repo } = await freshRepo(h.gh);
    const progress = Array.from({ length: 12 }, (_, i) => ({ thinking: `step ${i}` }));
    await h.sim.control.queueScripts({ runningMs: 60_000, progress });
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const done = await finalComment(repo, 'Completed');
    const [run] = (await h.sim.control.runs()).filter((r) => r.repo === repo);
    const progressHooks = await h.sim.control.webhooks({ event: 'agent.progress', run_id: run?.id ?? '' });
    expect(progressHooks.length).toBe(12);
    // Edits: queued (after create), running, at most one progress edit in the ~3 s the run lasts, final.
    expect(done.edits).toBeLessThanOrEqual(4);
  });
});

async function waitForSimRun(
  h: Harness,
  repo: string,
  predicate: (run: { status: string }) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await h.sim.control.runs()).find((r) => r.repo === repo);
    if (run && predicate(run)) return;
    if (Date.now() > deadline) throw new Error(`no simulator run on ${repo} matched in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Two app replicas on a real PostgreSQL behind a load balancer: GitHub's deliveries are split across them, one
// delivery reaches both, and one replica is SIGKILLed while the runs are in flight (and stays down). Every run is
// finished once, by the other replica: one run at codecloud, one status comment, one final edit, one 🚀 per command.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../integration/store/postgres-test-database.js';
import { freshRepo } from './app-harness.js';
import { type Cluster, startCluster } from './chaos-cluster.js';
import { type ChaosCommand, type CommandFigures, measure } from './chaos-run.js';

const COMMANDS = 10;

describe('two replicas sharing PostgreSQL', () => {
  let cluster: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await cluster?.close();
    await database?.drop();
  });

  it('deliveries split, one sent to both, one replica SIGKILLed mid-run: every run finished once by the other', async () => {
    database = await createTestDatabase();
    cluster = await startCluster({
      sim: { timeFactor: 1, planLimits: { pro: 1_000 } },
      // The killed replica held the reconciler's lease; it lapses after 1.5 intervals.
      env: { RECONCILE_INTERVAL_SECONDS: '3' },
      replicas: 2,
      databaseUrl: database.url,
    });
    const c = cluster;
    await c.sim.control.setDefaultScript({
      queuedMs: 500,
      runningMs: 10_000,
      progress: [{ thinking: 'Reading the code' }],
    });
    // Half the completions never arrive: those runs are found by the surviving replica's reconciler.
    await c.sim.control.addWebhookFault({ event: 'agent.completed', action: 'drop', rate: 0.5 });

    const repos = [await freshRepo(c.gh), await freshRepo(c.gh)];
    const commands: ChaosCommand[] = [];
    for (let i = 0; i < COMMANDS; i += 1) {
      const { repo } = repos[i % repos.length] as { repo: string };
      const token = `[task-${String(i).padStart(4, '0')}]`;
      const issue = await c.gh.openIssue({ repo, title: `Bug ${token}`, body: 'b', user: 'alice' });
      commands.push({ token, repo, issue: issue.number, triggerId: undefined, fails: false });
    }
    const before = new Map([...c.lb.forwarded].map(([name, f]) => [name, f.github]));
    c.lb.fanOutNext(1); // the first command's delivery goes to both replicas
    for (const command of commands) {
      const sent = await c.gh.comment({
        repo: command.repo,
        number: command.issue,
        user: 'alice',
        body: `/codecloud fix ${command.token}`,
      });
      command.triggerId = sent.id;
    }
    const deliveredTo = (name: string): number =>
      (c.lb.forwarded.get(name)?.github ?? 0) - (before.get(name) ?? 0);
    // 10 deliveries, the first to both: 11 forwarded, each replica got some.
    expect(deliveredTo('A') + deliveredTo('B')).toBe(COMMANDS + 1);
    expect(deliveredTo('A')).toBeGreaterThanOrEqual(3);
    expect(deliveredTo('B')).toBeGreaterThanOrEqual(3);

    // Mid-run: every run exists at codecloud and none has finished.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const runs = await c.sim.control.runs();
      if (runs.length >= COMMANDS && runs.every((r) => r.status === 'queued' || r.status === 'running'))
        break;
      if (runs.some((r) => r.status === 'completed') || Date.now() > deadline)
        throw new Error(`runs were not all in flight at once: ${JSON.stringify(runs.map((r) => r.status))}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const killedAt = Date.now();
    await c.stop(0, 'SIGKILL');

    let figures: CommandFigures[] = [];
    const settleBy = Date.now() + 60_000;
    while (Date.now() < settleBy) {
      figures = await measure(c, commands);
      if (figures.every((f) => f.settled)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    figures = await measure(c, commands);
    const summary = figures.map((f) => ({
      token: f.token,
      runs: f.runsCreated,
      statusComments: f.statusComments,
      finalEdits: f.finalEdits,
      reactions: `${f.rockets}/${f.confused}`,
      state: f.commentState,
    }));
    const expected = commands.map((command) => ({
      token: command.token,
      runs: 1,
      statusComments: 1,
      finalEdits: 1,
      reactions: '1/0',
      state: 'completed',
    }));
    expect(summary, c.output().slice(-4000)).toEqual(expected);

    // The final edits all came after the kill, so the surviving replica made them.
    const finals = c.github
      .state()
      .requests.filter(
        (r) =>
          r.method === 'PATCH' &&
          r.status === 200 &&
          String((r.body as { body?: unknown }).body).includes('**Completed**'),
      );
    expect(finals).toHaveLength(COMMANDS);
    expect(finals.every((r) => Date.parse(r.at) >= killedAt)).toBe(true);
    expect(c.github.state().violations).toEqual([]);
  }, 120_000);
});

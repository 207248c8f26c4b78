// Autofix on two replicas sharing PostgreSQL (README, App: autofix): the same completed check suite, and a check run
// completed in it, reach both replicas at once, again and again, with the same delivery id and with new ones,
// before the follow-up and after it finished. One follow-up is sent for the head commit and one status comment says
// so: the head commit is claimed in the store, not by whichever replica happens to be first.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../fake-github/webhook-sender.js';
import { createTestDatabase, type TestDatabase } from '../../integration/store/postgres-test-database.js';
import { BOT, botComments, freshRepo, WEBHOOK_SECRET } from './app-harness.js';
import { type Cluster, startCluster } from './chaos-cluster.js';

const CONFIG = 'autofix:\n  ci: true\n  max_attempts: 3\n';
const ROUNDS = 3;

const failingTest = {
  name: 'test',
  conclusion: 'failure',
  output: { title: '1 test failed', summary: 'math.test.ts: adds numbers' },
  log: {
    head: ['Run npm test', '> vitest run'],
    tail: [' FAIL  test/math.test.ts > adds numbers', 'AssertionError: expected 3 to be 4'],
  },
};

describe('autofix on two replicas sharing PostgreSQL', () => {
  let cluster: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await cluster?.close();
    await database?.drop();
  });

  it('the same failed suite delivered to both replicas at once, repeatedly and with new ids: one follow-up, one status comment', async () => {
    database = await createTestDatabase();
    cluster = await startCluster({ sim: { timeFactor: 20 }, replicas: 2, databaseUrl: database.url });
    const c = cluster;
    const wait = <T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000) =>
      (async () => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const value = await read();
          if (value !== undefined) return value;
          if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}\n${c.output().slice(-4000)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
    const waitComment = (number: number, word: string) =>
      wait(`a comment with "${word}" on #${number}`, async () =>
        botComments(await c.gh.state(), repo, number).find((m) => m.body.includes(word)),
      );

    // An agent PR: a run on an issue opened it and completed.
    const { repo } = await freshRepo(c.gh, { '.github/codecloud.yml': CONFIG });
    const pull = await c.gh.openPull({
      repo,
      title: 'Fix the adder',
      head: 'codecloud/fix-adder',
      user: BOT,
    });
    await c.sim.control.queueScripts({ prs: [{ number: pull.number, branch: 'codecloud/fix-adder' }] });
    const issue = await c.gh.openIssue({ repo, title: 'Adder is wrong', body: 'b', user: 'alice' });
    await c.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix the adder' });
    await waitComment(issue.number, 'Completed');
    const run = (await c.sim.control.runs()).find((r) => r.repo === repo);
    expect(run?.messages).toEqual([]);

    /** Posts a signed delivery to every live replica at once (not through the load balancer). */
    const toBoth = (event: string, payload: string, id: string) =>
      Promise.all(
        c.replicas.map(async (replica) => {
          const response = await fetch(`${replica.app?.url ?? ''}/api/github/webhooks`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': event,
              'x-github-delivery': id,
              'x-hub-signature-256': signWebhook(WEBHOOK_SECRET, payload).sha256,
            },
            body: payload,
          });
          await response.arrayBuffer();
          return response.status;
        }),
      );

    // CI fails on the PR's head: its check_suite completed reaches both replicas at once.
    c.lb.fanOutNext(1);
    const suite = await c.gh.checkSuite({
      repo,
      number: pull.number,
      runs: [failingTest, { name: 'lint', conclusion: 'success' }],
    });
    const original = c.github.state().deliveries.find((d) => d.id === suite.deliveryId);
    if (!original) throw new Error('the check_suite delivery was not recorded');
    const suitePayload = JSON.parse(original.payload) as Record<string, unknown> & {
      check_suite: { id: number; head_sha: string; pull_requests: unknown[]; app: unknown };
    };
    expect(suitePayload.check_suite.head_sha).toBe(suite.sha);
    const { check_suite: _suite, ...base } = suitePayload;
    const checkRunPayload = JSON.stringify({
      ...base,
      action: 'completed',
      check_run: {
        id: suite.runs[0],
        name: 'test',
        head_sha: suite.sha,
        external_id: '',
        status: 'completed',
        conclusion: 'failure',
        check_suite: { id: suitePayload.check_suite.id },
        pull_requests: suitePayload.check_suite.pull_requests,
        app: suitePayload.check_suite.app,
      },
    });
    /** One round: the same delivery again (to both), new deliveries of the suite and of its failed check run. */
    const round = async () => {
      c.lb.fanOutNext(1);
      const answers = await Promise.all([
        c.gh.redeliver(original.id),
        toBoth('check_suite', original.payload, randomUUID()),
        toBoth('check_suite', original.payload, randomUUID()),
        toBoth('check_run', checkRunPayload, randomUUID()),
      ]);
      const statuses = [answers[0].status, ...answers.slice(1).flat()];
      expect(
        statuses.every((s) => typeof s === 'number' && s >= 200 && s < 300),
        String(statuses),
      ).toBe(true);
    };
    for (let i = 0; i < ROUNDS; i += 1) await round();

    const followed = await wait('the follow-up', async () => {
      const r = (await c.sim.control.runs()).find((x) => x.repo === repo);
      return r && r.messages.length >= 1 ? r : undefined;
    });
    expect(followed.messages[0]).toMatchObject({ idempotency_key: `autofix-ci-${suite.sha}` });
    expect(followed.messages[0]?.prompt).toContain('FAIL  test/math.test.ts > adds numbers');
    await waitComment(pull.number, 'attempt 1 of 3');
    await waitComment(pull.number, 'Completed');

    // The follow-up is over (no active run holds anything back now): the deliveries come again, on both replicas.
    for (let i = 0; i < ROUNDS; i += 1) await round();
    // Settle: every job of these deliveries has run, on either replica, and nothing more was sent.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    const runs = (await c.sim.control.runs()).filter((r) => r.repo === repo);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.messages, c.output().slice(-4000)).toHaveLength(1);
    // One request reached codecloud: the app did not lean on the simulator's idempotency key to drop repeats.
    const posted = await c.sim.control.requests({
      method: 'POST',
      route: 'POST /api/v1/agents/run/{id}/message',
    });
    expect(posted.filter((r) => r.path.includes(runs[0]?.id ?? '?'))).toHaveLength(1);
    const statusComments = botComments(await c.gh.state(), repo, pull.number).filter((m) =>
      m.body.includes('attempt 1 of 3'),
    );
    expect(statusComments).toHaveLength(1);
    expect(statusComments[0]?.body).toContain(`[\`${suite.sha.slice(0, 7)}\`]`);
    // Both replicas got the deliveries (each of them could have sent it).
    expect(c.lb.forwarded.get('A')?.github ?? 0).toBeGreaterThan(0);
    expect(c.lb.forwarded.get('B')?.github ?? 0).toBeGreaterThan(0);
    const autofixComments = botComments(await c.gh.state(), repo, pull.number).filter((m) =>
      m.body.includes('**Autofix'),
    );
    expect(autofixComments.map((m) => m.id)).toEqual(statusComments.map((m) => m.id));
    expect(c.github.state().violations).toEqual([]);
  }, 180_000);
});

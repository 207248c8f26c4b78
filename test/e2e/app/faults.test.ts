// The fault run in `npm test` (the small version of `npm run bench -- chaos`): 40 commands over 8 installations while
// the simulator drops half the completion webhooks and repeats a fifth, refuses or cuts off some creates, the fake
// GitHub refuses some writes (502, secondary rate limit 403 with Retry-After), and an app process is SIGKILLed mid-run
// and started again. On the embedded store and on two replicas sharing PostgreSQL: nothing lost, nothing doubled.
//
// RECONCILE_INTERVAL_SECONDS is 5: half the completions never arrive as webhooks, so the reconciler's read-back is
// how those runs finish, and the interval bounds how long that takes. 5 s keeps the test within its time while
// leaving several webhook-driven completions and reconciler passes to race each other (as with the default 60 s,
// only more often); the start-up pass after the kill is exercised as well. Each case usually takes 40–70 s.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../integration/store/postgres-test-database.js';
import { type Cluster, startCluster } from './chaos-cluster.js';
import { type ChaosPlan, describeReport, runChaos } from './chaos-run.js';

const plan: ChaosPlan = {
  commands: 40,
  installations: 8,
  sendOverMs: 10_000,
  kills: [{ atMs: 5_000, signal: 'SIGKILL', replica: 0 }],
  // A create that got no answer is looked up for 2 minutes (at 5, 20, 45, 80 and 120 s) before its run is failed, so
  // waiting less could call a run lost that the app is still, by design, looking for. Usually all settle in ~40 s.
  settleTimeoutMs: 150_000,
  runningMs: 3_000,
  slowEvery: 10,
  slowMs: 10_000,
  failEvery: 7,
  noAnswer: 'reset',
  seed: 9,
};
const env = { RECONCILE_INTERVAL_SECONDS: '5' };
const sim = { timeFactor: 1, planLimits: { pro: 1_000 }, seed: 9 };

describe('fault run (40 commands, one SIGKILL)', () => {
  let cluster: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await cluster?.close();
    await database?.drop();
    cluster = undefined;
    database = undefined;
  });

  const check = (report: Awaited<ReturnType<typeof runChaos>>, c: Cluster): void => {
    const text = describeReport(report).join('\n');
    console.log(text);
    expect({ lost: report.lost, doubled: report.doubled }, `${text}\n${c.output().slice(-4000)}`).toEqual({
      lost: 0,
      doubled: 0,
    });
    expect(report.mismatched, text).toBe(0);
    expect(report.faults.completionWebhooksDropped).toBeGreaterThan(0);
  };

  it('embedded store: nothing lost, nothing doubled', async () => {
    cluster = await startCluster({ sim, env });
    const report = await runChaos(cluster, plan);
    check(report, cluster);
  }, 240_000);

  it('two replicas sharing PostgreSQL, one SIGKILLed: nothing lost, nothing doubled', async () => {
    database = await createTestDatabase();
    cluster = await startCluster({ sim, env, replicas: 2, databaseUrl: database.url });
    const report = await runChaos(cluster, plan);
    check(report, cluster);
  }, 240_000);
});

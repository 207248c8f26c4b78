// The fault run (`npm run bench -- chaos`): 200 commands over 20 installations, on the embedded store and on two
// replicas sharing PostgreSQL. The simulator drops 50% of completion webhooks and repeats 20%, answers 5% of creates
// with 5xx and 2% with no answer at all (cut off, or held until the client's 30 s time-out); the fake GitHub answers
// 3% of writes with 502 and 2% with a secondary-rate-limit 403 carrying Retry-After; the app is SIGKILLed twice and
// SIGTERMed once while work is in flight and started again each time (on PostgreSQL the replicas are killed in turn
// and the other keeps serving). The bar: 0 lost, 0 doubled, everything settled within 3 minutes of the last kill.
//
// Agents run 8 s (every 10th 30 s) on the simulator's real-time clock (time factor 1: the app's look-up of a create
// whose answer was lost compares codecloud's `created_at` with its own clock). RECONCILE_INTERVAL_SECONDS is the
// default (60 s), as deployed. BENCH_CHAOS_ENGINES=sqlite or =postgres runs one engine only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Cluster, startCluster } from '../test/e2e/app/chaos-cluster.js';
import {
  type ChaosKill,
  type ChaosPlan,
  type ChaosReport,
  describeReport,
  runChaos,
} from '../test/e2e/app/chaos-run.js';
import postgresServer from '../test/integration/store/postgres-server.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt } from './compiled-app.js';

const BAR_MS = 180_000;
const COMMANDS = Number(process.env.BENCH_CHAOS_COMMANDS ?? 200);
const engines = (process.env.BENCH_CHAOS_ENGINES ?? 'sqlite,postgres').split(',');

const plan = (kills: ChaosKill[]): ChaosPlan => ({
  commands: COMMANDS,
  installations: 20,
  sendOverMs: 90_000,
  kills,
  settleTimeoutMs: BAR_MS + 60_000,
  runningMs: 8_000,
  slowEvery: 10,
  slowMs: 30_000,
  failEvery: 7,
  noAnswer: 'reset-and-hang',
  seed: 9,
  log: (line) => console.log(`  ${line}`),
});
const sim = { timeFactor: 1, planLimits: { pro: 10_000 }, seed: 9 };
// The app as production runs it (compiled JavaScript), like the other benches.
const app = { appArgs: COMPILED_APP, env: COMPILED_APP_ENV };
ensureBuilt();

function verdict(report: ChaosReport): boolean {
  const settled = report.settledAfterLastKillMs !== undefined && report.settledAfterLastKillMs <= BAR_MS;
  const ok = report.lost === 0 && report.doubled === 0 && settled;
  console.log(ok ? 'bar met: 0 lost, 0 doubled, settled within 3 minutes of the last kill' : 'BAR NOT MET');
  return ok;
}

async function run(name: string, start: () => Promise<Cluster>, kills: ChaosKill[]): Promise<boolean> {
  console.log(`\n### ${name}`);
  const cluster = await start();
  try {
    const report = await runChaos(cluster, plan(kills));
    for (const line of describeReport(report)) console.log(line);
    return verdict(report);
  } finally {
    await cluster.close();
  }
}

/** A throwaway PostgreSQL server (the one `npm test` uses) and a database on it. */
async function withPostgres<T>(work: (url: string) => Promise<T>): Promise<T> {
  let adminUrl = '';
  const stop = await postgresServer({
    provide: (_key: string, value: string) => {
      adminUrl = value;
    },
  } as unknown as Parameters<typeof postgresServer>[0]);
  try {
    const name = `chaos_${randomBytes(4).toString('hex')}`;
    for (let i = 0; ; i += 1) {
      const admin = new pg.Client({ connectionString: adminUrl });
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        break;
      } catch (error) {
        await admin.end().catch(() => undefined);
        if (i > 600) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await stop();
  }
}

let ok = true;
if (engines.includes('sqlite')) {
  ok =
    (await run('embedded store (SQLite), one process', () => startCluster({ sim, ...app }), [
      { atMs: 20_000, signal: 'SIGKILL', replica: 0 },
      { atMs: 45_000, signal: 'SIGTERM', replica: 0 },
      { atMs: 70_000, signal: 'SIGKILL', replica: 0 },
    ])) && ok;
}
if (engines.includes('postgres')) {
  ok =
    (await withPostgres((databaseUrl) =>
      run(
        'PostgreSQL, two replicas behind a load balancer',
        () => startCluster({ sim, ...app, replicas: 2, databaseUrl }),
        [
          { atMs: 20_000, signal: 'SIGKILL', replica: 0 },
          { atMs: 45_000, signal: 'SIGTERM', replica: 1 },
          { atMs: 70_000, signal: 'SIGKILL', replica: 0 },
        ],
      ),
    )) && ok;
}
process.exit(ok ? 0 : 1);

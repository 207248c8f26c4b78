// The soak (`npm run bench -- soak`): steady commands for 10 minutes (20 a second over 200 installations, each on a
// new issue; codecloud takes 2 s to create a run, runs last 30 s, a tenth of completion webhooks are dropped and found
// by the reconciler), then 2 minutes to settle. Per minute: webhook ack p50/p99, the app's RSS and V8 heap, the store's
// size, its open jobs (PostgreSQL; the embedded store is locked to the app) and the commands not settled yet. At the
// end: lost, doubled, and the RSS slope over the last 5 minutes. The bars: 0 lost, 0 doubled, the last minute's ack
// p99 within 1.5× the first's, RSS growth ≤ 5 % over the last 5 minutes.
//
// Flags (shorter runs to try it out): --minutes=10 --settle-minutes=2 --rate=20 --installations=200
// --engines=sqlite,postgres --replicas=<n> (default 1 on SQLite, 2 on PostgreSQL, as deploy/compose.yaml runs)
// --top-statements=<n> (PostgreSQL: at the end, the n statements that took the server the most time, from
// pg_stat_statements).
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freshRepo } from '../test/e2e/app/app-harness.js';
import { type Cluster, startCluster } from '../test/e2e/app/chaos-cluster.js';
import { startPostgres } from '../test/integration/store/postgres-process.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct, rssMb } from './compiled-app.js';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'settle-minutes': { type: 'string', default: '2' },
    rate: { type: 'string', default: '20' },
    installations: { type: 'string', default: '200' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    replicas: { type: 'string' },
    'top-statements': { type: 'string', default: '0' },
  },
});
const MINUTES = Number(flags.minutes);
const SETTLE_MINUTES = Number(flags['settle-minutes']);
const RATE = Number(flags.rate);
const INSTALLATIONS = Number(flags.installations);
const TOP_STATEMENTS = Number(flags['top-statements']);
const CREATE_MS = 2_000;
const RUNNING_MS = 30_000;
const DROPPED = 0.1;
const SAMPLE_MS = 10_000;
const BOT = 'codecloud[bot]';
const STATUS_MARKER = /<!-- codecloud:(run|pending)=/;
const FINAL = /\*\*(Completed|Failed)\*\*/;
const HEAP_REPORTER = join(import.meta.dirname, 'heap-reporter.mjs');

interface Command {
  token: string;
  repo: string;
  issue?: number;
}

interface Sample {
  at: number;
  rss: number[];
  heap: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** The last `soak-heap <used>` line each replica printed (`heap-reporter.mjs`), bytes. */
function heapOf(cluster: Cluster): number[] {
  return cluster.replicas.map((replica) => {
    const lines = replica.app?.output().match(/soak-heap (\d+)/g) ?? [];
    return Number(lines.at(-1)?.split(' ')[1] ?? Number.NaN);
  });
}

/** The app's own ack histogram for GitHub webhooks, summed over the replicas: cumulative count per bucket bound. */
async function appAckBuckets(cluster: Cluster): Promise<Map<number, number>> {
  const sums = new Map<number, number>();
  for (const replica of cluster.replicas) {
    if (!replica.app) continue;
    const text = await fetch(`${replica.app.url}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    for (const [, labels = '', count = '0'] of text.matchAll(
      /^codecloud_webhook_ack_seconds_bucket\{([^}]*)\} (\d+)/gm,
    )) {
      if (!labels.includes('source="github"')) continue;
      const le = /le="([^"]+)"/.exec(labels)?.[1] ?? '+Inf';
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      sums.set(bound, (sums.get(bound) ?? 0) + Number(count));
    }
  }
  return sums;
}

/**
 * The 99th percentile between two cumulative histograms, interpolated within its bucket as Prometheus's
 * `histogram_quantile` does (ms).
 */
function bucketP99(now: Map<number, number>, before: Map<number, number>): number {
  const bounds = [...now.keys()].sort((a, b) => a - b);
  const total = (now.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return Number.NaN;
  const rank = 0.99 * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = (now.get(bound) ?? 0) - (before.get(bound) ?? 0);
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lower * 1000;
      return (lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below)) * 1000;
    }
    lower = bound;
    below = count;
  }
  return Number.NaN;
}

async function storeFigures(
  cluster: Cluster,
  databaseUrl: string | undefined,
): Promise<{ bytes: number; jobs: string }> {
  if (databaseUrl === undefined) {
    const dir = cluster.replicas[0]?.dataDir ?? '';
    let bytes = 0;
    for (const file of ['codecloud.sqlite', 'codecloud.sqlite-wal']) {
      bytes += await stat(join(dir, file)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return { bytes, jobs: '–' };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const size = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    const jobs = await client.query<{ open: string }>(
      `SELECT count(*) AS open FROM jobs WHERE state <> 'done'`,
    );
    return { bytes: Number(size.rows[0]?.bytes), jobs: jobs.rows[0]?.open ?? '?' };
  } finally {
    await client.end();
  }
}

/** Per command: its runs at codecloud, its status comments and whether they are final. */
async function outcomes(cluster: Cluster, commands: readonly Command[]) {
  const runsByToken = new Map<string, string[]>();
  for (const run of await cluster.sim.control.runs()) {
    const token = /\[soak-\d+\]/.exec(run.prompt)?.[0];
    if (token) runsByToken.set(token, [...(runsByToken.get(token) ?? []), run.status]);
  }
  const statusByIssue = new Map<string, string[]>();
  for (const comment of cluster.github.state().comments.values()) {
    if (comment.user !== BOT || !STATUS_MARKER.test(comment.body)) continue;
    const key = `${comment.repo}#${comment.number}`;
    statusByIssue.set(key, [...(statusByIssue.get(key) ?? []), comment.body]);
  }
  return commands.map((command) => {
    const runs = runsByToken.get(command.token) ?? [];
    const status = statusByIssue.get(`${command.repo}#${command.issue}`) ?? [];
    const settled =
      status.length > 0 &&
      status.every((body) => FINAL.test(body)) &&
      runs.every((s) => s === 'completed' || s === 'failed');
    // What an unsettled command shows: its status comment's state word and its runs' statuses at codecloud.
    const state =
      status.map((body) => /\*\*([A-Z][a-z]+[^*]*)\*\*/.exec(body)?.[1] ?? '?').join('+') || 'no comment';
    return {
      settled,
      doubled: runs.length > 1 || status.length > 1,
      state: `${state} / ${runs.join('+') || 'no run'}`,
    };
  });
}

/** Commands not settled yet, from the fake GitHub's comments alone (cheap enough to count every minute). */
function openCommands(cluster: Cluster, commands: readonly Command[]): number {
  const final = new Set<string>();
  for (const comment of cluster.github.state().comments.values()) {
    if (comment.user === BOT && FINAL.test(comment.body)) final.add(`${comment.repo}#${comment.number}`);
  }
  return commands.filter((c) => !final.has(`${c.repo}#${c.issue}`)).length;
}

/** Least-squares slope of (minutes, MB) points, MB per minute. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

async function soak(engine: string, databaseUrl: string | undefined, replicas: number): Promise<boolean> {
  console.log(
    `\n### ${engine}: ${replicas} replica(s), ${RATE} commands/s over ${INSTALLATIONS} installations for ${MINUTES} min, ` +
      `then ${SETTLE_MINUTES} min to settle; creates ${CREATE_MS / 1000} s, runs ${RUNNING_MS / 1000} s, ` +
      `${DROPPED * 100} % of completion webhooks dropped`,
  );
  const cluster = await startCluster({
    replicas,
    ...(databaseUrl ? { databaseUrl } : {}),
    appArgs: COMPILED_APP,
    sim: {
      timeFactor: 1,
      progressWebhooks: false,
      planLimits: { pro: 1_000_000 },
      defaultScript: { queuedMs: 0, runningMs: RUNNING_MS },
    },
    env: { ...COMPILED_APP_ENV, NODE_OPTIONS: `--import ${HEAP_REPORTER}` },
    webhooksFromThread: true,
  });
  try {
    const { sim, gh, github } = cluster;
    await sim.control.addFault({ route: 'POST /api/v1/agents', latencyMs: CREATE_MS });
    for (const event of ['agent.completed', 'agent.failed'] as const) {
      await sim.control.addWebhookFault({ event, action: 'drop', rate: DROPPED });
    }
    const repos: string[] = [];
    for (let i = 0; i < INSTALLATIONS; i += 1) repos.push((await freshRepo(gh)).repo);

    const commands: Command[] = [];
    const total = Math.round(MINUTES * 60 * RATE);
    const samples: Sample[] = [];
    const firstDelivery = github.state().deliveries.length;
    const t0 = Date.now();
    const end = t0 + (MINUTES + SETTLE_MINUTES) * 60_000;
    const sending = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i += 1) {
        await sleep(t0 + (i * 1000) / RATE - Date.now());
        const command: Command = {
          token: `[soak-${String(i).padStart(6, '0')}]`,
          repo: repos[i % repos.length] ?? '',
        };
        commands.push(command);
        inFlight.push(
          (async () => {
            const issue = await gh.openIssue({
              repo: command.repo,
              title: `Bug ${command.token}`,
              body: 'b',
              user: 'alice',
              async: true,
            });
            command.issue = issue.number;
            await gh.comment({
              repo: command.repo,
              number: issue.number,
              user: 'alice',
              body: `/codecloud fix ${command.token}`,
              async: true,
            });
          })(),
        );
      }
      await Promise.all(inFlight);
    })();
    const sampling = (async () => {
      while (Date.now() < end) {
        await sleep(SAMPLE_MS - ((Date.now() - t0) % SAMPLE_MS));
        samples.push({
          at: Date.now() - t0,
          rss: cluster.replicas.map((r) => rssMb(r.app?.child.pid)),
          heap: heapOf(cluster),
        });
      }
    })();

    console.log(
      'minute  commands  acks   ack p50  ack p99  app p99  bench lag   RSS MB     heap MB    store MB  open jobs  open commands',
    );
    const rows: Array<{ p99: number; appP99: number }> = [];
    let ackBuckets = await appAckBuckets(cluster);
    // The bench's own event-loop delay (the fake GitHub times the acks from inside this process).
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    for (let minute = 1; minute <= MINUTES + SETTLE_MINUTES; minute += 1) {
      await sleep(t0 + minute * 60_000 - Date.now());
      const from = t0 + (minute - 1) * 60_000;
      const acks = github
        .state()
        .deliveries.slice(firstDelivery)
        .filter((d) => d.ms !== undefined && Date.parse(d.at) >= from && Date.parse(d.at) < from + 60_000)
        .map((d) => d.ms as number);
      const sent = commands.filter(
        (_, i) => i * (1000 / RATE) >= (minute - 1) * 60_000 && i * (1000 / RATE) < minute * 60_000,
      ).length;
      const last = samples.at(-1);
      const store = await storeFigures(cluster, databaseUrl);
      const p99 = pct(acks, 99);
      // The app's own measure (its histogram's bucket bound): the sender's figure includes the bench process's delays.
      const nowBuckets = await appAckBuckets(cluster);
      const appP99 = bucketP99(nowBuckets, ackBuckets);
      ackBuckets = nowBuckets;
      const benchLag = lag.percentile(99) / 1e6;
      lag.reset();
      rows.push({ p99, appP99 });
      console.log(
        `${String(minute).padStart(6)}  ${String(sent).padStart(8)}  ${String(acks.length).padStart(5)}  ` +
          `${pct(acks, 50).toFixed(0).padStart(5)} ms  ${p99.toFixed(0).padStart(5)} ms  ` +
          `${appP99.toFixed(0).padStart(5)} ms  ${benchLag.toFixed(0).padStart(6)} ms  ` +
          `${(last?.rss.join('/') ?? '?').padStart(9)}  ${(last?.heap.map(mb).join('/') ?? '?').padStart(9)}  ` +
          `${mb(store.bytes).padStart(8)}  ${store.jobs.padStart(9)}  ${String(openCommands(cluster, commands)).padStart(13)}`,
      );
    }
    lag.disable();
    await Promise.all([sending, sampling]);

    const results = await outcomes(cluster, commands);
    const lost = results.filter((r) => !r.settled).length;
    const doubled = results.filter((r) => r.doubled).length;
    /** RSS growth per replica over the 5 minutes (or fewer) before `until` (ms after t0). */
    const growthBefore = (until: number) => {
      const window = Math.min(5 * 60_000, until);
      const inWindow = samples.filter((s) => s.at > until - window && s.at <= until);
      return cluster.replicas.map((_, index) => {
        const points = inWindow.map((s): [number, number] => [s.at / 60_000, s.rss[index] ?? Number.NaN]);
        const perMinute = slope(points);
        const mean = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
        return { perMinute, percent: (perMinute * (window / 60_000) * 100) / mean };
      });
    };
    const describe = (growth: ReturnType<typeof growthBefore>) =>
      growth.map((g) => `${g.perMinute.toFixed(2)} MB/min (${g.percent.toFixed(1)} %)`).join(', ');
    const growth = growthBefore(end - t0);
    // The settle minutes are idle, and the heap shrinks then: the minutes under load say more about a leak.
    const steadyGrowth = growthBefore(MINUTES * 60_000);
    const firstAppP99 = rows[0]?.appP99 ?? Number.NaN;
    const lastAppP99 = rows[MINUTES - 1]?.appP99 ?? Number.NaN;
    console.log(
      `app-side ack p99 (its histogram, interpolated): first minute ${firstAppP99.toFixed(0)} ms, ` +
        `last minute of commands ${lastAppP99.toFixed(0)} ms (${(lastAppP99 / firstAppP99).toFixed(2)}×)`,
    );
    const firstP99 = rows[0]?.p99 ?? Number.NaN;
    const lastSteadyP99 = rows[MINUTES - 1]?.p99 ?? Number.NaN;
    console.log(`commands ${commands.length} · lost ${lost} · doubled ${doubled}`);
    if (lost > 0) {
      const states = new Map<string, number>();
      for (const r of results.filter((result) => !result.settled))
        states.set(r.state, (states.get(r.state) ?? 0) + 1);
      console.log(
        `not settled (comment / codecloud): ${[...states].map(([k, n]) => `${k} ×${n}`).join(' · ')}`,
      );
    }
    console.log(`RSS slope over the last 5 min: ${describe(growth)}`);
    console.log(`RSS slope over the last 5 min of commands: ${describe(steadyGrowth)}`);
    console.log(
      `ack p99: first minute ${firstP99.toFixed(0)} ms, last minute of commands ${lastSteadyP99.toFixed(0)} ms ` +
        `(${(lastSteadyP99 / firstP99).toFixed(2)}×)`,
    );
    const ok =
      lost === 0 &&
      doubled === 0 &&
      lastSteadyP99 <= 1.5 * firstP99 &&
      [...growth, ...steadyGrowth].every((g) => g.percent <= 5);
    console.log(ok ? 'bars met' : 'BAR NOT MET');
    const violations = github.state().violations;
    if (violations.length > 0)
      console.log(`${violations.length} OpenAPI violations, first: ${JSON.stringify(violations[0])}`);
    return ok;
  } finally {
    await cluster.close();
  }
}

/** The statements that took PostgreSQL the most time over the soak (total, calls, mean), first line of each. */
async function printTopStatements(url: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ total: number; calls: string; mean: number; query: string }>(
      `SELECT total_exec_time AS total, calls, mean_exec_time AS mean, query FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time DESC LIMIT $1`,
      [count],
    );
    console.log(`\nthe ${count} statements that took PostgreSQL the most time:`);
    console.log('  total s     calls   mean ms  statement');
    for (const row of rows) {
      const text = row.query.replace(/\s+/g, ' ').slice(0, 150);
      console.log(
        `${(row.total / 1000).toFixed(1).padStart(9)}  ${row.calls.padStart(8)}  ${row.mean.toFixed(2).padStart(8)}  ${text}`,
      );
    }
  } finally {
    await client.end();
  }
}

ensureBuilt();
let allOk = true;
for (const engine of (flags.engines ?? '').split(',')) {
  if (engine === 'sqlite') {
    allOk = (await soak('SQLite (embedded)', undefined, Number(flags.replicas ?? 1))) && allOk;
  } else if (engine === 'postgres') {
    const password = randomBytes(8).toString('hex');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = await startPostgres({
      port,
      user: 'postgres',
      password,
      settings: {
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        max_connections: '300',
        ...(TOP_STATEMENTS > 0 ? { shared_preload_libraries: 'pg_stat_statements' } : {}),
      },
    });
    try {
      const admin = new pg.Client({
        connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      });
      await admin.connect();
      await admin.query('CREATE DATABASE soak');
      await admin.end();
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/soak`;
      if (TOP_STATEMENTS > 0) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('CREATE EXTENSION pg_stat_statements');
        await client.end();
      }
      allOk = (await soak('PostgreSQL', url, Number(flags.replicas ?? 2))) && allOk;
      if (TOP_STATEMENTS > 0) await printTopStatements(url, TOP_STATEMENTS);
    } finally {
      await server.stop();
    }
  } else {
    throw new Error(`--engines: unknown engine ${engine} (sqlite, postgres)`);
  }
}
process.exit(allOk ? 0 : 1);

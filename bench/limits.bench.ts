// What checking the limits costs as the store grows: 40 `/codecloud` commands at once (limits on, so each is
// charged against the repository's and the person's day counters and the month's tokens) to an app with an empty
// store, then to the same app after 1,000,000 finished runs, their charges, token rows and a month of day counters
// were written into its store with SQL. Prints the webhook ack p99 and the app's main-thread CPU per command (webhook
// to posted status comment, charge included), side by side. Real app process (compiled, embedded SQLite store),
// fake GitHub and simulator on 127.0.0.1. Three bursts per store size; the median is printed with each burst's figure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { freshRepo, type Harness, startHarness, WEBHOOK_SECRET } from '../test/e2e/app/app-harness.js';
import { signWebhook } from '../test/fake-github/fake-github.js';
import { PLAN_LIMITS } from '../test/sim/sim-state.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct } from './compiled-app.js';
import { type BurstRequest, sendAtOnce } from './send-at-once.js';

const REPOS = 4;
const PER_REPO = 10;
const TOTAL = REPOS * PER_REPO;
const BURSTS = 3;
const RECORDED_RUNS = Number(process.env.BENCH_LIMITS_RUNS ?? 1_000_000);
const BOT = 'codecloud[bot]';
const CONFIG = [
  'max_concurrent_runs: 100',
  'limits:',
  '  runs_per_day: 1000000',
  '  runs_per_user_per_day: 1000000',
  '  tokens_per_month: 1000000000000',
  '  tokens_per_run: 100000000',
  '',
].join('\n');

/** CPU time (ms) of the process's main thread, where JavaScript runs, from /proc (nanoseconds). */
const mainThreadCpuMs = (pid: number | undefined): number =>
  pid === undefined ? Number.NaN : Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

PLAN_LIMITS.pro = 10_000;

/** Issues with `/codecloud` comments recorded but not delivered yet; their deliveries, signed. */
async function prepareBurst(h: Harness): Promise<{ requests: BurstRequest[]; repos: Set<string> }> {
  const threads: Array<{ repo: string; number: number }> = [];
  for (let r = 0; r < REPOS; r++) {
    const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': CONFIG });
    for (let n = 0; n < PER_REPO; n++) {
      const issue = await h.gh.openIssue({ repo, title: `Bug ${n}`, body: '', user: 'alice' });
      threads.push({ repo, number: issue.number });
    }
  }
  await sleep(1_500); // the issue-opened deliveries settle
  await h.gh.setWebhook({ url: '' });
  const first = h.github.state().deliveries.length;
  for (const thread of threads) await h.gh.comment({ ...thread, user: 'alice', body: '/codecloud fix it' });
  const deliveries = h.github.state().deliveries.slice(first);
  await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
  return {
    requests: deliveries.map((delivery) => ({
      headers: {
        'content-type': 'application/json',
        'x-github-event': delivery.event,
        'x-github-delivery': delivery.id,
        'x-hub-signature-256': signWebhook(WEBHOOK_SECRET, delivery.payload).sha256,
      },
      body: delivery.payload,
    })),
    repos: new Set(threads.map((t) => t.repo)),
  };
}

interface Burst {
  p99: number;
  cpuPerCommand: number;
  lastComment: number;
}

async function burst(h: Harness): Promise<Burst> {
  const { requests, repos } = await prepareBurst(h);
  const pid = h.app.child.pid;
  const before = mainThreadCpuMs(pid);
  const sentAt = performance.now();
  const acks = await sendAtOnce(`${h.app.url}/api/github/webhooks`, requests);
  let lastComment = Number.NaN;
  while (performance.now() - sentAt < 120_000) {
    const posted = [...h.github.state().comments.values()].filter(
      (c) => c.user === BOT && repos.has(c.repo),
    ).length;
    if (posted >= TOTAL) {
      lastComment = (performance.now() - sentAt) / 1000;
      break;
    }
    await sleep(50);
  }
  // The creates follow the comments: every command's run is created.
  let created = 0;
  while (performance.now() - sentAt < 120_000) {
    created = (await h.sim.control.runs()).filter((run) => repos.has(run.repo ?? '')).length;
    if (created >= TOTAL) break;
    await sleep(100);
  }
  await sleep(500);
  const cpu = mainThreadCpuMs(pid) - before;
  if (created !== TOTAL) throw new Error(`expected ${TOTAL} runs, got ${created}`);
  return { p99: pct(acks, 99), cpuPerCommand: cpu / TOTAL, lastComment };
}

/** Writes `RECORDED_RUNS` finished runs, their charges and token rows, and a month of day counters, with SQL. */
function recordHistory(dataDir: string): number {
  const started = performance.now();
  const db = new DatabaseSync(join(dataDir, 'codecloud.sqlite'));
  const now = Date.now();
  const day = (i: number) => `date(${Math.floor(now / 1000)} - (${i} % 30) * 86400, 'unixepoch')`;
  db.exec('BEGIN');
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${RECORDED_RUNS})
    INSERT INTO runs (id, backend, remote_run_id, installation_id, owner, repo, thread_key, number, target_kind,
      trigger_comment_id, trigger_kind, requested_by, mode, prompt, status, result, final_comment_posted,
      created_at, updated_at, finished_at)
    SELECT 'bulk-' || i, 'codecloud', 'bulk-remote-' || i, 1 + i % 500, 'bulk', 'repo-' || (i % 2000),
      'bulk/repo-' || (i % 2000) || '#' || i, i, 'issue', 10000000 + i, 'issue_comment', 'user-' || (i % 5000),
      'execute', 'Fix the flaky test', 'completed', '{"inputTokens":1000,"outputTokens":200}', 1,
      ${now} - i * 2000, ${now} - i * 2000, ${now} - i * 2000
    FROM n`);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${RECORDED_RUNS})
    INSERT INTO usage_charges (charge_key, repo_key, user_key, period, created_at)
    SELECT 'command:issue_comment:' || (10000000 + i), 'bulk/repo-' || (i % 2000), (1 + i % 500) || ':user-' || (i % 5000),
      ${day(0)}, ${now} FROM n`);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${RECORDED_RUNS})
    INSERT INTO run_tokens (run_id, tokens) SELECT 'bulk-' || i, 1200 FROM n`);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2000 * 30 - 1)
    INSERT INTO usage_counters (scope, key, period, count)
    SELECT 'repo-runs', 'bulk/repo-' || (i / 30), date(${Math.floor(now / 1000)} - (i % 30 + 1) * 86400, 'unixepoch'), 17 FROM n`);
  db.exec('COMMIT');
  const runs = Number((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n);
  db.close();
  console.log(
    `  wrote ${runs.toLocaleString('en-US')} runs and their rows in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return runs;
}

ensureBuilt();
const h = await startHarness({
  appArgs: COMPILED_APP,
  sim: { timeFactor: 1, progressWebhooks: false, defaultScript: { runningMs: 3_600_000 } },
  env: { ...COMPILED_APP_ENV, RECONCILE_INTERVAL_SECONDS: '600' },
});
const empty: Burst[] = [];
const full: Burst[] = [];
let recorded = 0;
try {
  for (let i = 0; i < BURSTS; i++) empty.push(await burst(h));
  await h.app.stop();
  recorded = recordHistory(h.env.DATA_DIR ?? '');
  await h.restart();
  await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
  await sleep(3_000); // start-up sweep
  for (let i = 0; i < BURSTS; i++) full.push(await burst(h));
} finally {
  await h.close();
}

const median = (bursts: Burst[], pick: (b: Burst) => number) => pct(bursts.map(pick), 50);
const each = (bursts: Burst[], pick: (b: Burst) => number, digits = 0) =>
  bursts.map((b) => pick(b).toFixed(digits)).join(', ');
const label = (text: string) => text.padEnd(40);
const column = (text: string) => text.padEnd(34);
console.log(
  `${TOTAL} /codecloud commands at once over ${REPOS} repositories with limits on; ${BURSTS} bursts per store, median (each)`,
);
console.log(`${label('')}${column('empty store')}${recorded.toLocaleString('en-US')} runs recorded`);
console.log(
  `${label('webhook ack p99')}${column(`${median(empty, (b) => b.p99).toFixed(0)} ms (${each(empty, (b) => b.p99)})`)}` +
    `${median(full, (b) => b.p99).toFixed(0)} ms (${each(full, (b) => b.p99)})`,
);
console.log(
  `${label('main-thread CPU per command')}${column(`${median(empty, (b) => b.cpuPerCommand).toFixed(2)} ms (${each(empty, (b) => b.cpuPerCommand, 2)})`)}` +
    `${median(full, (b) => b.cpuPerCommand).toFixed(2)} ms (${each(full, (b) => b.cpuPerCommand, 2)})`,
);
console.log(
  `${label('burst → last status comment')}${column(`${median(empty, (b) => b.lastComment).toFixed(1)} s (${each(empty, (b) => b.lastComment, 1)})`)}` +
    `${median(full, (b) => b.lastComment).toFixed(1)} s (${each(full, (b) => b.lastComment, 1)})`,
);

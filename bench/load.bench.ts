// A burst: 100 `/codecloud` comments over 20 installations at once, while codecloud takes 5 s to create a run.
// Prints the webhook acks (p50/p99), and how long after the burst the last status comment was posted and the last
// run created. Real app process (compiled), fake GitHub and simulator on 127.0.0.1.
//
// After the first burst, the app's `GET /metrics` families that show it are printed (deliveries, the ack histogram,
// jobs, job attempts, runs by status, API requests).
//
// The acks are timed on several bursts, each sent to a freshly started app (LOAD_BURSTS, default 5), and the median
// burst is printed with every burst's p99: on a small shared machine one burst alone varies by half. Each burst goes
// first to a bare `node:http` server (`bare-webhook-server.ts`), timed while the app is idle: the floor Node's HTTP
// and the machine set.

import { readFileSync } from 'node:fs';
import { freshRepo, type Harness, startHarness, WEBHOOK_SECRET } from '../test/e2e/app/app-harness.js';
import { signWebhook } from '../test/fake-github/fake-github.js';
import { PLAN_LIMITS } from '../test/sim/sim-state.js';
import { startBareWebhookServer } from './bare-webhook-server.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct } from './compiled-app.js';
import { type BurstRequest, sendAtOnce } from './send-at-once.js';

const INSTALLATIONS = 20;
const PER_INSTALLATION = 5;
const TOTAL = INSTALLATIONS * PER_INSTALLATION;
const CREATE_MS = 5_000;
const TIMEOUT_MS = 120_000;
const BURSTS = Math.max(1, Number(process.env.LOAD_BURSTS ?? 5));
const BOT = 'codecloud[bot]';

/** CPU time (user + system, ms) the process has used, from /proc (10 ms resolution): less noisy than wall time on a shared machine. */
const cpuMs = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

/** CPU time (ms) of the process's main thread, where JavaScript runs, from /proc (nanoseconds): for small differences. */
const mainThreadCpuMs = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
};

// The bench's codecloud account may run every run at once: what is measured is the app, not the plan's limit.
PLAN_LIMITS.pro = 10_000;

const startApp = (): Promise<Harness> =>
  startHarness({
    appArgs: COMPILED_APP,
    // Runs stay `running` for the whole bench (no completions competing with the burst); no progress webhooks.
    sim: { timeFactor: 1, progressWebhooks: false, defaultScript: { runningMs: 3_600_000 } },
    env: {
      ...COMPILED_APP_ENV,
      RECONCILE_INTERVAL_SECONDS: '600',
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
    },
  });

/**
 * 20 installations, 5 issues each (one active run per thread); the comments are recorded without delivery, and
 * their deliveries returned, installations interleaved as a burst from many users would arrive.
 */
async function prepareBurst(h: Harness): Promise<{ requests: BurstRequest[]; repos: Set<string> }> {
  await h.sim.control.addFault({ route: 'POST /api/v1/agents', latencyMs: CREATE_MS });
  const threads: Array<{ repo: string; number: number }> = [];
  for (let i = 0; i < INSTALLATIONS; i++) {
    const { repo } = await freshRepo(h.gh);
    for (let n = 0; n < PER_INSTALLATION; n++) {
      const issue = await h.gh.openIssue({ repo, title: `Bug ${n}`, body: '', user: 'alice' });
      threads.push({ repo, number: issue.number });
    }
  }
  await h.gh.setWebhook({ url: '' });
  const firstDelivery = h.github.state().deliveries.length;
  for (let n = 0; n < PER_INSTALLATION; n++) {
    for (let i = 0; i < INSTALLATIONS; i++) {
      const thread = threads[i * PER_INSTALLATION + n];
      if (thread) await h.gh.comment({ ...thread, user: 'alice', body: `/codecloud fix bug ${n}` });
    }
  }
  const deliveries = h.github.state().deliveries.slice(firstDelivery);
  await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks` });
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the issue-opened deliveries settle
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

interface BurstFigures {
  /** When the burst was sent to the app (`performance.now()`). */
  sentAt: number;
  p50: number;
  p99: number;
  cpu: number;
  mainThread: number;
  floorP50: number;
  floorP99: number;
}

/**
 * Sends the burst to the bare server (warmed by one burst first), then to the app: the floor is timed while the app
 * is idle, before the burst's jobs take the CPU.
 */
async function timeBurst(h: Harness, requests: BurstRequest[]): Promise<BurstFigures> {
  const bare = await startBareWebhookServer(WEBHOOK_SECRET);
  let floor: number[];
  try {
    await sendAtOnce(bare.url, requests);
    floor = await sendAtOnce(bare.url, requests);
  } finally {
    bare.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const pid = h.app.child.pid;
  const cpuBefore = cpuMs(pid);
  const mainThreadBefore = mainThreadCpuMs(pid);
  const sentAt = performance.now();
  const acks = await sendAtOnce(`${h.app.url}/api/github/webhooks`, requests);
  const cpu = cpuMs(pid) - cpuBefore;
  const mainThread = mainThreadCpuMs(pid) - mainThreadBefore;
  return {
    sentAt,
    p50: pct(acks, 50),
    p99: pct(acks, 99),
    cpu,
    mainThread,
    floorP50: pct(floor, 50),
    floorP99: pct(floor, 99),
  };
}

/** The families of `GET /metrics` that show a burst, once the store's figures (read every 10 s) show its runs. */
async function metricsAfterBurst(h: Harness): Promise<string> {
  const families =
    /^codecloud_(webhook_deliveries_total|webhook_ack_seconds_(count|sum)|jobs|job_attempts_total|runs|api_requests_total|github_requests_total)[{ ]/;
  let lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const text = await (await fetch(`${h.app.url}/metrics`)).text();
    lines = text.split('\n').filter((line) => families.test(line) && !line.endsWith(' 0'));
    if (lines.some((line) => line.startsWith('codecloud_runs{'))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return lines.join('\n');
}

ensureBuilt();
const bursts: BurstFigures[] = [];
let burstMetrics = '';
let lastComment = Number.NaN;
let lastRun = Number.NaN;
let comments = 0;
let runs = 0;
// The first burst is followed until every status comment is posted and every run created.
{
  const h = await startApp();
  try {
    const { requests, repos } = await prepareBurst(h);
    const first = await timeBurst(h, requests);
    bursts.push(first);
    const started = first.sentAt;
    while (performance.now() - started < TIMEOUT_MS) {
      const state = h.github.state();
      comments = [...state.comments.values()].filter((c) => c.user === BOT && repos.has(c.repo)).length;
      runs = (await h.sim.control.runs()).filter((run) => repos.has(run.repo ?? '')).length;
      const at = (performance.now() - started) / 1000;
      if (comments >= TOTAL && Number.isNaN(lastComment)) lastComment = at;
      if (runs >= TOTAL && Number.isNaN(lastRun)) lastRun = at;
      if (!Number.isNaN(lastComment) && !Number.isNaN(lastRun)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    burstMetrics = await metricsAfterBurst(h);
    const violations = h.github.state().violations;
    if (violations.length > 0)
      throw new Error(`OpenAPI violations: ${JSON.stringify(violations.slice(0, 3))}`);
  } finally {
    await h.close();
  }
}
for (let i = 1; i < BURSTS; i++) {
  const h = await startApp();
  try {
    bursts.push(await timeBurst(h, (await prepareBurst(h)).requests));
  } finally {
    await h.close();
  }
}

const median = (pick: (b: BurstFigures) => number): number => pct(bursts.map(pick), 50);
const each = (pick: (b: BurstFigures) => number): string => bursts.map((b) => pick(b).toFixed(0)).join(', ');
const seconds = (value: number, count: number) =>
  Number.isNaN(value) ? `not reached in ${TIMEOUT_MS / 1000} s (${count}/${TOTAL})` : `${value.toFixed(1)} s`;
const label = (text: string) => text.padEnd(44);
console.log(
  `${TOTAL} /codecloud comments over ${INSTALLATIONS} installations at once, creates taking ${CREATE_MS / 1000} s; ` +
    `${bursts.length} burst(s), each to a freshly started app, the median printed`,
);
console.log(
  `${label('webhook ack')} p50 ${median((b) => b.p50).toFixed(0)} ms · p99 ${median((b) => b.p99).toFixed(0)} ms ` +
    `(p99 per burst: ${each((b) => b.p99)} ms)`,
);
console.log(
  `${label('  floor: bare node:http server, same bursts')} p50 ${median((b) => b.floorP50).toFixed(0)} ms · ` +
    `p99 ${median((b) => b.floorP99).toFixed(0)} ms (p99 per burst: ${each((b) => b.floorP99)} ms)`,
);
console.log(
  `${label('  the app beyond the floor, burst by burst')} p99 +${median((b) => b.p99 - b.floorP99).toFixed(0)} ms ` +
    `(per burst: ${each((b) => b.p99 - b.floorP99)} ms)`,
);
const cpu = median((b) => b.cpu);
const mainThread = median((b) => b.mainThread);
console.log(
  `${label('app CPU until the last ack')} ${cpu.toFixed(0)} ms (${(cpu / TOTAL).toFixed(2)} ms per delivery)`,
);
console.log(
  `${label('  of which its main thread')} ${mainThread.toFixed(1)} ms (${(mainThread / TOTAL).toFixed(2)} ms per delivery)`,
);
console.log(`${label('burst → last status comment posted')} ${seconds(lastComment, comments)}`);
console.log(`${label('burst → last run created')} ${seconds(lastRun, runs)}`);
console.log(
  `\nGET /metrics after the first burst (non-zero samples of the families that show it):\n${burstMetrics}`,
);

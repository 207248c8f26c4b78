// A burst: 100 `/codecloud` comments over 20 installations at once, while codecloud takes 5 s to create a run.
// Prints the webhook acks (p50/p99), and how long after the burst the last status comment was posted and the last
// run created. Real app process (compiled), fake GitHub and simulator on 127.0.0.1.

import { readFileSync } from 'node:fs';
import { freshRepo, startHarness, WEBHOOK_SECRET } from '../test/e2e/app/app-harness.js';
import { signWebhook } from '../test/fake-github/fake-github.js';
import { PLAN_LIMITS } from '../test/sim/sim-state.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct } from './compiled-app.js';
import { sendAtOnce } from './send-at-once.js';

const INSTALLATIONS = 20;
const PER_INSTALLATION = 5;
const TOTAL = INSTALLATIONS * PER_INSTALLATION;
const CREATE_MS = 5_000;
const TIMEOUT_MS = 120_000;
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

ensureBuilt();
const h = await startHarness({
  appArgs: COMPILED_APP,
  // Runs stay `running` for the whole bench (no completions competing with the burst); no progress webhooks.
  sim: { timeFactor: 1, progressWebhooks: false, defaultScript: { runningMs: 3_600_000 } },
  env: {
    ...COMPILED_APP_ENV,
    RECONCILE_INTERVAL_SECONDS: '600',
    ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
  },
});
try {
  await h.sim.control.addFault({ route: 'POST /api/v1/agents', latencyMs: CREATE_MS });
  // 20 installations, 5 issues each (one active run per thread); the comments are recorded without delivery, then
  // their deliveries are sent all at once below.
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
  // Installations interleaved, as a burst from many users would arrive.
  for (let n = 0; n < PER_INSTALLATION; n++) {
    for (let i = 0; i < INSTALLATIONS; i++) {
      const thread = threads[i * PER_INSTALLATION + n];
      if (thread) await h.gh.comment({ ...thread, user: 'alice', body: `/codecloud fix bug ${n}` });
    }
  }
  const deliveries = h.github.state().deliveries.slice(firstDelivery);
  await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks` });
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the issue-opened deliveries settle

  const cpuBefore = cpuMs(h.app.child.pid);
  const mainThreadBefore = mainThreadCpuMs(h.app.child.pid);
  const started = performance.now();
  const acks = await sendAtOnce(
    `${h.app.url}/api/github/webhooks`,
    deliveries.map((delivery) => ({
      headers: {
        'content-type': 'application/json',
        'x-github-event': delivery.event,
        'x-github-delivery': delivery.id,
        'x-hub-signature-256': signWebhook(WEBHOOK_SECRET, delivery.payload).sha256,
      },
      body: delivery.payload,
    })),
  );
  const burstSent = performance.now() - started;
  const burstCpu = cpuMs(h.app.child.pid) - cpuBefore;
  const burstMainThread = mainThreadCpuMs(h.app.child.pid) - mainThreadBefore;

  const repos = new Set(threads.map((t) => t.repo));
  let lastComment = Number.NaN;
  let lastRun = Number.NaN;
  let comments = 0;
  let runs = 0;
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
  const seconds = (value: number, count: number) =>
    Number.isNaN(value)
      ? `not reached in ${TIMEOUT_MS / 1000} s (${count}/${TOTAL})`
      : `${value.toFixed(1)} s`;
  console.log(
    `${TOTAL} /codecloud comments over ${INSTALLATIONS} installations at once, creates taking ${CREATE_MS / 1000} s`,
  );
  console.log(
    `${'webhook ack'.padEnd(40)} p50 ${pct(acks, 50).toFixed(0)} ms · p99 ${pct(acks, 99).toFixed(0)} ms · burst sent in ${burstSent.toFixed(0)} ms`,
  );
  console.log(
    `${'app CPU until the last ack'.padEnd(40)} ${burstCpu.toFixed(0)} ms (${(burstCpu / TOTAL).toFixed(2)} ms per delivery)`,
  );
  console.log(
    `${'  of which its main thread'.padEnd(40)} ${burstMainThread.toFixed(1)} ms (${(burstMainThread / TOTAL).toFixed(2)} ms per delivery)`,
  );
  console.log(`${'burst → last status comment posted'.padEnd(40)} ${seconds(lastComment, comments)}`);
  console.log(`${'burst → last run created'.padEnd(40)} ${seconds(lastRun, runs)}`);
  const violations = h.github.state().violations;
  if (violations.length > 0) throw new Error(`OpenAPI violations: ${JSON.stringify(violations.slice(0, 3))}`);
} finally {
  await h.close();
}

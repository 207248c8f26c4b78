// The App's speed and cost, run as production runs it (compiled, `node build/app/main.js`): ready time (process
// start → /healthz 200 on an empty DATA_DIR), memory idle and with 1,000 runs waiting for a slot, first feedback
// (webhook sent → 👀, → status comment), GitHub requests per simple run, per autofix attempt (a failed check suite's
// delivery → follow-up sent and status comment posted) and per run on a pull request with its `codecloud` check run
// (`autofix-requests.ts`). Real app process, fake GitHub and
// simulator on 127.0.0.1. Also the requests and CPU per installation-token refresh (`token-refresh.ts`);
// `BENCH_APP_PART=token` measures only that.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.js';
import { freshRepo, startHarness } from '../test/e2e/app/app-harness.js';
import { measureAutofixRequests } from './autofix-requests.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct, rssMb } from './compiled-app.js';
import { measureTokenRefresh } from './token-refresh.js';

const RUNS = Number(process.env.BENCH_APP_RUNS ?? 8);
const STARTS = 3;
const AUTOFIX_RUNS = 3;
const WAITING_RUNS = 1_000;
const BOT = 'codecloud[bot]';

const ms = (iso: string): number => Date.parse(iso);
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));
const row = (name: string, text: string) => console.log(`${name.padEnd(48)} ${text}`);
const stats = (values: number[], unit: string) =>
  `median ${pct(values, 50)} ${unit} · p95 ${pct(values, 95)} ${unit} · max ${Math.max(...values)} ${unit}`;

ensureBuilt();
const h = await startHarness({ sim: { timeFactor: 50 }, appArgs: COMPILED_APP, env: COMPILED_APP_ENV });
try {
  const tokens = await measureTokenRefresh(h);
  row(
    'installation-token refresh (repo token, installation look-up)',
    `${tokens.requestsPerRefresh} GitHub requests · ${tokens.cpuMsPerRefresh} ms CPU each (${tokens.refreshes} refreshes)`,
  );
  if (process.env.BENCH_APP_PART === 'token') {
    await h.close();
    process.exit(0);
  }
  /** Starts the app `STARTS` times, each on an empty DATA_DIR; returns the ready times and the RSS after 5 s idle. */
  const startUp = async (): Promise<{ ready: number[]; rss: number }> => {
    const ready: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      await h.app.stop();
      h.env.DATA_DIR = await mkdtemp(join(tmpdir(), 'codecloud-bench-app-'));
      const started = performance.now();
      const app = await h.restart();
      for (;;) {
        const response = await fetch(`${app.url}/healthz`).catch(() => undefined);
        if (response?.status === 200) break;
        await sleep(5);
      }
      ready.push(Math.round(performance.now() - started));
    }
    await sleep(5_000);
    return { ready, rss: rssMb(h.app.child.pid) };
  };
  /** Restarts the app with 1,000 runs waiting for a slot (the installation's plan limit holds them back). */
  const withWaitingRuns = async (where: { dataDir: string; databaseUrl?: string }): Promise<number> => {
    await h.app.stop();
    const store = await openStore(where);
    await store.migrate();
    const prompt = `Fix the flaky test.\n\n${'> quoted issue text and earlier comments\n'.repeat(70)}`;
    const installationId = 4242 + Math.floor(Math.random() * 1_000_000);
    for (let i = 0; i < WAITING_RUNS; i++) {
      await store.createRun({
        backend: 'codecloud',
        installationId,
        owner: 'acme',
        repo: `waiting-${installationId}`,
        threadKey: `acme/waiting-${installationId}#${i + 1}`,
        number: i + 1,
        targetKind: 'issue',
        triggerCommentId: 9_000_000 + i,
        triggerKind: 'issue_comment',
        requestedBy: 'alice',
        mode: 'execute',
        prompt,
        options: {
          branch: 'main',
          autoCreatePr: true,
          maxConcurrentRuns: 5,
          timeoutMinutes: 60,
          progress: true,
        },
        statusCommentId: 8_000_000 + i,
      });
    }
    await store.setInstallationNotBefore(installationId, Date.now() + 60 * 60_000);
    await store.close();
    await h.restart();
    await sleep(8_000); // start-up sweep and a few reconciler passes over the waiting runs
    return rssMb(h.app.child.pid);
  };
  const embedded = await startUp();
  const ready = embedded.ready;
  const rssIdle = embedded.rss;

  // ---- simple runs: issue opened (its job learns the token and reads the config), then `/codecloud fix this`
  const eyes: number[] = [];
  const status: number[] = [];
  const requests: number[] = [];
  let listed: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: `Bug ${i}`, body: 'It breaks', user: 'alice' });
    await h.gh.waitFor((s) => s.requests.some((r) => r.path.startsWith(`/repos/${repo}/contents/`)), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    await sleep(500); // the organisation's `.github` fallback read
    const before = (await h.gh.state()).requests.length;
    const { deliveryId } = await h.gh.comment({
      repo,
      number: issue.number,
      user: 'alice',
      body: '/codecloud fix this',
    });
    const state = await h.gh.waitFor(
      (s) =>
        s.comments.some((c) => c.repo === repo && c.user === BOT && c.body.includes('Completed')) &&
        s.reactions.some((r) => r.repo === repo && r.content === 'rocket')
          ? s
          : undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    const sent = state.deliveries.find((d) => d.id === deliveryId)?.at ?? '';
    const mine = state.requests.slice(before);
    const reaction = mine.find((r) => r.path.endsWith('/reactions') && r.path.includes(repo));
    const posted = mine.find(
      (r) => r.method === 'POST' && r.path === `/repos/${repo}/issues/${issue.number}/comments`,
    );
    if (reaction) eyes.push(ms(reaction.at) - ms(sent));
    if (posted) status.push(ms(posted.at) - ms(sent));
    requests.push(mine.length);
    listed = mine.map((r) => `${r.method} ${r.path.replace(repo, '{repo}').replace(/\/\d+/g, '/{n}')}`);
    if (state.violations.length > 0)
      throw new Error(`OpenAPI violations: ${JSON.stringify(state.violations)}`);
  }

  // ---- an autofix attempt, and a run on a pull request with its check run
  const autofix = await measureAutofixRequests(h, AUTOFIX_RUNS);

  // ---- memory with 1,000 runs waiting for a slot, embedded store
  const rssWaiting = await withWaitingRuns({ dataDir: h.env.DATA_DIR ?? '' });

  console.log(`compiled app (node build/app/main.js); ${RUNS} simple runs, one installation each`);
  row('ready: process start → /healthz 200 (empty DATA_DIR)', `${stats(ready, 'ms')} (${STARTS} starts)`);
  row('app process RSS, idle', `${rssIdle} MB`);
  row(`app process RSS, ${WAITING_RUNS} runs waiting for a slot`, `${rssWaiting} MB`);
  row('first feedback: webhook sent → 👀 reaction', stats(eyes, 'ms'));
  row('first feedback: webhook sent → status comment', stats(status, 'ms'));
  row('GitHub requests per simple run (token known)', stats(requests, 'requests'));
  console.log(`  one run's requests: ${listed.join(', ')}`);
  row(
    'GitHub requests per autofix attempt (suite → follow-up, comment)',
    `${stats(autofix.attempt.counts, 'requests')} (${AUTOFIX_RUNS} attempts)`,
  );
  console.log(`  one attempt's requests: ${autofix.attempt.listed}`);
  row('GitHub requests per run on a PR with its check run', stats(autofix.pullRun.counts, 'requests'));
  console.log(`  one run's requests: ${autofix.pullRun.listed}`);
} finally {
  await h.close();
}

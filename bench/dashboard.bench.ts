/**
 * `npm run bench -- dashboard`: the dashboard's first page and a run's page with 100,000 runs in the embedded store,
 * served by the compiled app to a signed-in user (through the fake GitHub's OAuth flow) who can read every
 * repository. Prints the first (cold: GitHub is asked for the user's repositories) and the warm times.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SqlStore } from '../src/store/sql-store.js';
import { openSqliteDatabase } from '../src/store/sqlite-database.js';
import { freshRepo, startHarness } from '../test/e2e/app/app-harness.js';
import { FAKE_OAUTH_CLIENT } from '../test/fake-github/fake-github.js';
import { COMPILED_APP, COMPILED_APP_ENV, ensureBuilt, pct } from './compiled-app.js';

const RUNS = 100_000;
const REPOS = 20;
const SAMPLES = 30;

ensureBuilt();
const h = await startHarness({
  appArgs: COMPILED_APP,
  env: {
    ...COMPILED_APP_ENV,
    GITHUB_CLIENT_ID: FAKE_OAUTH_CLIENT.id,
    GITHUB_CLIENT_SECRET: FAKE_OAUTH_CLIENT.secret,
  },
});
try {
  const repos: Awaited<ReturnType<typeof freshRepo>>[] = [];
  for (let i = 0; i < REPOS; i += 1) repos.push(await freshRepo(h.gh));
  await h.app.stop();

  // 100,000 runs over 30 days, most final, with a timeline each, written straight into the stopped app's store.
  const filled = performance.now();
  const db = await openSqliteDatabase(h.dataDir);
  const store = new SqlStore(db);
  await store.migrate();
  const now = Date.now();
  const statuses = ['completed', 'completed', 'completed', 'failed', 'stopped', 'running'] as const;
  const ids: string[] = [];
  for (let batch = 0; batch < RUNS / 10_000; batch += 1) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < 10_000; i += 1) {
        const n = batch * 10_000 + i;
        const repo = repos[n % REPOS]!;
        const id = randomUUID();
        if (n % 1000 === 0) ids.push(id);
        const created = now - (RUNS - n) * 26_000;
        const status = statuses[n % statuses.length]!;
        const final = status !== 'running';
        await tx.query(
          `INSERT INTO runs (id, backend, installation_id, owner, repo, thread_key, number, target_kind,
             trigger_comment_id, trigger_kind, requested_by, mode, prompt, options, status, result, created_at,
             started_at, finished_at, updated_at, status_comment_id)
           VALUES ($1, 'codecloud', $2, $3, $4, $5, $6, 'issue', $7, 'issue_comment', $8, 'execute', $9, '{}', $10,
             $11, $12, $13, $14, $12, $15)`,
          [
            id,
            repo.installationId,
            repo.owner,
            repo.name,
            `${repo.repo}#${n}`,
            n,
            n,
            n % 3 === 0 ? 'alice' : 'bob',
            `fix issue ${n}`,
            status,
            JSON.stringify({ result: 'Done.', inputTokens: 1000 + (n % 500), outputTokens: 200 }),
            created,
            created + 2_000,
            final ? created + 120_000 : null,
            n,
          ],
        );
        for (const [at, step] of [
          [2_000, 'running'],
          [120_000, status],
        ] as const) {
          await tx.query('INSERT INTO run_events (run_id, at, status, detail) VALUES ($1, $2, $3, NULL)', [
            id,
            created + at,
            step,
          ]);
        }
      }
    });
  }
  await db.close();
  console.log(
    `store: ${RUNS.toLocaleString('en-US')} runs (${REPOS} repositories) written in ${Math.round(performance.now() - filled)} ms`,
  );

  const app = await h.restart();
  await h.gh.setOAuthUser('alice');
  const jar: string[] = [];
  const cookieHeader = () => jar.join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const name = pair.split('=')[0];
      const kept = jar.filter((c) => !c.startsWith(`${name}=`));
      jar.length = 0;
      jar.push(...kept, pair);
    }
  };
  const login = await fetch(`${app.url}/dashboard/login`, { redirect: 'manual' });
  remember(login);
  const approved = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(approved.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: cookieHeader() },
  });
  remember(callback);
  if (callback.status !== 302) throw new Error(`sign-in failed: ${callback.status}`);

  const time = async (path: string, expect: string): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${app.url}${path}`, { headers: { cookie: cookieHeader() } });
    const body = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200 || !body.includes(expect)) throw new Error(`${path}: ${response.status}`);
    return ms;
  };
  const cold = await time('/dashboard', 'table class="runs"');
  const first: number[] = [];
  const filtered: number[] = [];
  const older: number[] = [];
  const runPage: number[] = [];
  const usage: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    first.push(await time('/dashboard', 'table class="runs"'));
    filtered.push(
      await time(
        `/dashboard?repo=${encodeURIComponent(repos[i % REPOS]!.repo)}&status=completed&person=bob`,
        'table class="runs"',
      ),
    );
    older.push(await time(`/dashboard?before=${ids[i % ids.length]}`, '<h1>Runs</h1>'));
    runPage.push(await time(`/dashboard/runs/${ids[(i * 7) % ids.length]}`, 'Timeline'));
    if (i < 5) usage.push(await time('/dashboard/usage', 'table class="usage"'));
  }
  const line = (name: string, values: number[]) =>
    console.log(
      `${name.padEnd(34)} p50 ${pct(values, 50).toFixed(1)} ms   p95 ${pct(values, 95).toFixed(1)} ms`,
    );
  console.log(`first page, cold (GitHub asked)    ${cold.toFixed(1)} ms`);
  line('first page (50 newest runs)', first);
  line('filtered (repo + status + person)', filtered);
  line('an older page (keyset cursor)', older);
  line("a run's page (timeline)", runPage);
  line('usage (runs today, tokens month)', usage);
} finally {
  await h.close();
}

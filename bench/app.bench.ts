// The App's speed and cost: first feedback (webhook sent → 👀 reaction, → status comment posted), GitHub requests
// per simple run, and the app process's memory. Real app process, fake GitHub and simulator on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { freshRepo, startHarness } from '../test/e2e/app/app-harness.js';

const RUNS = Number(process.env.BENCH_APP_RUNS ?? 8);
const BOT = 'codecloud[bot]';

const ms = (iso: string): number => Date.parse(iso);
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const rssMb = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Math.round(Number(match[1]) / 1024) : Number.NaN;
};

const h = await startHarness({ sim: { timeFactor: 50 } });
try {
  const eyes: number[] = [];
  const status: number[] = [];
  const requests: number[] = [];
  const rssBefore = rssMb(h.app.child.pid);
  for (let i = 0; i < RUNS; i++) {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: `Bug ${i}`, body: 'It breaks', user: 'alice' });
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
    if (state.violations.length > 0)
      throw new Error(`OpenAPI violations: ${JSON.stringify(state.violations)}`);
  }
  const row = (name: string, values: number[], unit: string) =>
    console.log(
      `${name.padEnd(44)} median ${pct(values, 50)} ${unit} · p95 ${pct(values, 95)} ${unit} · max ${Math.max(...values)} ${unit}`,
    );
  console.log(`${RUNS} simple runs (issue comment → completed with a PR), one installation each`);
  row('first feedback: webhook sent → 👀 reaction', eyes, 'ms');
  row('first feedback: webhook sent → status comment', status, 'ms');
  row('GitHub requests per simple run', requests, 'requests');
  console.log(
    `${'app process RSS'.padEnd(44)} ${rssBefore} MB after start · ${rssMb(h.app.child.pid)} MB after ${RUNS} runs`,
  );
} finally {
  await h.close();
}

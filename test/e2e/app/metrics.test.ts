// GET /metrics end to end: the real app process with METRICS_TOKEN set drives a command to completion; the families
// move (deliveries, the ack histogram, job attempts, runs by status, API and GitHub requests), and the token is asked
// for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

const TOKEN = 'metrics-token-for-the-e2e-test';

/** The value of one sample (`name` with exactly `labels`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('answers 401 without the token or with a wrong one, 200 with it', async () => {
    expect((await fetch(`${h.app.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    const text = await scrape();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts a command run to completion: deliveries, acks, jobs, runs, API and GitHub requests', async () => {
    const before = await scrape();
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 'Crash', body: 'It crashes', user: 'alice' });
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Completed')), {
      timeoutMs: 30_000,
    });

    const ghComments = { source: 'github', event: 'issue_comment', outcome: 'accepted' };
    const commands = { kind: 'github.command', outcome: 'done' };
    const completedRuns = { backend: 'codecloud', status: 'completed' };
    // Store figures are read at most once per 10 s: wait for the read that follows the completion.
    let after = await scrape();
    for (let i = 0; i < 30 && (sample(after, 'codecloud_runs', completedRuns) ?? 0) < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = await scrape();
    }
    const moved = (name: string, labels: Record<string, string> = {}) =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);

    expect(moved('codecloud_webhook_deliveries_total', ghComments)).toBeGreaterThanOrEqual(1);
    expect(moved('codecloud_webhook_ack_seconds_count', { source: 'github' })).toBeGreaterThanOrEqual(2);
    expect(
      moved('codecloud_webhook_deliveries_total', {
        source: 'codecloud',
        event: 'agent.completed',
        outcome: 'accepted',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(moved('codecloud_job_attempts_total', commands)).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'codecloud_runs', completedRuns)).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'codecloud_runs', { backend: 'codecloud', status: 'running' })).toBe(0);
    expect(sample(after, 'codecloud_jobs', { state: 'done' })).toBeGreaterThanOrEqual(1);
    expect(moved('codecloud_run_duration_seconds_count', completedRuns)).toBe(1);
    expect(moved('codecloud_api_requests_total', { api: 'codecloud', status: '201' })).toBe(1);
    expect(moved('codecloud_github_requests_total', { status: '201' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'codecloud_repository_runs_today', { repo })).toBe(1);
    expect(sample(after, 'codecloud_repository_tokens_this_month', { repo })).toBeGreaterThan(0);
    expect(sample(after, 'codecloud_reconciler_last_pass_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    // No run ids or user names as labels.
    expect(after).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
    expect(after).not.toContain('alice');
  });
});

// The store figures of GET /metrics: read at most once per interval whatever the number of scrapers, one read for
// the first scrapes arriving together, later reads in the background (a scrape never waits once there are figures),
// the last figures kept when a read fails; usage periods are UTC.
import { describe, expect, it } from 'vitest';
import { createAppMetrics } from '../../../src/metrics/app-metrics.js';
import { storeFigures } from '../../../src/metrics/store-figures.js';
import type { RepoUsage, Store } from '../../../src/store/store.js';

function countingStore() {
  const calls = { jobs: 0, runs: 0, usage: [] as Array<{ day: string; month: string }> };
  let fail = false;
  let running = 1;
  const store = {
    async countJobsByState() {
      calls.jobs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fail) throw new Error('the store does not answer');
      return [{ state: 'pending' as const, count: 3 }];
    },
    async countRunsByStatus() {
      calls.runs++;
      return [{ backend: 'codecloud' as const, status: 'running' as const, count: running }];
    },
    usage: {
      async repositoryUsage(period: { day: string; month: string }): Promise<RepoUsage[]> {
        calls.usage.push(period);
        return [{ owner: 'acme', repo: 'app', runsToday: 2, tokensThisMonth: 1234 }];
      },
    } as unknown as Store['usage'],
  };
  return {
    store,
    calls,
    failNext: (value: boolean) => {
      fail = value;
    },
    setRunning: (n: number) => {
      running = n;
    },
  };
}

/** Lets a background read (20 ms in the fake store) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe('store figures', () => {
  it('one read for many scrapers within the interval, another in the background after it; a failed read keeps the last figures', async () => {
    let now = Date.UTC(2026, 11, 6, 5, 0, 0);
    const fake = countingStore();
    const warnings: string[] = [];
    const metrics = createAppMetrics(
      storeFigures({
        store: fake.store,
        now: () => now,
        ttlMs: 10_000,
        log: { warn: (m) => warnings.push(m) },
      }),
    );
    const texts = await Promise.all(Array.from({ length: 20 }, () => metrics.scrape()));
    expect(fake.calls.jobs).toBe(1);
    for (const text of texts) {
      expect(text).toContain('codecloud_jobs{state="pending"} 3');
      expect(text).toContain('codecloud_jobs{state="dead"} 0');
      expect(text).toContain('codecloud_runs{backend="codecloud",status="running"} 1');
      expect(text).toContain('codecloud_runs{backend="cloudcoding",status="completed"} 0');
      expect(text).toContain('codecloud_repository_runs_today{repo="acme/app"} 2');
      expect(text).toContain('codecloud_repository_tokens_this_month{repo="acme/app"} 1234');
    }
    now += 9_000;
    fake.setRunning(5);
    expect(await metrics.scrape()).toContain('status="running"} 1');
    expect(fake.calls.jobs).toBe(1);
    now += 2_000;
    // Past the interval: answered with the figures read last at once, while one read starts for the next scrapes.
    const during = await Promise.all(Array.from({ length: 5 }, () => metrics.scrape()));
    for (const text of during) expect(text).toContain('status="running"} 1');
    await settle();
    expect(await metrics.scrape()).toContain('status="running"} 5');
    expect(fake.calls.jobs).toBe(2);
    now += 11_000;
    fake.failNext(true);
    fake.setRunning(9);
    await metrics.scrape();
    await settle();
    const kept = await metrics.scrape();
    expect(kept).toContain('status="running"} 5');
    expect(warnings.join('\n')).toContain('the store does not answer');
    fake.failNext(false);
    await metrics.scrape();
    await settle();
    expect(await metrics.scrape()).toContain('status="running"} 9');
    expect(fake.calls.usage[0]).toEqual({ day: '2026-12-06', month: '2026-12' });
  });

  it('usage is read for the UTC day and month of now', async () => {
    const fake = countingStore();
    const at = Date.UTC(2026, 1, 28, 23, 59, 59);
    await createAppMetrics(storeFigures({ store: fake.store, now: () => at })).scrape();
    expect(fake.calls.usage).toEqual([{ day: '2026-02-28', month: '2026-02' }]);
  });

  it('keeps labels bounded: unknown GitHub events are `other`, statuses are codes or `error`', async () => {
    const metrics = createAppMetrics(storeFigures({ store: countingStore().store }), { runs_per_day: 20 });
    metrics.webhookAnswered('github', 'x'.repeat(200), 'bad_signature', 0.001);
    metrics.webhookAnswered('github', '', 'bad_request', 0.001);
    metrics.webhookAnswered('codecloud', 'agent.completed', 'accepted', 0.002);
    metrics.webhookAnswered('github', 'check_suite', 'accepted', 0.001);
    metrics.apiRequest('codecloud', 'error');
    metrics.githubRequest(403);
    metrics.githubRateLimitWait(1500);
    metrics.runFinished({
      backend: 'codecloud',
      status: 'completed',
      createdAt: 0,
      finishedAt: 90_000,
      inputTokens: 10,
      outputTokens: 4,
    });
    const text = await metrics.scrape();
    expect(text).toContain(
      'codecloud_webhook_deliveries_total{source="github",event="other",outcome="bad_signature"} 1',
    );
    expect(text).toContain(
      'codecloud_webhook_deliveries_total{source="github",event="unknown",outcome="bad_request"} 1',
    );
    expect(text).toContain('codecloud_webhook_ack_seconds_count{source="codecloud"} 1');
    // Autofix's events are named.
    expect(text).toContain(
      'codecloud_webhook_deliveries_total{source="github",event="check_suite",outcome="accepted"} 1',
    );
    expect(text).toContain('codecloud_api_requests_total{api="codecloud",status="error"} 1');
    expect(text).toContain('codecloud_github_requests_total{status="403"} 1');
    expect(text).toContain('codecloud_github_rate_limit_wait_seconds_total 1.5');
    expect(text).toContain(
      'codecloud_run_duration_seconds_bucket{le="120",backend="codecloud",status="completed"} 1',
    );
    expect(text).toContain('codecloud_tokens_total{direction="input"} 10');
    expect(text).toContain('codecloud_tokens_total{direction="output"} 4');
    expect(text).not.toContain('xxxx');
    expect(text).toContain('codecloud_limit_ceiling{limit="runs_per_day"} 20');
    expect(text).not.toContain('limit="tokens_per_month"');
  });
});

/**
 * The app's Prometheus metrics (`GET /metrics`): the process's default metrics and the `codecloud_` families, in
 * one registry per app. What happens in this process (webhooks answered, job attempts, runs finished, API requests)
 * is counted where it happens, through the small recording methods below, passed in to the parts that do it. What
 * is in the store (jobs by state, runs by status, usage per repository) is read at scrape time through
 * `StoreFigures`, at most once per interval, so every replica shows the same.
 *
 * Labels stay few and bounded: no run ids, no user names; GitHub event names outside the known list count as
 * `other`; repositories appear only in the usage family (the repositories counted this day or month).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Limits } from '../limits/limits.js';
import type { Backend, LocalRunStatus } from '../vocabulary.js';
import type { StoreFigures } from './store-figures.js';

/** Where a webhook came from. */
export type WebhookSource = 'github' | 'codecloud';

/**
 * How a webhook was answered: `accepted` (recorded, or valid and ignored), `bad_signature`, `bad_request` (wrong
 * method, content type, headers or body), `too_large`, `failed` (could not be recorded), `aborted` (the sender left).
 */
export type WebhookOutcome =
  | 'accepted'
  | 'bad_signature'
  | 'bad_request'
  | 'too_large'
  | 'failed'
  | 'aborted'
  /** Turned away before the body was read whole: over the body budget, too slow, or too many unsigned events. */
  | 'refused'
  /** Unsigned and about a run the App does not know: answered, not stored. */
  | 'ignored';

/** How one attempt at a job ended: done, failed and retried later, failed for good, or its lease was lost. */
export type JobAttemptOutcome = 'done' | 'retry' | 'dead' | 'abandoned';

/** Which hosted API a request went to. */
export type ApiName = 'codecloud' | 'cloudcoding';

/** What the webhook routes record: one call per request they answered, with its outcome and ack time. */
export interface WebhookMetrics {
  webhookAnswered(source: WebhookSource, event: string, outcome: WebhookOutcome, seconds: number): void;
}

/** What the job worker records. */
export interface JobMetrics {
  jobAttempt(kind: string, outcome: JobAttemptOutcome): void;
}

/** What the orchestration records: a run reaching its final state here, a reconciler pass done here. */
export interface RunMetrics {
  runFinished(run: {
    backend: Backend;
    status: LocalRunStatus;
    createdAt: number;
    finishedAt: number | null;
    inputTokens?: number | undefined;
    outputTokens?: number | undefined;
  }): void;
  reconcilerPassed(at: number): void;
}

/** What the HTTP clients record: one answer (or `error` when none came) per request sent. */
export interface RequestMetrics {
  githubRequest(status: number | 'error'): void;
  githubRateLimitWait(ms: number): void;
  apiRequest(api: ApiName, status: number | 'error'): void;
}

export interface AppMetrics extends WebhookMetrics, JobMetrics, RunMetrics, RequestMetrics {
  readonly registry: Registry;
  /** The Prometheus text: store figures (refreshed when older than their interval), then every family. */
  scrape(): Promise<string>;
}

/** GitHub events kept as label values; any other is `other`. */
const GITHUB_EVENTS = new Set([
  'issues',
  'issue_comment',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'push',
  'check_suite',
  'check_run',
  'repository_dispatch',
  'installation',
  'installation_repositories',
  'ping',
]);
const CODECLOUD_EVENTS = new Set([
  'agent.progress',
  'agent.completed',
  'agent.failed',
  'schedule.run.executed',
  'schedule.run.skipped',
  'schedule.deleted',
]);

/** A label value from a known list, else `other` (`unknown` when there was none). */
function eventLabel(source: WebhookSource, event: string): string {
  if (event === '') return 'unknown';
  return (source === 'github' ? GITHUB_EVENTS : CODECLOUD_EVENTS).has(event) ? event : 'other';
}

/** 1xx–5xx as the code, anything else (a network failure) as `error`. */
function statusLabel(status: number | 'error'): string {
  return typeof status === 'number' && status >= 100 && status < 600 ? String(status) : 'error';
}

const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RUN_DURATION_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400];

/** `ceilings`: the operator's `LIMIT_*`, shown beside the usage families (a repository's config may lower them). */
export function createAppMetrics(figures: StoreFigures, ceilings: Limits = {}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const deliveries = new Counter({
    name: 'codecloud_webhook_deliveries_total',
    help: 'Webhook deliveries answered, by source (github, codecloud), event and outcome',
    labelNames: ['source', 'event', 'outcome'],
    registers,
  });
  const ack = new Histogram({
    name: 'codecloud_webhook_ack_seconds',
    help: 'Time from a webhook request to its answer, by source',
    labelNames: ['source'],
    buckets: ACK_BUCKETS,
    registers,
  });
  const jobAttempts = new Counter({
    name: 'codecloud_job_attempts_total',
    help: 'Job attempts by kind and outcome (done, retry, dead, abandoned)',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const runDuration = new Histogram({
    name: 'codecloud_run_duration_seconds',
    help: 'Time from a run being asked for to its final state, by backend and final status (runs finished here)',
    labelNames: ['backend', 'status'],
    buckets: RUN_DURATION_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'codecloud_tokens_total',
    help: 'Tokens of the runs finished here, by direction (input, output)',
    labelNames: ['direction'],
    registers,
  });
  const githubRequests = new Counter({
    name: 'codecloud_github_requests_total',
    help: "Requests to GitHub's API for installations, by HTTP status (error: no answer)",
    labelNames: ['status'],
    registers,
  });
  const githubWait = new Counter({
    name: 'codecloud_github_rate_limit_wait_seconds_total',
    help: "Time requests spent waiting for GitHub's rate limits to pass (summed over waiting requests)",
    registers,
  });
  const apiRequests = new Counter({
    name: 'codecloud_api_requests_total',
    help: 'Requests to the codecloud and Cloud Coding APIs, by API and HTTP status (error: no answer)',
    labelNames: ['api', 'status'],
    registers,
  });
  const reconcilerPass = new Gauge({
    name: 'codecloud_reconciler_last_pass_timestamp_seconds',
    help: "When this replica's reconciler last finished a full pass (unix time; 0: not here yet)",
    registers,
  });
  reconcilerPass.set(0);
  const limitCeiling = new Gauge({
    name: 'codecloud_limit_ceiling',
    help: "The operator's ceilings (LIMIT_*), by limit; unset ones are absent",
    labelNames: ['limit'],
    registers,
  });
  for (const [limit, value] of Object.entries(ceilings))
    if (value !== undefined) limitCeiling.set({ limit }, value);
  figures.register(registers);

  return {
    registry,
    webhookAnswered(source, event, outcome, seconds) {
      deliveries.inc({ source, event: eventLabel(source, event), outcome });
      ack.observe({ source }, seconds);
    },
    jobAttempt(kind, outcome) {
      jobAttempts.inc({ kind, outcome });
    },
    runFinished(run) {
      if (run.finishedAt !== null) {
        const seconds = Math.max(0, (run.finishedAt - run.createdAt) / 1000);
        runDuration.observe({ backend: run.backend, status: run.status }, seconds);
      }
      if (run.inputTokens) tokens.inc({ direction: 'input' }, run.inputTokens);
      if (run.outputTokens) tokens.inc({ direction: 'output' }, run.outputTokens);
    },
    reconcilerPassed(at) {
      reconcilerPass.set(at / 1000);
    },
    githubRequest(status) {
      githubRequests.inc({ status: statusLabel(status) });
    },
    githubRateLimitWait(ms) {
      if (ms > 0) githubWait.inc(ms / 1000);
    },
    apiRequest(api, status) {
      apiRequests.inc({ api, status: statusLabel(status) });
    },
    async scrape() {
      await figures.refresh();
      return registry.metrics();
    },
  };
}

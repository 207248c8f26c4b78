// Checks and Actions job logs: check suites and check runs of a commit (list, create, update), and a job's log
// answered the way GitHub does, with a 302 to a plain-text download (served as a stream by `streamJobLog`).
import type { ServerResponse } from 'node:http';
import { commentJson, userJson } from './payloads.js';
import type { Handler, RestContext, RestRequest, RestResponse } from './rest-routes.js';
import type { FakeCheckRun, FakeCheckSuite, FakeJobLog, FakeRepo, FakeState } from './state.js';

const DOCS = 'https://docs.github.com/rest';
const notFound = (): RestResponse => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS, status: '404' },
});

/** The app id GitHub Actions check suites carry. */
export const ACTIONS_APP = { id: 15368, slug: 'github-actions' };

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function repoOf(ctx: RestContext, req: RestRequest): FakeRepo | undefined {
  return ctx.state.repo(`${req.params.owner ?? ''}/${req.params.repo ?? ''}`);
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function appJson(ctx: { urls: RestContext['urls']; state: FakeState }, app: { id: number; slug: string }) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:App${app.id}`).toString('base64'),
    name: app.slug,
    owner: userJson(ctx.urls, ctx.state.user(app.slug === ACTIONS_APP.slug ? 'github' : 'codecloud')),
    description: null,
    external_url: ctx.urls.web,
    html_url: `${ctx.urls.web}/apps/${app.slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions: {},
    events: [],
  };
}

/** The open pull requests whose head is `sha`, as check payloads list them. */
export function pullsAt(ctx: { urls: RestContext['urls']; state: FakeState }, repo: FakeRepo, sha: string) {
  return [...ctx.state.issues.values()]
    .filter((i) => i.repo === repo.fullName && i.pull && i.pull.headSha === sha && i.state === 'open')
    .map((i) => ({
      id: i.id,
      number: i.number,
      url: `${ctx.urls.api}/repos/${repo.fullName}/pulls/${i.number}`,
      head: { ref: i.pull?.head ?? '', sha, repo: { id: repo.id, url: '', name: repo.name } },
      base: { ref: i.pull?.base ?? '', sha: '0'.repeat(40), repo: { id: repo.id, url: '', name: repo.name } },
    }));
}

export function checkSuiteJson(
  ctx: { urls: RestContext['urls']; state: FakeState },
  repo: FakeRepo,
  suite: FakeCheckSuite,
) {
  const runs = ctx.state.checkRuns.filter((r) => r.suiteId === suite.id);
  return {
    id: suite.id,
    node_id: Buffer.from(`010:CheckSuite${suite.id}`).toString('base64'),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status: suite.status,
    conclusion: suite.conclusion,
    url: `${ctx.urls.api}/repos/${repo.fullName}/check-suites/${suite.id}`,
    before: null,
    after: suite.headSha,
    pull_requests: pullsAt(ctx, repo, suite.headSha),
    app: appJson(ctx, suite.app),
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    latest_check_runs_count: runs.length,
    check_runs_url: `${ctx.urls.api}/repos/${repo.fullName}/check-suites/${suite.id}/check-runs`,
    head_commit: {
      id: suite.headSha,
      tree_id: suite.headSha,
      message: 'commit',
      timestamp: '2024-01-01T00:00:00Z',
    },
  };
}

export function checkRunJson(
  ctx: { urls: RestContext['urls']; state: FakeState },
  repo: FakeRepo,
  run: FakeCheckRun,
) {
  const suite = ctx.state.checkSuites.find((s) => s.id === run.suiteId);
  return {
    id: run.id,
    node_id: Buffer.from(`08:CheckRun${run.id}`).toString('base64'),
    head_sha: run.headSha,
    external_id: run.externalId,
    url: `${ctx.urls.api}/repos/${repo.fullName}/check-runs/${run.id}`,
    html_url: `${ctx.urls.web}/${repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: 0,
      annotations_url: `${ctx.urls.api}/repos/${repo.fullName}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.suiteId },
    app: suite ? appJson(ctx, suite.app) : null,
    actions: run.actions,
    pull_requests: pullsAt(ctx, repo, run.headSha),
  };
}

function page<T>(req: RestRequest, items: T[]): T[] {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
  const n = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
  return items.slice((n - 1) * perPage, n * perPage);
}

const listSuitesForRef: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const suites = ctx.state.checkSuites.filter(
    (s) => s.repo === repo.fullName && s.headSha === req.params.ref,
  );
  return {
    status: 200,
    body: {
      total_count: suites.length,
      check_suites: page(req, suites).map((s) => checkSuiteJson(ctx, repo, s)),
    },
  };
};

const listRunsForRef: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const name = req.query.get('check_name');
  const appId = req.query.get('app_id');
  const runs = ctx.state.checkRuns.filter((r) => {
    if (r.repo !== repo.fullName || r.headSha !== req.params.ref) return false;
    if (name !== null && r.name !== name) return false;
    const suite = ctx.state.checkSuites.find((s) => s.id === r.suiteId);
    return appId === null || String(suite?.app.id) === appId;
  });
  return {
    status: 200,
    body: { total_count: runs.length, check_runs: page(req, runs).map((r) => checkRunJson(ctx, repo, r)) },
  };
};

const listRunsInSuite: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  const id = Number(req.params.check_suite_id);
  if (!repo || !ctx.state.checkSuites.some((s) => s.id === id && s.repo === repo.fullName)) return notFound();
  const runs = ctx.state.checkRuns.filter((r) => r.suiteId === id);
  return {
    status: 200,
    body: { total_count: runs.length, check_runs: page(req, runs).map((r) => checkRunJson(ctx, repo, r)) },
  };
};

/** The app's own suite on a commit (GitHub makes one per app and commit on the first check run). */
function ownSuite(ctx: RestContext, repo: FakeRepo, sha: string): FakeCheckSuite {
  const found = ctx.state.checkSuites.find(
    (s) => s.repo === repo.fullName && s.headSha === sha && s.app.id === ctx.app.id,
  );
  if (found) return found;
  const suite: FakeCheckSuite = {
    id: ctx.state.id(),
    repo: repo.fullName,
    headSha: sha,
    headBranch: null,
    app: { id: ctx.app.id, slug: ctx.app.slug },
    status: 'queued',
    conclusion: null,
  };
  ctx.state.checkSuites.push(suite);
  return suite;
}

function applyRunFields(ctx: RestContext, run: FakeCheckRun, body: Record<string, unknown>): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed') run.completedAt ??= iso(ctx.nowMs());
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (Array.isArray(body.actions)) run.actions = body.actions;
  if (body.output !== undefined) {
    const output = obj(body.output);
    run.output = {
      title: typeof output.title === 'string' ? output.title : null,
      summary: typeof output.summary === 'string' ? output.summary : null,
      text: typeof output.text === 'string' ? output.text : null,
    };
  }
}

function settleSuite(ctx: RestContext, suiteId: number): void {
  const suite = ctx.state.checkSuites.find((s) => s.id === suiteId);
  if (!suite) return;
  const runs = ctx.state.checkRuns.filter((r) => r.suiteId === suiteId);
  const done = runs.every((r) => r.status === 'completed');
  suite.status = done ? 'completed' : 'in_progress';
  suite.conclusion = done
    ? runs.some((r) => r.conclusion === 'failure' || r.conclusion === 'timed_out')
      ? 'failure'
      : 'success'
    : null;
}

const createRun: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const body = obj(req.body);
  const sha = String(body.head_sha);
  const suite = ownSuite(ctx, repo, sha);
  const run: FakeCheckRun = {
    id: ctx.state.id(),
    suiteId: suite.id,
    repo: repo.fullName,
    headSha: sha,
    name: String(body.name),
    status: 'queued',
    conclusion: null,
    externalId: null,
    detailsUrl: null,
    output: { title: null, summary: null, text: null },
    actions: [],
    startedAt: iso(ctx.nowMs()),
    completedAt: null,
    updates: 0,
  };
  applyRunFields(ctx, run, body);
  ctx.state.checkRuns.push(run);
  settleSuite(ctx, suite.id);
  return { status: 201, body: checkRunJson(ctx, repo, run) };
};

const updateRun: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  const run = ctx.state.checkRuns.find((r) => r.id === Number(req.params.check_run_id));
  if (!repo || !run || run.repo !== repo.fullName) return notFound();
  const suite = ctx.state.checkSuites.find((s) => s.id === run.suiteId);
  // Only the app that made a check run may change it.
  if (suite?.app.id !== ctx.app.id) {
    return {
      status: 403,
      body: {
        message: `Invalid app_id \`${ctx.app.id}\` - check run can only be modified by its creator`,
        documentation_url: DOCS,
        status: '403',
      },
    };
  }
  applyRunFields(ctx, run, obj(req.body));
  run.updates += 1;
  settleSuite(ctx, run.suiteId);
  return { status: 200, body: checkRunJson(ctx, repo, run) };
};

/** GitHub answers a job's log with a redirect to a short-lived plain-text download. */
const downloadJobLogs: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  const run = ctx.state.checkRuns.find((r) => r.id === Number(req.params.job_id));
  if (!repo || !run || run.repo !== repo.fullName || !run.log) return notFound();
  return {
    status: 302,
    headers: { location: `${ctx.urls.web}/_download/job-logs/${run.id}?sig=${run.id.toString(36)}` },
  };
};

const listReviewComments: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  const reviewId = Number(req.params.review_id);
  const review = ctx.state.reviews.find((r) => r.id === reviewId);
  if (!repo || review?.repo !== repo.fullName || review.number !== Number(req.params.pull_number))
    return notFound();
  const comments = [...ctx.state.comments.values()].filter(
    (c) => c.kind === 'review' && c.review_id === reviewId,
  );
  return {
    status: 200,
    body: page(req, comments).map((c) => commentJson(ctx.urls, ctx.app, ctx.state, repo, c)),
  };
};

export const CHECK_ROUTES: Record<string, Handler> = {
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments': listReviewComments,
  'GET /repos/{owner}/{repo}/commits/{ref}/check-suites': listSuitesForRef,
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': listRunsForRef,
  'GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs': listRunsInSuite,
  'POST /repos/{owner}/{repo}/check-runs': createRun,
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': updateRun,
  'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs': downloadJobLogs,
};

/**
 * Serves `/_download/job-logs/{id}`: the job's log made on the fly and written with back-pressure, so a log of
 * hundreds of megabytes never sits in this process's memory either.
 */
export function streamJobLog(state: FakeState, path: string, res: ServerResponse): boolean {
  const match = /^\/_download\/job-logs\/(\d+)$/.exec(path);
  if (!match) return false;
  const log = state.checkRuns.find((r) => r.id === Number(match[1]))?.log;
  if (!log) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  void writeLog(log, res);
  return true;
}

async function writeLog(log: FakeJobLog, res: ServerResponse): Promise<void> {
  const stamp = '2026-12-06T04:40:00.0000000Z ';
  const write = async (text: string): Promise<boolean> => {
    if (res.destroyed) return false;
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
    return !res.destroyed;
  };
  if (!(await write(log.head.map((l) => `${stamp}${l}\n`).join('')))) return;
  const filler = log.filler;
  if (filler) {
    const batch = 1_000;
    for (let i = 0; i < filler.lines; i += batch) {
      const lines: string[] = [];
      for (let j = i; j < Math.min(filler.lines, i + batch); j++)
        lines.push(`${stamp}${filler.text} ${j + 1}\n`);
      if (!(await write(lines.join('')))) return;
    }
  }
  if (!(await write(log.tail.map((l) => `${stamp}${l}\n`).join('')))) return;
  res.end();
}

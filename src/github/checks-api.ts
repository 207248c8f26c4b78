/**
 * The GitHub Checks and Actions calls the app makes (`checks: write`, `actions: read`): the check suites and runs
 * of a commit, the `codecloud` check run, a job log's download address, and a review's inline comments. Answers are
 * checked with zod like `github-api.ts`. A 403 means the installation has not accepted these permissions yet.
 */
import { z } from 'zod';
import { describeZodIssues } from '../validation-error.js';
import type { GitHubRequester, RepoRef } from './github-api.js';

export interface CheckSuiteInfo {
  id: number;
  status: string | null;
  conclusion: string | null;
  appId: number | null;
  appSlug: string | null;
}

export interface CheckRunOutput {
  title: string | null;
  summary: string | null;
  text: string | null;
}

export interface CheckRunInfo {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  output: CheckRunOutput;
  appSlug: string | null;
  detailsUrl: string | null;
}

export interface ReviewCommentInfo {
  path: string;
  line: number | null;
  diffHunk: string;
  body: string;
}

/** What a check run is created or updated with (GitHub's own field names). */
export interface CheckRunFields {
  name?: string;
  head_sha?: string;
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'neutral' | 'timed_out';
  external_id?: string;
  details_url?: string;
  output?: { title: string; summary: string; text?: string };
  actions?: Array<{ label: string; description: string; identifier: string }>;
}

const App = z.object({ id: z.number(), slug: z.string().optional() }).nullable().optional();
const Suites = z.object({
  total_count: z.number(),
  check_suites: z.array(
    z.object({ id: z.number(), status: z.string().nullable(), conclusion: z.string().nullable(), app: App }),
  ),
});
const Run = z.object({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  conclusion: z.string().nullable(),
  external_id: z.string().nullable().optional(),
  details_url: z.string().nullable().optional(),
  output: z.object({
    title: z.string().nullable().optional(),
    summary: z.string().nullable().optional(),
    text: z.string().nullable().optional(),
  }),
  app: App,
});
const Runs = z.object({ total_count: z.number(), check_runs: z.array(Run) });
const ReviewComments = z.array(
  z.object({
    path: z.string(),
    line: z.number().nullable().optional(),
    original_line: z.number().nullable().optional(),
    diff_hunk: z.string(),
    body: z.string(),
  }),
);

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new Error(`GitHub answered ${what} unexpectedly: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

function runInfo(run: z.infer<typeof Run>): CheckRunInfo {
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion,
    externalId: run.external_id ?? null,
    output: {
      title: run.output.title ?? null,
      summary: run.output.summary ?? null,
      text: run.output.text ?? null,
    },
    appSlug: run.app?.slug ?? null,
    detailsUrl: run.details_url ?? null,
  };
}

/** Pages read of one list, at most (100 each): a commit with more check suites or runs is unusual. */
const MAX_PAGES = 5;

export interface ChecksApi {
  listCheckSuites(ref: RepoRef, sha: string): Promise<CheckSuiteInfo[]>;
  listSuiteCheckRuns(ref: RepoRef, suiteId: number): Promise<CheckRunInfo[]>;
  /** The check runs named `name` on a commit. */
  findCheckRuns(ref: RepoRef, sha: string, name: string): Promise<CheckRunInfo[]>;
  createCheckRun(ref: RepoRef, fields: CheckRunFields & { name: string; head_sha: string }): Promise<number>;
  updateCheckRun(ref: RepoRef, checkRunId: number, fields: CheckRunFields): Promise<void>;
  /** Where a GitHub Actions job's log can be downloaded (GitHub answers with a redirect to a short-lived URL). */
  jobLogUrl(ref: RepoRef, jobId: number): Promise<string | undefined>;
  listReviewComments(ref: RepoRef, pullNumber: number, reviewId: number): Promise<ReviewCommentInfo[]>;
}

export function checksApi(octokit: GitHubRequester): ChecksApi {
  return {
    async listCheckSuites(ref, sha) {
      const out: CheckSuiteInfo[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-suites', {
          ...ref,
          ref: sha,
          per_page: 100,
          page,
        });
        const parsed = parse(Suites, data, `the check suites of ${sha}`);
        for (const s of parsed.check_suites) {
          out.push({
            id: s.id,
            status: s.status,
            conclusion: s.conclusion,
            appId: s.app?.id ?? null,
            appSlug: s.app?.slug ?? null,
          });
        }
        if (out.length >= parsed.total_count || parsed.check_suites.length < 100) break;
      }
      return out;
    },
    async listSuiteCheckRuns(ref, suiteId) {
      const out: CheckRunInfo[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs',
          { ...ref, check_suite_id: suiteId, filter: 'latest', per_page: 100, page },
        );
        const parsed = parse(Runs, data, `the check runs of suite ${suiteId}`);
        out.push(...parsed.check_runs.map(runInfo));
        if (out.length >= parsed.total_count || parsed.check_runs.length < 100) break;
      }
      return out;
    },
    async findCheckRuns(ref, sha, name) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        ...ref,
        ref: sha,
        check_name: name,
        filter: 'all',
        per_page: 100,
      });
      return parse(Runs, data, `the check runs of ${sha}`).check_runs.map(runInfo);
    },
    async createCheckRun(ref, fields) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', { ...ref, ...fields });
      return parse(z.object({ id: z.number() }), data, 'the new check run').id;
    },
    async updateCheckRun(ref, checkRunId, fields) {
      await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        ...ref,
        check_run_id: checkRunId,
        ...fields,
      });
    },
    async jobLogUrl(ref, jobId) {
      // Not followed here: the log is read from the download address as a stream, never as one string.
      const response = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
        ...ref,
        job_id: jobId,
        request: { redirect: 'manual' },
      });
      const location = response.headers?.location;
      return typeof location === 'string' ? location : undefined;
    },
    async listReviewComments(ref, pullNumber, reviewId) {
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments',
        { ...ref, pull_number: pullNumber, review_id: reviewId, per_page: 100 },
      );
      return parse(ReviewComments, data, `the comments of review ${reviewId}`).map((c) => ({
        path: c.path,
        line: c.line ?? c.original_line ?? null,
        diffHunk: c.diff_hunk,
        body: c.body,
      }));
    },
  };
}

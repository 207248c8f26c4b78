/**
 * Failed checks on an agent PR's head commit → one follow-up to the run's session (`autofix.ci`). The job runs for
 * each completed check suite; it acts only once every other check suite on the commit has completed and a check
 * run failed or timed out. Exactly one follow-up per head commit, whatever the deliveries, replicas and restarts:
 * the attempt is claimed in one store step (`claimAutofixAttempt`) and the message carries an idempotency key
 * derived from the commit. It waits while the thread has an active run, stops at `max_attempts` (one comment says
 * so), and does nothing while a person's push or `/codecloud stop` paused it. Each attempt counts against `limits`
 * (refused: one comment, nothing sent; see `chargeAutofix`).
 */

import type { CheckRunInfo, ChecksApi } from '../github/checks-api.js';
import { statusOf } from '../github/github-api.js';
import { limitsInForce } from '../limits/charge.js';
import { replyMarker } from '../render/markers.js';
import { enqueue, type JobPayload } from '../runs/jobs.js';
import type { RunDeps } from '../runs/run-deps.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { buildFailureMessage, type FailedCheck } from './failure-message.js';
import { appSlugOf } from './intake.js';
import { readJobLog } from './job-log.js';
import { noteMissingPermission } from './missing-permissions.js';
import { FOLLOW_UP_FROM, sendAutofixFollowUp } from './send-follow-up.js';
import { branchPushMarkOf, JOB_AUTOFIX_CI, pullKeyOf } from './triggers.js';

/** How long a follow-up waits for the thread's active run before looking again, and how often at most. */
export const ACTIVE_RUN_RECHECK_MS = 15_000;
const MAX_WAITS = 4 * 60 * 6; // six hours of 15 s looks

const FAILED = new Set(['failure', 'timed_out']);

type CiJob = JobPayload<typeof JOB_AUTOFIX_CI>;

export async function handleAutofixCiJob(
  deps: RunDeps,
  payload: CiJob,
  job: { dedupeKey: string },
): Promise<void> {
  const loaded = await deps.loadConfig(payload.installationId, payload.owner, payload.repo);
  if (loaded.kind !== 'ok' || !loaded.repoConfig.autofix.ci || !deps.checks) return;
  const repoName = `${payload.owner}/${payload.repo}`;
  const run = await deps.store.findRunByPullRequest(repoName, payload.number);
  if (!run) return; // not an agent PR
  if (run.options.autofix?.kind === 'ci' && run.options.autofix.sha === payload.headSha) return; // sent already
  const ref = { owner: payload.owner, repo: payload.repo };
  const gh = await deps.github(payload.installationId);
  const pull = await gh.getPull(ref, payload.number);
  if (pull.state !== 'open' || pull.headSha !== payload.headSha) return; // a newer commit: its own checks decide
  const pushed = await deps.store.readMark(branchPushMarkOf(payload.owner, payload.repo, pull.headRef));
  if (pushed?.startsWith('paused')) return;

  const checks = await deps.checks(payload.installationId);
  const failed = await failedChecks(deps, checks, payload);
  if (failed === undefined || failed.length === 0) return;

  if (!isFinalLocalRunStatus(run.status)) {
    // The thread's run is still going: look again later (one job per look, keyed, so replicas do not multiply it).
    if (payload.waits >= MAX_WAITS) return;
    const fresh = await enqueue(deps.store, JOB_AUTOFIX_CI, {
      dedupeKey: `${job.dedupeKey.replace(/:wait:\d+$/, '')}:wait:${payload.waits + 1}`,
      payload: { ...payload, waits: payload.waits + 1 },
      runAt: deps.now() + ACTIVE_RUN_RECHECK_MS,
    });
    if (fresh) deps.wake();
    return;
  }
  if (!(FOLLOW_UP_FROM as readonly string[]).includes(run.status)) return; // stopped by a person

  const maxAttempts = loaded.repoConfig.autofix.max_attempts;
  const pullKey = pullKeyOf(payload.owner, payload.repo, payload.number);
  const claim = await deps.store.claimAutofixAttempt({
    pullKey,
    sha: payload.headSha,
    claimant: job.dedupeKey.replace(/:wait:\d+$/, ''),
    maxAttempts,
  });
  if (claim.kind === 'handled' || claim.kind === 'paused') return;
  if (claim.kind === 'limit') {
    if (await deps.store.markOnce(`autofix-limit:${pullKey}`)) {
      await gh.createComment(ref, payload.number, limitComment(maxAttempts, loaded.config.trigger));
    }
    return;
  }
  const withLogs = await Promise.all(
    failed.map((check) => withLog(deps, checks, ref, check, payload.installationId)),
  );
  const prompt = buildFailureMessage({
    sha: payload.headSha,
    pullUrl: pull.htmlUrl,
    checks: withLogs,
    attempt: claim.attempt,
    maxAttempts,
    knownSecrets: deps.knownSecrets,
  });
  const sent = await sendAutofixFollowUp(
    deps,
    run,
    loaded.config,
    {
      number: payload.number,
      prompt,
      headline: `Fix the failed checks on ${payload.headSha.slice(0, 7)}`,
      origin: {
        kind: 'ci',
        sha: payload.headSha,
        commitUrl: `${pull.htmlUrl.replace(/\/pull\/\d+$/, '')}/commit/${payload.headSha}`,
        checks: failed.map((c) => c.run.name),
        attempt: claim.attempt,
        maxAttempts,
      },
      idempotencyKey: `autofix-ci-${payload.headSha}`,
    },
    limitsInForce(deps.limitCeilings, loaded.repoConfig.limits),
  );
  // A command's run started in between: this job is tried again (its claim stays its own) and then waits.
  if (sent === 'busy') throw new Error(`autofix of ${pullKey}: the run is busy; trying again`);
}

interface Failed {
  run: CheckRunInfo;
}

/** The failed check runs of the commit once every other suite has completed; undefined while one is still going. */
async function failedChecks(deps: RunDeps, checks: ChecksApi, payload: CiJob): Promise<Failed[] | undefined> {
  const ref = { owner: payload.owner, repo: payload.repo };
  let suites: Awaited<ReturnType<ChecksApi['listCheckSuites']>>;
  try {
    suites = await checks.listCheckSuites(ref, payload.headSha);
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
    await noteMissingPermission(deps, payload.installationId, 'checks');
    return undefined;
  }
  const own = appSlugOf(deps.botLogin);
  const ci = suites.filter((s) => s.appSlug?.toLowerCase() !== own);
  if (ci.some((s) => s.status !== 'completed')) return undefined;
  const failed: Failed[] = [];
  for (const suite of ci) {
    if (suite.conclusion === 'success' || suite.conclusion === 'neutral' || suite.conclusion === 'skipped')
      continue;
    for (const run of await checks.listSuiteCheckRuns(ref, suite.id)) {
      if (run.conclusion !== null && FAILED.has(run.conclusion)) failed.push({ run });
    }
  }
  return failed;
}

async function withLog(
  deps: RunDeps,
  checks: ChecksApi,
  ref: { owner: string; repo: string },
  failed: Failed,
  installationId: number,
): Promise<FailedCheck> {
  const { run } = failed;
  const check: FailedCheck = {
    name: run.name,
    conclusion: run.conclusion ?? 'failure',
    title: run.output.title,
    summary: run.output.summary,
    text: run.output.text,
  };
  if (run.appSlug !== 'github-actions') return check;
  const log = await readJobLog(deps, checks, ref, run.id, installationId);
  return { ...check, ...log };
}

function limitComment(maxAttempts: number, trigger: string): string {
  return (
    `${replyMarker('autofix-limit')}\n🔁 **Autofix stopped**: the checks of this pull request failed again, ` +
    `and the agent already had ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'} (\`autofix.max_attempts\`). ` +
    `Nothing more is sent on its own; comment \`${trigger} <instruction>\` to send the agent another request.`
  );
}

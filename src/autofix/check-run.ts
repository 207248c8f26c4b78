/**
 * The `codecloud` check run of a run on a pull request (a run on its head branch, a follow-up or an autofix
 * attempt): put on the PR's head commit when the run's status comment is, kept in step with each edit of it
 * (`in_progress` with a Stop button while active), and completed with the final edit (`success`, `failure`,
 * `cancelled`, the redacted result as summary). When the run pushed, the completed check run is put on the new head
 * commit too. Never two for one run message and commit: the check run is claimed in the store before it is created,
 * and a claim whose creator died is taken over after `CLAIM_STALE_MS`, once GitHub shows no such check run.
 */
import type { CheckRunFields, ChecksApi } from '../github/checks-api.js';
import { statusOf } from '../github/github-api.js';
import { redactSecrets } from '../redact.js';
import type { RunDeps } from '../runs/run-deps.js';
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { noteMissingPermission } from './missing-permissions.js';

export const CHECK_RUN_NAME = 'codecloud';
/** GitHub's limit for a check run's summary is 65,535 characters. */
const MAX_SUMMARY = 60_000;
const CLAIM_STALE_MS = 60_000;

/** The pull request a run's status comment is on, if any. */
export function pullRequestOf(run: Pick<Run, 'options' | 'targetKind' | 'number'>): number | undefined {
  return (
    run.options.statusCommentPlace?.number ?? (run.targetKind === 'pull_request' ? run.number : undefined)
  );
}

/** `<run id>:<message>`: one check run per run message (the run, then each follow-up). */
export const externalIdOf = (run: Pick<Run, 'id' | 'followUpCount'>): string =>
  `${run.id}:${run.followUpCount}`;

function fieldsOf(run: Run, knownSecrets: readonly string[], detailsUrl: string | undefined): CheckRunFields {
  const details = detailsUrl ? { details_url: detailsUrl } : {};
  if (!isFinalLocalRunStatus(run.status)) {
    return {
      status: 'in_progress',
      ...details,
      output: {
        title: 'The agent is working',
        summary: 'Follow the run in its status comment on the pull request.',
      },
      actions: [{ label: 'Stop', description: 'Stop the codecloud run', identifier: 'stop' }],
    };
  }
  const conclusion =
    run.status === 'completed' ? 'success' : run.status === 'stopped' ? 'cancelled' : 'failure';
  const title =
    run.status === 'completed'
      ? 'The agent finished'
      : run.status === 'stopped'
        ? `Stopped${run.stopRequestedBy ? ` by ${run.stopRequestedBy}` : ''}`
        : run.status === 'timed_out'
          ? 'The run timed out'
          : 'The run failed';
  const text = (run.status === 'completed' ? run.result.result : run.result.error) ?? '';
  const summary = redactSecrets(text.trim() === '' ? title : text, knownSecrets).slice(0, MAX_SUMMARY);
  return { status: 'completed', conclusion, ...details, output: { title, summary }, actions: [] };
}

interface Claim {
  sha: string;
  id?: number;
  at: number;
}

function parseClaim(value: string | null | undefined): Claim | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Claim;
    return typeof parsed.sha === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The check run of `run` on `sha`: updated, or created once (see the module comment). */
async function putOnCommit(
  deps: RunDeps,
  checks: ChecksApi,
  run: Run,
  sha: string,
  key: string,
  fields: CheckRunFields,
): Promise<void> {
  const ref = { owner: run.owner, repo: run.repo };
  const externalId = externalIdOf(run);
  let claim = parseClaim(await deps.store.readMark(key));
  if (!claim) {
    const mine = { sha, at: deps.now() };
    if (await deps.store.markOnce(key, JSON.stringify(mine))) {
      const id = await checks.createCheckRun(ref, {
        name: CHECK_RUN_NAME,
        head_sha: sha,
        external_id: externalId,
        ...fields,
      });
      await deps.store.writeMark(key, JSON.stringify({ ...mine, id }));
      return;
    }
    claim = parseClaim(await deps.store.readMark(key));
    if (!claim) return;
  }
  if (claim.id === undefined) {
    const found = (await checks.findCheckRuns(ref, claim.sha, CHECK_RUN_NAME)).find(
      (c) => c.externalId === externalId,
    );
    if (found) claim = { ...claim, id: found.id };
    else if (deps.now() - claim.at < CLAIM_STALE_MS)
      return; // being created by another process right now
    else
      claim = {
        ...claim,
        id: await checks.createCheckRun(ref, {
          name: CHECK_RUN_NAME,
          head_sha: claim.sha,
          external_id: externalId,
          ...fields,
        }),
      };
    await deps.store.writeMark(key, JSON.stringify(claim));
    return;
  }
  await checks.updateCheckRun(ref, claim.id, fields);
}

/**
 * Brings the run's check run in step with its state. Throws on GitHub errors (the final edit is retried with its
 * comment); an installation without `checks: write` is noted once and left alone.
 */
export async function syncCheckRun(deps: RunDeps, run: Run): Promise<void> {
  const number = pullRequestOf(run);
  if (number === undefined || !deps.checks) return;
  try {
    const checks = await deps.checks(run.installationId);
    const key = `check-run:${externalIdOf(run)}`;
    const known = parseClaim(await deps.store.readMark(key));
    const pull =
      known && !isFinalLocalRunStatus(run.status)
        ? undefined
        : await (await deps.github(run.installationId)).getPull({ owner: run.owner, repo: run.repo }, number);
    const sha = known?.sha ?? pull?.headSha;
    if (!sha) return;
    const detailsUrl =
      pull && run.statusCommentId !== null
        ? `${pull.htmlUrl}#issuecomment-${run.statusCommentId}`
        : undefined;
    const fields = fieldsOf(run, deps.knownSecrets, detailsUrl);
    await putOnCommit(deps, checks, run, sha, key, fields);
    // The run pushed: the completed check run goes on the new head commit too.
    if (isFinalLocalRunStatus(run.status) && pull && pull.headSha !== sha) {
      await putOnCommit(deps, checks, run, pull.headSha, `${key}:${pull.headSha}`, fields);
    }
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
    await noteMissingPermission(deps, run.installationId, 'checks');
  }
}

/** `syncCheckRun` for the edits along the way: a failure is logged, never fails the comment edit. */
export async function syncCheckRunQuietly(deps: RunDeps, run: Run): Promise<void> {
  await syncCheckRun(deps, run).catch((error: unknown) =>
    deps.log.warn(`check run of run ${run.id}: ${String(error)}`),
  );
}

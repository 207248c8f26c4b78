/**
 * The Stop button of the `codecloud` check run: the same permission gate (`min_permission`, `allowed_bots`) and the
 * same stop path as `/codecloud stop` on the pull request.
 */
import type { RunDeps } from '../runs/run-deps.js';
import { stop } from '../runs/thread-commands.js';
import type { CommandTrigger } from '../runs/trigger.js';
import { mayTrigger } from '../runs/who-may-trigger.js';
import { pullRequestOf } from './check-run.js';
import { autofixHeardCommand } from './pause.js';
import type { StopButtonJob } from './triggers.js';

export async function handleStopButtonJob(deps: RunDeps, payload: StopButtonJob): Promise<void> {
  if (payload.identifier !== 'stop') return;
  const runId = payload.externalId.split(':')[0] ?? '';
  const run = await deps.store.getRun(runId);
  if (
    !run ||
    run.owner.toLowerCase() !== payload.owner.toLowerCase() ||
    run.repo.toLowerCase() !== payload.repo.toLowerCase()
  )
    return;
  const number = pullRequestOf(run);
  if (number === undefined) return;
  const loaded = await deps.loadConfig(payload.installationId, payload.owner, payload.repo);
  if (loaded.kind !== 'ok') return;
  const ref = { owner: payload.owner, repo: payload.repo };
  const gh = await deps.github(payload.installationId);
  // The click as a command on the pull request (no comment to react on).
  const trigger: CommandTrigger = {
    deliveryId: payload.deliveryId,
    installationId: payload.installationId,
    owner: payload.owner,
    repo: payload.repo,
    defaultBranch: '',
    source: 'issue_comment',
    number,
    isPullRequest: true,
    title: '',
    body: '',
    commentId: null,
    text: '',
    sender: payload.sender,
  };
  if (!(await mayTrigger(deps, gh, trigger, ref, loaded.config))) return;
  await autofixHeardCommand(deps, trigger, { kind: 'stop' });
  await stop({ attempt: 1, deps, gh, trigger, ref, config: loaded.config, repoConfig: loaded.repoConfig });
}

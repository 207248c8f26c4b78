/**
 * Stopping a run, from `/codecloud stop` in a thread or from the dashboard's Stop button: the same steps either way
 * (mark who asked while the run is still active, stop it on the backend, read it back, record it stopped).
 */
import { messageOf } from '../error-messages.js';
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus, meetsPermission, NON_FINAL_LOCAL_RUN_STATUSES } from '../vocabulary.js';
import { refreshRun } from './refresh-run.js';
import type { RunDeps } from './run-deps.js';
import { finalizeRun } from './run-lifecycle.js';
import { backendOf } from './run-start.js';
import { RULE_WITHOUT_CONFIG } from './who-may-trigger.js';

/** Stops `run` on behalf of `login`; false when it was no longer active (it keeps its state). */
export async function stopActiveRun(deps: RunDeps, run: Run, login: string): Promise<boolean> {
  // Only while it is still active: a run that finished meanwhile keeps its state.
  const marked = await deps.store.transitionRun(run.id, NON_FINAL_LOCAL_RUN_STATUSES, {
    stopRequestedBy: login,
  });
  if (!marked) return false;
  if (marked.remoteRunId === null) {
    await finalizeRun(deps, marked, { status: 'stopped' });
    return true;
  }
  try {
    await backendOf(deps, marked).stop(marked.remoteRunId);
  } catch (error) {
    deps.log.warn(`stop of ${marked.remoteRunId} failed: ${messageOf(error)}`);
  }
  const after = await refreshRun(deps, marked).catch(() => marked);
  if (!isFinalLocalRunStatus(after.status)) await finalizeRun(deps, after, { status: 'stopped' });
  return true;
}

export type DashboardStopOutcome = 'stopped' | 'not-active' | 'not-allowed';

/**
 * The dashboard's Stop: `login`'s permission on the run's repository is read from GitHub now (the App's
 * installation token) and must reach the repository's `min_permission`, as for `/codecloud stop`.
 */
export async function stopFromDashboard(
  deps: RunDeps,
  run: Run,
  login: string,
): Promise<DashboardStopOutcome> {
  if (isFinalLocalRunStatus(run.status)) return 'not-active';
  const loaded = await deps.loadConfig(run.installationId, run.owner, run.repo);
  const minPermission =
    loaded.kind === 'ok' ? loaded.config.minPermission : RULE_WITHOUT_CONFIG.minPermission;
  const gh = await deps.github(run.installationId);
  const role = await gh.permissionOf({ owner: run.owner, repo: run.repo }, login);
  if (!meetsPermission(role, minPermission)) {
    deps.log.info(`${login} (${role}) may not stop runs on ${run.owner}/${run.repo} from the dashboard`);
    return 'not-allowed';
  }
  return (await stopActiveRun(deps, run, login)) ? 'stopped' : 'not-active';
}

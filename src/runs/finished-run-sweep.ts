/**
 * The reconciler's quick look between its full passes: one list call per backend that can list (codecloud: its
 * newest runs with their status) finds the open runs that have finished at the backend although their completion
 * webhook never came, and only those are read back and finished. A run older than what the list returns waits for
 * the next full pass, as before. A pass makes no list call when every open run's completion webhook has arrived
 * already (its event job is recorded and will finish it).
 */
import type { Run } from '../store/store.js';
import type { Backend } from '../vocabulary.js';
import { forEachByInstallation } from './per-installation.js';
import { refreshRun } from './refresh-run.js';
import type { RunDeps } from './run-deps.js';

/** Runs read per page of the store's open runs. */
const PAGE = 200;

/** Open runs the backend has started (a remote id, `queued` or `running`), per backend. */
async function startedOpenRuns(deps: RunDeps, signal?: AbortSignal): Promise<Map<Backend, Run[]>> {
  const byBackend = new Map<Backend, Run[]>();
  let after: string | null = null;
  while (!signal?.aborted) {
    const page = await deps.store.listActiveRunsAfter(after, PAGE);
    for (const run of page) {
      if (run.remoteRunId === null || (run.status !== 'queued' && run.status !== 'running')) continue;
      const runs = byBackend.get(run.backend);
      if (runs) runs.push(run);
      else byBackend.set(run.backend, [run]);
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = last.id;
  }
  return byBackend;
}

/**
 * The runs whose completion webhook has not arrived: no `agent.completed`/`agent.failed` event job is recorded for
 * them. A run with follow-ups always counts (an event job may be about an earlier completion).
 */
async function lackingCompletion(deps: RunDeps, runs: readonly Run[]): Promise<Run[]> {
  const ids = runs.filter((run) => run.followUpCount === 0).map((run) => run.remoteRunId ?? '');
  if (ids.length === 0) return [...runs];
  const signs = await deps.store.completionSigns(ids);
  const completed = new Set(signs.filter((s) => s.sign.startsWith('codecloud:')).map((s) => s.remoteRunId));
  return runs.filter((run) => run.followUpCount > 0 || !completed.has(run.remoteRunId ?? ''));
}

/**
 * Finishes the open runs that a backend's list shows as completed or failed (several installations side by side);
 * returns how many it read back. No API call at all when no run is open. Stops between runs once `signal` is
 * aborted (shutdown).
 */
export async function sweepFinishedRuns(deps: RunDeps, signal?: AbortSignal): Promise<number> {
  let readBack = 0;
  for (const [name, runs] of await startedOpenRuns(deps, signal)) {
    const backend = deps.backends[name];
    if (!backend?.listRecent || signal?.aborted) continue;
    // Event jobs are recorded for codecloud's webhooks only.
    if (name === 'codecloud' && (await lackingCompletion(deps, runs)).length === 0) continue;
    const listed = new Map((await backend.listRecent()).map((entry) => [entry.remoteRunId, entry.status]));
    const finished = runs.filter((run) => {
      const status = run.remoteRunId === null ? undefined : listed.get(run.remoteRunId);
      return status === 'completed' || status === 'failed';
    });
    readBack += finished.length;
    // What the list says is only a hint: each run is read back and finished from what the API says of it.
    await forEachByInstallation(
      finished,
      (run) =>
        refreshRun(deps, run).then(
          () => undefined,
          (error: unknown) => deps.log.warn(`reading back finished run ${run.id}: ${String(error)}`),
        ),
      { signal },
    );
  }
  return readBack;
}

/**
 * The safety net of SPEC §3.7: at start-up and every `RECONCILE_INTERVAL_SECONDS`, every non-final run is read back
 * from its backend, runs past their time-out are stopped, runs cut off mid-start are failed, and waiting runs get
 * their slot. One replica at a time does it (a lease).
 */

import type { Run } from '../store/store.js';
import type { RunDeps } from './run-deps.js';
import {
  backendOf,
  drainInstallation,
  finalizeRun,
  postFinalComment,
  recordStarted,
  refreshRun,
  startRequestOf,
  timeOutRuns,
} from './run-lifecycle.js';
import { updateStatusComment } from './status-comment.js';

/** A run left in `starting` this long (the app died during the create or follow-up call) is looked at. */
const STUCK_STARTING_MS = 5 * 60_000;
/** A waiting run still without a status comment this long after it was created (its job gave up) is failed. */
const ORPHAN_MS = 15 * 60_000;
/** The create may have reached codecloud a little before the run was claimed (clock skew): look this far back. */
const LOOK_UP_MARGIN_MS = 60_000;
/** Runs read per page (every non-final run is visited, page by page). */
const PAGE = 200;

export async function reconcileOnce(deps: RunDeps, holder: string, leaseMs: number): Promise<void> {
  if (!(await deps.store.tryAcquireLease('reconciler', holder, leaseMs))) return;
  await timeOutRuns(deps).catch((error: unknown) => deps.log.warn(`time-outs: ${String(error)}`));
  let after: string | null = null;
  for (;;) {
    const page = await deps.store.listActiveRunsAfter(after, PAGE);
    for (const run of page) {
      try {
        await reconcileRun(deps, run);
      } catch (error) {
        deps.log.warn(`reconciling run ${run.id}: ${String(error)}`);
      }
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = last.id;
  }
  // Final runs whose final comment edit failed or was cut off: edit it now (with back-off between attempts).
  for (const run of await deps.store.listRunsAwaitingFinalComment(PAGE)) {
    await postFinalComment(deps, run).catch((error: unknown) =>
      deps.log.warn(`final status comment of run ${run.id} failed again: ${String(error)}`),
    );
  }
  for (const installationId of await deps.store.installationsWithWaitingRuns()) {
    await drainInstallation(deps, installationId).catch((error: unknown) =>
      deps.log.warn(`starting waiting runs of installation ${installationId}: ${String(error)}`),
    );
  }
}

async function reconcileRun(deps: RunDeps, run: Run): Promise<void> {
  if (run.status === 'waiting' && run.statusCommentId === null) {
    // Its job could not post the status comment and gave up: never started, it must not hold the thread forever.
    if (deps.now() - run.createdAt > ORPHAN_MS) {
      await finalizeRun(deps, run, {
        status: 'failed',
        result: {
          ...run.result,
          error: 'GitHub did not accept the status comment of this run, so it was not started; ask again.',
        },
      });
    }
    return;
  }
  if (run.status !== 'starting') {
    if (run.remoteRunId !== null) await refreshRun(deps, run, { throttled: true });
    return;
  }
  if (deps.now() - run.updatedAt <= STUCK_STARTING_MS) return;
  if (run.remoteRunId === null) {
    // The app died during the create call: the run may exist at codecloud all the same. Adopt it if so.
    const backend = backendOf(deps, run);
    const found = backend.findStarted
      ? await backend.findStarted(startRequestOf(run), run.updatedAt - LOOK_UP_MARGIN_MS)
      : undefined;
    if (found) {
      deps.log.info(`run ${run.id}: adopting ${found.remoteRunId}, created before the app restarted`);
      await recordStarted(deps, await deps.github(run.installationId), run, found);
      return;
    }
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: 'The app restarted while starting this run; ask again to retry.' },
    });
    return;
  }
  // A follow-up cut off mid-call: the API says whether the message got through.
  const view = await backendOf(deps, run).get(run.remoteRunId);
  if (view.status === 'queued' || view.status === 'running') {
    const moved = await deps.store.transitionRun(run.id, ['starting'], {
      status: view.status,
      remoteStatus: view.status,
    });
    if (moved)
      await updateStatusComment(deps, await deps.github(run.installationId), moved, { throttled: false });
    return;
  }
  const finishedAt = view.completedAt ? Date.parse(view.completedAt) : Number.NaN;
  if (run.startedAt !== null && finishedAt >= run.startedAt) {
    // It ran and finished after the follow-up was sent: take the answer as the follow-up's.
    const moved = await deps.store.transitionRun(run.id, ['starting'], { status: 'running' });
    if (moved) await refreshRun(deps, moved);
    return;
  }
  await finalizeRun(deps, run, {
    status: 'failed',
    result: {
      ...run.result,
      error: 'The app restarted while sending this follow-up, and codecloud never received it; ask again.',
    },
  });
}

export interface Reconciler {
  stop(): Promise<void>;
}

/** Runs `reconcileOnce` now and then every `intervalMs`, never two at once. */
export function startReconciler(deps: RunDeps, options: { intervalMs: number; holder: string }): Reconciler {
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    current = reconcileOnce(deps, options.holder, Math.max(options.intervalMs * 1.5, 1_000)).catch(
      (error: unknown) => deps.log.error(`reconciler: ${String(error)}`),
    );
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) void current.then(tick);
  }, options.intervalMs);
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
      await deps.store.releaseLease('reconciler', options.holder).catch(() => undefined);
    },
  };
}

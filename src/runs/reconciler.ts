/**
 * The safety net of SPEC §3.7: at start-up and every `RECONCILE_INTERVAL_SECONDS`, every non-final run is read back
 * from its backend, runs past their time-out are stopped, runs cut off mid-start are failed, and waiting runs get
 * their slot. One replica at a time does it (a lease).
 */

import type { RunDeps } from './run-deps.js';
import { drainInstallation, finalizeRun, refreshRun, timeOutRuns } from './run-lifecycle.js';

/** A run left in `starting` this long (the app died during the create call) is failed. */
const STUCK_STARTING_MS = 5 * 60_000;

export async function reconcileOnce(deps: RunDeps, holder: string, leaseMs: number): Promise<void> {
  if (!(await deps.store.tryAcquireLease('reconciler', holder, leaseMs))) return;
  await timeOutRuns(deps).catch((error: unknown) => deps.log.warn(`time-outs: ${String(error)}`));
  for (const run of await deps.store.listActiveRuns(500)) {
    try {
      if (run.status === 'starting') {
        if (deps.now() - run.updatedAt > STUCK_STARTING_MS) {
          await finalizeRun(deps, run, {
            status: 'failed',
            result: {
              ...run.result,
              error: 'The app restarted while starting this run; ask again to retry.',
            },
          });
        }
        continue;
      }
      if (run.remoteRunId !== null) await refreshRun(deps, run, { throttled: true });
    } catch (error) {
      deps.log.warn(`reconciling run ${run.id}: ${String(error)}`);
    }
  }
  for (const installationId of await deps.store.installationsWithWaitingRuns()) {
    await drainInstallation(deps, installationId).catch((error: unknown) =>
      deps.log.warn(`starting waiting runs of installation ${installationId}: ${String(error)}`),
    );
  }
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

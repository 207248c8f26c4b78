/**
 * The safety net (docs/how-it-works.md): at start-up and every `RECONCILE_INTERVAL_SECONDS`, every non-final run is read back
 * from its backend, runs past their time-out are stopped, runs whose starting process died are taken over, and
 * waiting runs get their slot. One replica at a time does it: the holder of a short lease that it renews every few
 * seconds, whatever the interval, so a replica that dies blocks the others for at most `RECONCILER_LEASE_MS`, and the
 * replica that takes the lease over reconciles at once.
 */

import type { Run } from '../store/store.js';
import { postFinalComment } from './final-comment.js';
import { sweepFinishedRuns } from './finished-run-sweep.js';
import { STOP_GRACE_MS } from './job-worker.js';
import { enqueue } from './jobs.js';
import { forEachByInstallation } from './per-installation.js';
import { refreshRun } from './refresh-run.js';
import type { RunDeps } from './run-deps.js';
import { drainInstallation, finalizeRun, timeOutRuns } from './run-lifecycle.js';
import { backendOf, START_LEASE_MS, whileStarting } from './run-start.js';
import { updateStatusComment } from './status-comment.js';
import { JOB_LOOK_UP_CREATE } from './trigger.js';

/**
 * A run in `starting` whose start lease nobody holds (its process died during the create or follow-up call) is
 * taken over once it has been in `starting` this long (the claim comes a moment before the lease is taken).
 */
const START_GRACE_MS = 5_000;
/**
 * The reconciler's lease, renewed every third of it: how long a dead replica can keep the others from reconciling.
 * At most 30 s whatever the interval; shorter with a short interval (1.5 intervals, at least 3 s).
 */
export const RECONCILER_LEASE_MS = 30_000;
const reconcilerLeaseMs = (intervalMs: number): number =>
  Math.round(Math.min(RECONCILER_LEASE_MS, Math.max(intervalMs * 1.5, 3_000)));
/** A waiting run still without a status comment this long after it was created (its job gave up) is failed. */
const ORPHAN_MS = 15 * 60_000;
/** Runs read per page (every non-final run is visited, page by page). */
const PAGE = 200;

/** What a pass leaves for later: a run whose start another holder still held, to look at again once it lapses. */
export interface ReconcilePass {
  recheckInMs?: number;
}

/**
 * One full pass (when this holder has or takes the reconciler's lease): several installations' runs side by side,
 * each installation's one after the other. With `signal` aborted (shutdown) it stops between runs: what it did not
 * reach is read by the next pass, here or on another replica.
 */
export async function reconcileOnce(
  deps: RunDeps,
  holder: string,
  leaseMs: number = RECONCILER_LEASE_MS,
  signal?: AbortSignal,
): Promise<ReconcilePass> {
  if (!(await deps.store.tryAcquireLease('reconciler', holder, leaseMs))) return {};
  const pass: ReconcilePass = {};
  await timeOutRuns(deps).catch((error: unknown) => deps.log.warn(`time-outs: ${String(error)}`));
  let after: string | null = null;
  for (;;) {
    if (signal?.aborted) return pass;
    const page = await deps.store.listActiveRunsAfter(after, PAGE);
    await forEachByInstallation(
      page,
      async (run) => {
        try {
          if ((await reconcileRun(deps, run)) === 'held-elsewhere') pass.recheckInMs = START_LEASE_MS;
        } catch (error) {
          deps.log.warn(`reconciling run ${run.id}: ${String(error)}`);
        }
      },
      { signal },
    );
    if (signal?.aborted) return pass;
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = last.id;
  }
  // Final runs whose final comment edit failed or was cut off: edit it now (with back-off between attempts).
  await forEachByInstallation(
    await deps.store.listRunsAwaitingFinalComment(PAGE),
    (run) =>
      postFinalComment(deps, run).catch((error: unknown) =>
        deps.log.warn(`final status comment of run ${run.id} failed again: ${String(error)}`),
      ),
    { signal },
  );
  if (signal?.aborted) return pass;
  const waiting = (await deps.store.installationsWithWaitingRuns()).map((installationId) => ({
    installationId,
  }));
  await forEachByInstallation(
    waiting,
    ({ installationId }) =>
      drainInstallation(deps, installationId).catch((error: unknown) =>
        deps.log.warn(`starting waiting runs of installation ${installationId}: ${String(error)}`),
      ),
    { signal },
  );
  if (!signal?.aborted) deps.metrics?.reconcilerPassed(deps.now());
  return pass;
}

async function reconcileRun(deps: RunDeps, run: Run): Promise<'held-elsewhere' | undefined> {
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
    return undefined;
  }
  if (run.status !== 'starting') {
    if (run.remoteRunId !== null) await refreshRun(deps, run, { throttled: true });
    return undefined;
  }
  if (deps.now() - run.updatedAt <= START_GRACE_MS) return 'held-elsewhere';
  // Abandoned only when no live process holds its start lease; holding it now, this replica takes over.
  const held = await whileStarting(deps, run.id, async () => {
    const current = await deps.store.getRun(run.id);
    if (current?.status === 'starting') await takeOverStarting(deps, current);
  });
  // Its holder may have died just now (its lease lapses within `START_LEASE_MS`): looked at again then.
  return held ? undefined : 'held-elsewhere';
}

async function takeOverStarting(deps: RunDeps, run: Run): Promise<void> {
  if (run.remoteRunId === null) {
    if (run.options.createSentAt === undefined || run.statusCommentId === null) {
      // Cut off before the create was sent: nothing exists at codecloud, so it goes back in line and starts normally.
      deps.log.info(`run ${run.id}: back in line, its process died before it was created`);
      await deps.store.transitionRun(run.id, ['starting'], { status: 'waiting' });
      return;
    }
    // Cut off during the create call: it may exist at codecloud. Looked up for a while, never sent again.
    deps.log.info(`run ${run.id}: its process died during the create; looking it up`);
    if (
      await enqueue(deps.store, JOB_LOOK_UP_CREATE, {
        dedupeKey: `look-up-create:${run.id}:1`,
        payload: { runId: run.id, lookUp: 1 },
      })
    )
      deps.wake();
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
  /**
   * Stops the schedule and waits for a pass or sweep under way, at most `graceMs` (default `STOP_GRACE_MS`): it stops
   * at its next run, and anything it did not reach is read by the next pass, here or on another replica.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * How often the lease holder looks for open runs that finished without a completion webhook (`sweepFinishedRuns`:
 * one list call per backend, only while runs are open), between full passes. Not needed when the interval is this
 * short or shorter.
 */
export const SWEEP_INTERVAL_MS = 10_000;

/**
 * Runs `reconcileOnce` now (start-up) and then every `intervalMs`, never two at once. Every third of the lease it
 * renews the lease, or tries to take it: a replica that takes it over from one that died reconciles at once. Between
 * full passes, the holder sweeps for finished runs every `sweepMs` (default `SWEEP_INTERVAL_MS`; 0: never).
 */
export function startReconciler(
  deps: RunDeps,
  options: { intervalMs: number; holder: string; leaseMs?: number; sweepMs?: number },
): Reconciler {
  const leaseMs = options.leaseMs ?? reconcilerLeaseMs(options.intervalMs);
  const sweepMs = options.sweepMs ?? SWEEP_INTERVAL_MS;
  const sweeping = sweepMs > 0 && sweepMs < options.intervalMs;
  const stopping = new AbortController();
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  let holding = false;
  let renewing = false;
  let passing = false;
  let lastPass = 0;
  let lastSweep = 0;
  let recheckAt: number | undefined;
  const startPass = (): void => {
    passing = true;
    lastPass = Date.now();
    lastSweep = lastPass;
    recheckAt = undefined;
    current = reconcileOnce(deps, options.holder, leaseMs, stopping.signal)
      .then((pass) => {
        if (pass.recheckInMs !== undefined) recheckAt = Date.now() + pass.recheckInMs;
      })
      .catch((error: unknown) => deps.log.error(`reconciler: ${String(error)}`))
      .finally(() => {
        passing = false;
      });
  };
  const startSweep = (): void => {
    passing = true;
    lastSweep = Date.now();
    current = sweepFinishedRuns(deps, stopping.signal)
      .then(() => undefined)
      .catch((error: unknown) => deps.log.warn(`reconciler: looking for finished runs: ${String(error)}`))
      .finally(() => {
        passing = false;
      });
  };
  // The lease is renewed on its own schedule, also while a long pass is under way.
  const renew = async (): Promise<void> => {
    if (stopped || renewing) return;
    renewing = true;
    try {
      const had = holding;
      holding = await deps.store
        .tryAcquireLease('reconciler', options.holder, leaseMs)
        .catch((error: unknown) => {
          deps.log.warn(`reconciler lease: ${String(error)}`);
          return false;
        });
      if (!holding || passing || stopped) return;
      // At start-up, or taken over from a replica that died: the open runs are read now.
      const due =
        Date.now() - lastPass >= options.intervalMs * 0.95 ||
        (recheckAt !== undefined && Date.now() >= recheckAt);
      if (!had || due) startPass();
      else if (sweeping && Date.now() - lastSweep >= sweepMs * 0.95) startSweep();
    } finally {
      renewing = false;
    }
  };
  void renew();
  const tick = Math.min(leaseMs / 3, options.intervalMs, sweeping ? sweepMs : Number.POSITIVE_INFINITY);
  const timer = setInterval(() => void renew(), Math.max(tick, 100));
  timer.unref?.();
  return {
    async stop(graceMs = STOP_GRACE_MS) {
      stopped = true;
      clearInterval(timer);
      stopping.abort();
      let timeout: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, graceMs);
      });
      await Promise.race([current, graceOver]);
      clearTimeout(timeout);
      await deps.store.releaseLease('reconciler', options.holder).catch(() => undefined);
    },
  };
}

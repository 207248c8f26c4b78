/**
 * A create call that got no answer, looked up at codecloud until the run shows up (adopted) or the last look-up
 * finds nothing (failed): never sent a second time.
 */
import type { Run } from '../store/store.js';
import type { JobPayload } from './jobs.js';
import { refreshRun } from './refresh-run.js';
import type { RunDeps } from './run-deps.js';
import { finalizeRun } from './run-lifecycle.js';
import {
  backendOf,
  CREATE_LOOK_UPS_MS,
  recordStarted,
  scheduleCreateLookUp,
  startRequestOf,
  whileStarting,
} from './run-start.js';
import type { JOB_LOOK_UP_CREATE } from './trigger.js';

/**
 * One look-up of a create that got no answer (the job `JOB_LOOK_UP_CREATE`): the run found at codecloud is adopted;
 * none found after the last look-up fails it with the reason and a hint (no second paid run is ever created).
 * The first look-up for a run whose creating process died is recorded by the reconciler.
 */
export async function lookUpLostCreate(
  deps: RunDeps,
  payload: JobPayload<typeof JOB_LOOK_UP_CREATE>,
): Promise<void> {
  const held = await whileStarting(deps, payload.runId, async () => {
    const run = await deps.store.getRun(payload.runId);
    if (run?.status !== 'starting' || run.remoteRunId !== null) return;
    const backend = backendOf(deps, run);
    if (!backend.findStarted) {
      // A backend without a look-up cannot tell whether the create happened: never sent again, failed.
      await failLostCreate(
        deps,
        run,
        'The create call of this run got no answer (the app restarted or lost it); ask again.',
      );
      return;
    }
    const sentAt = run.options.createSentAt ?? run.updatedAt;
    const last = payload.lookUp >= CREATE_LOOK_UPS_MS.length;
    let found: { remoteRunId: string; title?: string } | undefined;
    try {
      found = await backend.findStarted(startRequestOf(run), sentAt);
    } catch (error) {
      if (error instanceof Error && error.name === 'LostCreateError') {
        await failLostCreate(deps, run, error.message);
        return;
      }
      deps.log.warn(`run ${run.id}: look-up ${payload.lookUp} of its create failed: ${String(error)}`);
    }
    if (found && (await deps.store.getRunByRemoteId(found.remoteRunId, run.backend)) !== null) {
      found = undefined; // another run of ours already has it
    }
    if (found) {
      deps.log.info(`run ${run.id}: adopting ${found.remoteRunId}, whose create got no answer`);
      await recordStarted(deps, await deps.github(run.installationId), run, found);
      // Its webhooks came while it was not known to be ours (it may even have finished): read it back now.
      const adopted = await deps.store.getRun(run.id);
      if (adopted?.status === 'queued') await refreshRun(deps, adopted);
      return;
    }
    if (!last) {
      await scheduleCreateLookUp(deps, run, payload.lookUp + 1);
      return;
    }
    await failLostCreate(
      deps,
      run,
      'codecloud did not answer the call that creates this run, and no such run showed up in its list within ' +
        `${Math.round(CREATE_LOOK_UPS_MS[CREATE_LOOK_UPS_MS.length - 1]! / 60_000)} minutes, so it was not sent again ` +
        '(that could start a second paid run). Check the codecloud dashboard for it before asking again.',
    );
  });
  // Another live process is starting it right now: this look-up is retried later (the job fails).
  if (!held && (await deps.store.getRun(payload.runId))?.status === 'starting') {
    throw new Error(`run ${payload.runId} is being started by another process`);
  }
}

async function failLostCreate(deps: RunDeps, run: Run, error: string): Promise<void> {
  await finalizeRun(deps, run, { status: 'failed', result: { ...run.result, error } });
}

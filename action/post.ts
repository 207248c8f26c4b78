import * as core from '@actions/core';
import { parseActiveRuns, parseCleanupInputs, parsePendingCreates } from '../src/action/cleanup-inputs.js';
import { BACKEND_MODULES } from './backends.js';
import { runnerContext } from './context.js';
import { readRawInputs } from './read-inputs.js';
import { ACTIVE_RUNS_STATE, PENDING_CREATES_STATE } from './state-names.js';

/**
 * The post step: stops runs the main step left running (it was killed, or a stop failed) and the runs of creates
 * it never saw answered; else does nothing.
 */
export async function post(): Promise<void> {
  const runs = parseActiveRuns(core.getState(ACTIVE_RUNS_STATE));
  const pending = parsePendingCreates(core.getState(PENDING_CREATES_STATE));
  if (runs.length === 0 && pending.length === 0) {
    core.info('codecloud: no run left running; nothing to clean up');
    return;
  }
  const settings = parseCleanupInputs(readRawInputs());
  const what = [
    ...(runs.length > 0 ? [`run(s) ${runs.map((run) => run.id).join(', ')}`] : []),
    ...(pending.length > 0
      ? [`the run(s) being created for ${pending.map((create) => create.name).join(', ')}`]
      : []),
  ].join(' and ');
  if (!settings.stopOnCancel) {
    core.info(`codecloud: ${what} may still be going; stop-on-cancel is false, so they are left alone`);
    return;
  }
  if (!settings.apiKey) {
    core.warning(`codecloud: cannot stop ${what}: no api-key`);
    return;
  }
  core.info(`codecloud: stopping ${what}, left running by the main step`);
  const context = runnerContext(new AbortController().signal);
  try {
    await BACKEND_MODULES[settings.backend].cleanup(settings, { runs, pending }, context);
  } catch (error) {
    // Cleanup problems are warnings: the job's result was decided by the main step.
    core.warning(`codecloud: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

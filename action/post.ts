import * as core from '@actions/core';
import { parseActiveRuns, parseCleanupInputs } from '../src/action/cleanup-inputs.js';
import { BACKEND_MODULES } from './backends.js';
import { runnerContext } from './context.js';
import { readRawInputs } from './read-inputs.js';
import { ACTIVE_RUNS_STATE } from './state-names.js';

/** The post step: stops runs the main step left running (it was killed, or a stop failed); else does nothing. */
export async function post(): Promise<void> {
  const runs = parseActiveRuns(core.getState(ACTIVE_RUNS_STATE));
  if (runs.length === 0) {
    core.info('codecloud: no run left running; nothing to clean up');
    return;
  }
  const settings = parseCleanupInputs(readRawInputs());
  const ids = runs.map((run) => run.id).join(', ');
  if (!settings.stopOnCancel) {
    core.info(`codecloud: run(s) ${ids} may still be going; stop-on-cancel is false, so they are left alone`);
    return;
  }
  if (!settings.apiKey) {
    core.warning(`codecloud: cannot stop run(s) ${ids}: no api-key`);
    return;
  }
  core.info(`codecloud: stopping run(s) the main step left running: ${ids}`);
  const context = runnerContext(new AbortController().signal);
  try {
    await BACKEND_MODULES[settings.backend].cleanup(settings, runs, context);
  } catch (error) {
    // Cleanup problems are warnings: the job's result was decided by the main step.
    core.warning(`codecloud: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

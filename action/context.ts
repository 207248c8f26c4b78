import * as core from '@actions/core';
import type { ActionContext } from '../src/action/action-context.js';
import { systemClock } from '../src/action/clock.js';
import { pollScaleFromEnv } from '../src/action/wait-policy.js';
import { coreLog } from './core-log.js';
import { ACTIVE_RUNS_STATE, PENDING_CREATES_STATE } from './state-names.js';

/** The real runtime: system clock, the runner's log, state saved through `core.saveState`. */
export function runnerContext(signal: AbortSignal): ActionContext {
  return {
    log: coreLog,
    clock: systemClock,
    signal,
    // Internal, for the Action's own tests: shrinks poll and retry delays. Not a documented input.
    pollScale: pollScaleFromEnv(process.env.CODECLOUD_ACTION_POLL_SCALE),
    random: Math.random,
    onActiveRuns: (runs) => core.saveState(ACTIVE_RUNS_STATE, JSON.stringify(runs)),
    onPendingCreates: (creates) => core.saveState(PENDING_CREATES_STATE, JSON.stringify(creates)),
  };
}

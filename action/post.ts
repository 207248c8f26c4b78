import * as core from '@actions/core';
import type { ActiveRun } from '../src/action/action-context.js';
import {
  type LeftComment,
  parseActiveRuns,
  parseCleanupInputs,
  parseLeftComment,
  parsePendingCreates,
} from '../src/action/cleanup-inputs.js';
import { renderActionComment } from '../src/action/status-comment-body.js';
import { toolHeaderValues } from '../src/action/tools-input.js';
import { messageOf } from '../src/error-messages.js';
import { BACKEND_MODULES } from './backends.js';
import { runnerContext } from './context.js';
import { gitHubClient } from './github-comment.js';
import { readRawInputs } from './read-inputs.js';
import { ACTIVE_RUNS_STATE, PENDING_CREATES_STATE, STATUS_COMMENT_STATE } from './state-names.js';

/**
 * The post step: stops runs the main step left running (it was killed, or a stop failed) and the runs of creates
 * it never saw answered; else does nothing.
 */
export async function post(): Promise<void> {
  const runs = parseActiveRuns(core.getState(ACTIVE_RUNS_STATE));
  const pending = parsePendingCreates(core.getState(PENDING_CREATES_STATE));
  const comment = parseLeftComment(core.getState(STATUS_COMMENT_STATE));
  if (comment) await endComment(comment, runs);
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
    core.warning(`codecloud: cleanup failed: ${messageOf(error)}`);
  }
}

/** The main step was killed before its final edit: the status comment must not stay "Running". */
async function endComment(comment: LeftComment, runs: readonly ActiveRun[]): Promise<void> {
  const raw = readRawInputs();
  const token = raw['github-token'].trim();
  if (!token) return;
  const named = comment.identity.runs.length > 1 || runs.length > 1;
  const tasks = (runs.length > 0 ? runs : [{ id: undefined, name: 'run' }]).map((run) => ({
    name: run.name,
    result: {
      name: run.name,
      runId: run.id,
      status: 'stopped' as const,
      run: undefined,
      error: undefined,
      lines: [],
    },
  }));
  const body = renderActionComment(
    {
      identity: comment.identity,
      tasks,
      named,
      mode: 'execute',
      kind: 'run',
      requestedBy: process.env.GITHUB_ACTOR || 'github-actions',
      timeoutMinutes: 0,
      knownSecrets: [
        raw['api-key'].trim(),
        token,
        ...toolHeaderValues(raw.tools),
        ...toolHeaderValues(raw.tasks),
      ],
    },
    Date.now(),
  );
  try {
    await gitHubClient(token).rest.issues.updateComment({
      owner: comment.owner,
      repo: comment.repo,
      comment_id: comment.id,
      body,
    });
    core.info('codecloud: the status comment, left running by the main step, now says Stopped');
  } catch (error) {
    core.warning(`codecloud: could not end the status comment: ${messageOf(error)}`);
  }
}

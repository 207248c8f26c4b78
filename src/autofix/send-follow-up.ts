/**
 * Sends an autofix follow-up to the session of the run that opened the pull request: the run moves back to
 * `starting` (only from a final state: an active run is never interrupted), a new status comment on the pull
 * request's conversation says why (`options.autofix`), then the message goes with its idempotency key. From there
 * the run is followed like any other. Each attempt counts against the limits (`chargeAutofix`) before anything moves:
 * refused, one comment says so and nothing is sent.
 */

import { refundAttempt } from '../limits/charge.js';
import type { Limits } from '../limits/limits.js';
import { definedProps } from '../objects.js';
import { refreshRun } from '../runs/refresh-run.js';
import type { RunConfig, RunDeps } from '../runs/run-deps.js';
import { startFollowUp } from '../runs/run-lifecycle.js';
import { whileStarting } from '../runs/run-start.js';
import type { AutofixOrigin } from '../store/run-options.js';
import type { Run } from '../store/store.js';
import { chargeAutofix } from './autofix-limits.js';

/** The final states a session can be sent a follow-up from (a stopped run was stopped by a person). */
export const FOLLOW_UP_FROM = ['completed', 'failed', 'timed_out'] as const;

export interface AutofixMessage {
  /** The pull request whose conversation gets the status comment. */
  number: number;
  prompt: string;
  headline: string;
  origin: AutofixOrigin;
  idempotencyKey: string;
}

/**
 * 'sent' (or handed to the plan-limit line); 'busy' when the run is active or another process is starting it (the
 * charge is given back); 'refused' by a limit (one comment said so, nothing was sent).
 */
export async function sendAutofixFollowUp(
  deps: RunDeps,
  run: Run,
  config: Pick<RunConfig, 'timeoutMinutes' | 'trigger'>,
  message: AutofixMessage,
  limits: Limits,
): Promise<'sent' | 'busy' | 'refused'> {
  const remoteRunId = run.remoteRunId;
  if (remoteRunId === null) return 'busy';
  const usageCharge = await chargeAutofix(deps, run, {
    number: message.number,
    idempotencyKey: message.idempotencyKey,
    limits,
    trigger: config.trigger,
  });
  if (usageCharge === null) return 'refused';
  let outcome: 'sent' | 'busy' = 'busy';
  await whileStarting(deps, run.id, async () => {
    const {
      autofix: _previous,
      pendingFollowUp: _pending,
      usageCharge: _previousCharge,
      tokensPerRun: _previousLimit,
      ...options
    } = run.options;
    const moved = await deps.store.transitionRun(run.id, FOLLOW_UP_FROM, {
      status: 'starting',
      mode: 'execute',
      stopRequestedBy: null,
      finishedAt: null,
      statusCommentId: null,
      progress: null,
      startedAt: deps.now(),
      deadlineAt: deps.now() + config.timeoutMinutes * 60_000,
      result: definedProps({ prs: run.result.prs, branch: run.result.branch || undefined }),
      options: {
        ...options,
        headline: message.headline,
        requestedBy: run.requestedBy,
        timeoutMinutes: config.timeoutMinutes,
        trigger: config.trigger,
        reactOn: null,
        statusCommentPlace: { kind: 'issue_comment', number: message.number },
        autofix: message.origin,
        ...definedProps({ usageCharge, tokensPerRun: limits.tokens_per_run }),
      },
    });
    if (!moved) return;
    outcome = 'sent';
    await startFollowUp(deps, await deps.github(run.installationId), moved, remoteRunId, {
      prompt: message.prompt,
      mode: 'execute',
      idempotencyKey: message.idempotencyKey,
    });
  });
  if (outcome === 'busy') {
    // Given back unless the run carries this very charge (a retried job whose follow-up went out before).
    const current = await deps.store.getRun(run.id);
    if (current?.options.usageCharge !== usageCharge) await refundAttempt(deps.store, usageCharge);
    return outcome;
  }
  // A quick agent may finish before the run was marked accepted (its completion webhook then found it starting):
  // read it back once now rather than leave it to the reconciler.
  const accepted = await deps.store.getRun(run.id);
  if (accepted?.status === 'queued') await refreshRun(deps, accepted);
  return outcome;
}

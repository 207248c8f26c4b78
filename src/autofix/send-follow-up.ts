/**
 * Sends an autofix follow-up to the session of the run that opened the pull request: the run moves back to
 * `starting` (only from a final state: an active run is never interrupted), a new status comment on the pull
 * request's conversation says why (`options.autofix`), then the message goes with its idempotency key. From there
 * the run is followed like any other.
 */

import { definedProps } from '../objects.js';
import { statusCommentBody } from '../runs/comment-bodies.js';
import { refreshRun } from '../runs/refresh-run.js';
import type { RunConfig, RunDeps } from '../runs/run-deps.js';
import { sendFollowUp } from '../runs/run-lifecycle.js';
import { whileStarting } from '../runs/run-start.js';
import { postInThread } from '../runs/status-comment.js';
import type { AutofixOrigin } from '../store/run-options.js';
import type { Run } from '../store/store.js';

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

/** 'sent' (or handed to the plan-limit line), or 'busy' when the run is active or another process is starting it. */
export async function sendAutofixFollowUp(
  deps: RunDeps,
  run: Run,
  config: Pick<RunConfig, 'timeoutMinutes' | 'trigger'>,
  message: AutofixMessage,
): Promise<'sent' | 'busy'> {
  const remoteRunId = run.remoteRunId;
  if (remoteRunId === null) return 'busy';
  let outcome: 'sent' | 'busy' = 'busy';
  await whileStarting(deps, run.id, async () => {
    const { autofix: _previous, pendingFollowUp: _pending, ...options } = run.options;
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
      },
    });
    if (!moved) return;
    outcome = 'sent';
    const gh = await deps.github(run.installationId);
    await deps.store.unmarkFinalCommentPosted(run.id);
    const body = statusCommentBody(moved, {
      now: deps.now(),
      kind: 'follow-up',
      knownSecrets: deps.knownSecrets,
    });
    const commentId = await postInThread(gh, moved, body);
    const current = await deps.store.updateRun(run.id, { statusCommentId: commentId });
    await deps.store.incrementFollowUpCount(run.id);
    await sendFollowUp(deps, gh, current, remoteRunId, {
      prompt: message.prompt,
      mode: 'execute',
      idempotencyKey: message.idempotencyKey,
    });
  });
  // A quick agent may finish before the run was marked accepted (its completion webhook then found it starting):
  // read it back once now rather than leave it to the reconciler.
  const accepted = await deps.store.getRun(run.id);
  if (accepted?.status === 'queued') await refreshRun(deps, accepted);
  return outcome;
}

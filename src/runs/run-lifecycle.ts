/**
 * A run's start and its end, which call each other: the installation's line is drained into starts (a create, or a
 * follow-up that waited), a start that fails is finalized, and bringing a run to exactly one final state (completed,
 * failed, stopped, timed out) frees its slot for the next waiting run.
 */
import type { AgentBackend } from '../backends/agent-backend.js';
import { messageOf } from '../error-messages.js';
import { refundAttempt } from '../limits/charge.js';
import { definedProps } from '../objects.js';
import { DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import type { Run, RunResult } from '../store/store.js';
import {
  FINAL_LOCAL_RUN_STATUSES,
  type LocalRunStatus,
  NON_FINAL_LOCAL_RUN_STATUSES,
  type RunMode,
} from '../vocabulary.js';
import { statusCommentBody } from './comment-bodies.js';
import { postFinalComment } from './final-comment.js';
import type { RunDeps } from './run-deps.js';
import {
  backendOf,
  backOffForLimit,
  maxConcurrentOf,
  recordStarted,
  scheduleCreateLookUp,
  scheduleDrain,
  startRequestOf,
  whileStarting,
} from './run-start.js';
import { postInThread, updateStatusComment } from './status-comment.js';

/** Starts as many waiting runs of an installation as its free slots allow. */
export async function drainInstallation(
  deps: RunDeps,
  installationId: number,
  options: { slotFreed?: boolean } = {},
): Promise<void> {
  // codecloud said its plan limit is reached and when to come back: nothing is started before then, unless one of
  // the installation's runs just ended (a slot at codecloud is free again).
  const notBefore = options.slotFreed ? null : await deps.store.installationNotBefore(installationId);
  if (notBefore !== null) {
    // Whoever set it scheduled a drain for then; make sure one is (a drain for that moment is recorded once).
    await scheduleDrain(deps, installationId, notBefore);
    return;
  }
  const [oldest] = await deps.store.oldestWaitingRuns(installationId, 1);
  if (!oldest) return;
  const claimed = await deps.store.claimWaitingRunsWithComment(installationId, maxConcurrentOf(oldest));
  // Creates wait on the network: the claimed runs start side by side, so one slow create never holds up the next.
  const started = await Promise.allSettled(claimed.map((run) => startClaimedRun(deps, run)));
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Sends the create call for a run moved to `starting`, holding its start lease (another holder: left to it). */
async function startClaimedRun(deps: RunDeps, run: Run): Promise<void> {
  await whileStarting(deps, run.id, async () => {
    // Re-read under the lease: the reconciler may have handled it meanwhile.
    const current = await deps.store.getRun(run.id);
    if (current?.status === 'starting') await startHeldRun(deps, current);
  });
}

async function startHeldRun(deps: RunDeps, claimed: Run): Promise<void> {
  let run = claimed;
  if (run.statusCommentId === null) {
    // Its status comment is still being posted (by the job that created it, which drains afterwards): the comment
    // always comes before the backend call.
    await deps.store.transitionRun(run.id, ['starting'], { status: 'waiting' });
    return;
  }
  const gh = await deps.github(run.installationId);
  if (run.remoteRunId !== null) {
    await sendPendingFollowUp(deps, gh, run);
    return;
  }
  // Recorded before the call: a create cut off from here on may exist at codecloud, so it is looked up, never re-sent.
  const marked = await deps.store.transitionRun(run.id, ['starting'], {
    options: { ...run.options, createSentAt: deps.now() },
  });
  if (!marked) return;
  run = marked;
  let result: Awaited<ReturnType<AgentBackend['start']>>;
  try {
    result = await backendOf(deps, run).start(startRequestOf(run));
  } catch (error) {
    // The backend refused to create it: it counts nothing against the limits.
    await refundAttempt(deps.store, run.options.usageCharge);
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: messageOf(error) },
    });
    return;
  }
  if (result.kind === 'limit-reached') {
    // Refused: nothing was created, so it may be sent again later.
    const { createSentAt: _notSent, ...options } = run.options;
    await backOffForLimit(deps, gh, run, result.retryAfterMs, { options });
    return;
  }
  if (result.kind === 'unknown') {
    deps.log.warn(`run ${run.id}: the create got no answer (${result.message}); looking it up`);
    await scheduleCreateLookUp(deps, run, 1);
    // Shown as starting (not queued) while it is looked up.
    await updateStatusComment(deps, gh, run, { throttled: false });
    return;
  }
  await recordStarted(deps, gh, run, result);
}

/** A follow-up message that waited for a slot (codecloud's plan limit): sent now, with its own idempotency key. */
async function sendPendingFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
): Promise<void> {
  const pending = run.options.pendingFollowUp;
  if (!pending || run.remoteRunId === null) {
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: 'This follow-up was lost while waiting; ask again.' },
    });
    return;
  }
  await sendFollowUp(deps, gh, run, run.remoteRunId, {
    prompt: pending.prompt,
    mode: pending.mode,
    idempotencyKey: pending.idempotencyKey,
  });
}

/** A follow-up message to a run's session, with the key that makes sending it again harmless. */
export type FollowUpMessage = { prompt: string; mode: RunMode; idempotencyKey: string };

/**
 * Goes on with a run just moved to `starting` for a follow-up (a command in its thread, or an autofix attempt): its
 * tokens count from here for `tokens_per_run`, its final comment may be posted again, a new status comment goes in
 * the thread, then the message is sent to the same session ({@link sendFollowUp}).
 */
export async function startFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  moved: Run,
  remoteRunId: string,
  message: FollowUpMessage,
): Promise<void> {
  await deps.store.usage.startAttempt(moved.id);
  await deps.store.unmarkFinalCommentPosted(moved.id);
  const body = statusCommentBody(moved, {
    now: deps.now(),
    kind: 'follow-up',
    knownSecrets: deps.knownSecrets,
  });
  const commentId = await postInThread(gh, moved, body);
  const current = await deps.store.updateRun(moved.id, { statusCommentId: commentId });
  await deps.store.incrementFollowUpCount(moved.id);
  await sendFollowUp(deps, gh, current, remoteRunId, message);
}

/**
 * Sends a follow-up of a run in `starting` whose status comment exists: queued once accepted; refused by codecloud's
 * plan limit, it waits in line with the message kept (`options.pendingFollowUp`); failed when it cannot be sent.
 */
async function sendFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
  remoteRunId: string,
  message: FollowUpMessage,
): Promise<void> {
  let sent: Awaited<ReturnType<AgentBackend['followUp']>>;
  try {
    sent = await backendOf(deps, run).followUp(remoteRunId, {
      prompt: message.prompt,
      mode: message.mode,
      updatePr: message.mode === 'execute',
      idempotencyKey: message.idempotencyKey,
    });
  } catch (error) {
    await refundAttempt(deps.store, run.options.usageCharge);
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: `The follow-up could not be sent: ${messageOf(error)}` },
    });
    return;
  }
  if (sent.kind === 'limit-reached') {
    // Sent when the installation may start runs again.
    await backOffForLimit(deps, gh, run, undefined, {
      options: { ...run.options, pendingFollowUp: { ...message } },
    });
    return;
  }
  const { pendingFollowUp: _sent, ...options } = run.options;
  const accepted = await deps.store.transitionRun(run.id, ['starting'], {
    status: 'queued',
    remoteStatus: 'running',
    options,
  });
  if (accepted) await updateStatusComment(deps, gh, accepted, { throttled: false });
}

/**
 * Moves a run to a final state once, edits its status comment once (the first caller wins; the others only read),
 * reacts 🚀 or 😕 on the trigger, and lets the next waiting run of the installation start.
 */
export async function finalizeRun(
  deps: RunDeps,
  run: Run,
  final: { status: LocalRunStatus; result?: RunResult; remoteStatus?: string },
): Promise<Run> {
  const moved = await deps.store.transitionRun(run.id, NON_FINAL_LOCAL_RUN_STATUSES, {
    status: final.status,
    finishedAt: deps.now(),
    ...definedProps({ result: final.result, remoteStatus: final.remoteStatus || undefined }),
  });
  const current = moved ?? (await deps.store.getRun(run.id)) ?? run;
  if (moved) {
    deps.metrics?.runFinished({
      ...moved,
      inputTokens: moved.result.inputTokens,
      outputTokens: moved.result.outputTokens,
    });
  }
  if (FINAL_LOCAL_RUN_STATUSES.includes(current.status)) {
    // A failed edit is not lost: the reconciler finds the run (`listRunsAwaitingFinalComment`) and tries again.
    await postFinalComment(deps, current).catch((error: unknown) =>
      deps.log.warn(`final status comment of run ${run.id} failed (will retry): ${String(error)}`),
    );
  }
  if (moved) await drainInstallation(deps, run.installationId, { slotFreed: true });
  return current;
}

/** Stops runs past their `timeout_minutes` and gives them their final state. */
export async function timeOutRuns(deps: RunDeps): Promise<void> {
  for (const run of await deps.store.listRunsPastDeadline()) {
    // A create without an answer yet is not running out of time: it is being looked up (and failed if not found).
    if (run.status === 'starting' && run.remoteRunId === null) continue;
    if (run.remoteRunId !== null) {
      await backendOf(deps, run)
        .stop(run.remoteRunId)
        .catch((error: unknown) =>
          deps.log.warn(`stopping timed-out run ${run.id} failed: ${String(error)}`),
        );
    }
    const minutes = run.options.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    await finalizeRun(deps, run, {
      status: 'timed_out',
      result: {
        ...run.result,
        error: `The run took longer than ${minutes} minutes (\`timeout_minutes\`) and was stopped.`,
      },
    });
  }
}

/**
 * The commands about a thread's existing run: stop, status, approve (a plan), and a follow-up message to a completed
 * run. Each finds the thread's run, answers "no active run" (or "nothing to approve") when there is none, and reacts
 * 👀 before touching the backend.
 */

import { definedProps } from '../objects.js';
import { buildApproveMessage, buildFollowUpMessage } from '../prompt/build-prompt.js';
import { renderBusyReply, renderNoActiveRunReply, renderNothingToApproveReply } from '../render/replies.js';
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus, type RunMode } from '../vocabulary.js';
import { type CommandContext, commentUrl, reply, reviewContext, targetOfTrigger } from './command-context.js';
import { chargeCommand, commandLimits, refundCommand } from './command-limits.js';
import { isSpentTrigger, threadRunOf } from './command-route.js';
import { titleFromRequest } from './comment-bodies.js';
import { refreshRun } from './refresh-run.js';
import { startFollowUp } from './run-lifecycle.js';
import { whileStarting } from './run-start.js';
import { reactQuietly, type StatusCommentPlace, updateStatusComment } from './status-comment.js';
import { stopActiveRun } from './stop-run.js';
import { type CommandTrigger, threadKeyOf } from './trigger.js';

/** The run this thread is about: one started here, or the run that opened this pull request; active first. */
async function threadRun(ctx: CommandContext): Promise<Run | null> {
  const { deps, trigger } = ctx;
  const candidates: Run[] = [];
  const here = await deps.store.latestRunForThread(threadKeyOf(trigger));
  if (here) candidates.push(here);
  if (trigger.reviewComment) {
    const conversation = await deps.store.latestRunForThread(
      threadKeyOf({ ...trigger, reviewComment: undefined }),
    );
    if (conversation) candidates.push(conversation);
  }
  if (trigger.isPullRequest) {
    const opener = await deps.store.findRunByPullRequest(`${trigger.owner}/${trigger.repo}`, trigger.number);
    if (opener) candidates.push(opener);
  }
  return threadRunOf(candidates);
}

export async function stop(ctx: CommandContext): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const run = await threadRun(ctx);
  if (!run || isFinalLocalRunStatus(run.status)) {
    await reply(ctx, renderNoActiveRunReply(trigger.sender.login, ctx.config.trigger));
    return;
  }
  await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  if (!(await stopActiveRun(deps, run, trigger.sender.login))) {
    await reply(ctx, renderNoActiveRunReply(trigger.sender.login, ctx.config.trigger));
  }
}

export async function status(ctx: CommandContext): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const run = await threadRun(ctx);
  if (!run) {
    await reply(ctx, renderNoActiveRunReply(trigger.sender.login, ctx.config.trigger));
    return;
  }
  await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  if (run.remoteRunId === null) {
    await updateStatusComment(deps, gh, run, { throttled: false });
    return;
  }
  await refreshRun(deps, run, { forceEdit: true });
}

export async function approve(ctx: CommandContext, note: string): Promise<void> {
  const run = await threadRun(ctx);
  if (run && isSpentTrigger(ctx.trigger, run)) {
    ctx.deps.log.info(
      `${threadKeyOf(ctx.trigger)}: approval of ${ctx.trigger.createdAt} is no newer than run ${run.id}'s latest trigger; nothing sent (a replay)`,
    );
    return;
  }
  if (run?.mode !== 'plan' || run.status !== 'completed' || run.remoteRunId === null) {
    await reply(ctx, renderNothingToApproveReply(ctx.trigger.sender.login, ctx.config.trigger));
    return;
  }
  const prompt = buildApproveMessage({
    author: ctx.trigger.sender.login,
    url: commentUrl(ctx.trigger),
    note,
  });
  await followUp(ctx, run, prompt, 'execute', titleFromRequest(note, 'Carry out the plan'));
}

/** A command on a pull request whose opening run completed: the instruction goes to that run as a follow-up. */
export async function askFollowUp(
  ctx: CommandContext,
  run: Run,
  instruction: string,
  mode: RunMode,
): Promise<void> {
  const { trigger } = ctx;
  const message = buildFollowUpMessage({
    instruction,
    author: trigger.sender.login,
    url: commentUrl(trigger),
    ...(trigger.reviewComment ? { review: reviewContext(trigger.reviewComment) } : {}),
  });
  await followUp(ctx, run, message, mode, titleFromRequest(instruction, trigger.title));
}

/**
 * A follow-up message to a completed run. It gets its own status comment where it was asked (the pull request's
 * conversation or the review thread), posted before the backend call; the run record follows the new comment from
 * then on.
 */
async function followUp(
  ctx: CommandContext,
  run: Run,
  prompt: string,
  mode: RunMode,
  headline: string,
): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const remoteRunId = run.remoteRunId;
  if (remoteRunId === null) return;
  // Counted before it is sent (one atomic step in the store); refused: a reply, 😕, and nothing is sent.
  const usageCharge = await chargeCommand(ctx);
  if (usageCharge === null) return;
  await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  // Held while the message is sent: a replica that finds the run in `starting` leaves it to this process, or takes
  // over within seconds if it dies.
  let moved = false;
  const sent = await whileStarting(deps, run.id, async () => {
    moved = await sendFollowUpOf(ctx, run, remoteRunId, prompt, mode, headline, usageCharge);
  });
  if (!sent || !moved) {
    // Given back unless the run carries this very charge (a retried job whose follow-up went out before).
    const current = await deps.store.getRun(run.id);
    if (current?.options.usageCharge !== usageCharge) await refundCommand(ctx, usageCharge);
    await reply(ctx, renderBusyReply({ login: trigger.sender.login, trigger: ctx.config.trigger }));
  }
}

async function sendFollowUpOf(
  ctx: CommandContext,
  run: Run,
  remoteRunId: string,
  prompt: string,
  mode: RunMode,
  headline: string,
  usageCharge: string,
): Promise<boolean> {
  const { deps, gh, trigger } = ctx;
  // A command's follow-up is not an autofix attempt (its comment must not say so).
  const { autofix: _autofix, ...kept } = run.options;
  const moved = await deps.store.transitionRun(run.id, ['completed'], {
    // `starting` until the message is accepted: the reconciler and webhooks leave it alone meanwhile.
    status: 'starting',
    mode,
    stopRequestedBy: null,
    finishedAt: null,
    statusCommentId: null,
    progress: null,
    startedAt: deps.now(),
    deadlineAt: deps.now() + ctx.config.timeoutMinutes * 60_000,
    // The follow-up's own comment: the previous answer, plan, error and token counts are not its own.
    result: definedProps({ prs: run.result.prs, branch: run.result.branch || undefined }),
    options: {
      // The previous answer's stop note is not the follow-up's own.
      ...definedProps({ ...kept, stopNote: undefined }),
      headline,
      requestedBy: trigger.sender.login,
      timeoutMinutes: ctx.config.timeoutMinutes,
      trigger: ctx.config.trigger,
      reactOn: targetOfTrigger(trigger),
      // Asked in a review thread: the status comment is a reply there, edited as a review comment.
      statusCommentPlace: followUpPlace(trigger),
      ...definedProps({
        usageCharge,
        tokensPerRun: commandLimits(ctx).tokens_per_run,
        // Recorded with the follow-up itself (one compare-and-set): a replay of this or an older trigger sends none.
        followUpTrigger: trigger.createdAt
          ? { at: trigger.createdAt, commentId: trigger.commentId, kind: trigger.source }
          : undefined,
      }),
    },
  });
  if (!moved) return false;
  await startFollowUp(deps, gh, moved, remoteRunId, {
    prompt,
    mode,
    idempotencyKey: followUpIdempotencyKey(trigger),
  });
  return true;
}

function followUpPlace(trigger: CommandTrigger): StatusCommentPlace {
  return trigger.reviewComment
    ? { kind: 'review_comment', number: trigger.number, threadId: trigger.reviewComment.threadRootId }
    : { kind: 'issue_comment', number: trigger.number };
}

/**
 * The follow-up's idempotency key, unique per GitHub comment: issue comments, review comments and reviews have
 * separate id spaces, so the kind is part of the key.
 */
export function followUpIdempotencyKey(
  trigger: Pick<CommandTrigger, 'source' | 'commentId' | 'deliveryId'>,
): string {
  const kind =
    trigger.source === 'review'
      ? 'review'
      : trigger.source === 'review_comment'
        ? 'review-comment'
        : 'comment';
  return `github-${kind}-${trigger.commentId ?? trigger.deliveryId}`;
}

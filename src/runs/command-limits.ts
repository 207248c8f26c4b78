/**
 * The limits at a command: each run or follow-up a command asks for is counted (`chargeAttempt`) right before it is
 * created; over a limit, one reply names the limit, the usage and the reset time, the trigger gets 😕, and nothing
 * runs. The charge key is the command's own, so a retried job counts it once.
 */
import { type AttemptOutcome, chargeAttempt, limitsInForce, refundAttempt } from '../limits/charge.js';
import { renderLimitRefusalReply } from '../limits/limit-replies.js';
import type { Limits } from '../limits/limits.js';
import { type CommandContext, reply, targetOfTrigger } from './command-context.js';
import { reactQuietly } from './status-comment.js';

/** The limits in force where the command was written. */
export function commandLimits(ctx: CommandContext): Limits {
  return limitsInForce(ctx.deps.limitCeilings, ctx.repoConfig.limits);
}

/** The command's charge key: one per GitHub comment (or delivery, for a label or a new issue). */
export function commandChargeKey(ctx: CommandContext): string {
  const { trigger } = ctx;
  return `command:${trigger.source}:${trigger.commentId ?? trigger.deliveryId}`;
}

/**
 * Counts the command's run or follow-up; refused: replies, reacts 😕 and returns null (nothing counted, nothing may
 * run). Counted: the charge key, to record on the run (given back if the backend refuses to create it).
 */
export async function chargeCommand(ctx: CommandContext): Promise<string | null> {
  const { deps, trigger } = ctx;
  const outcome: AttemptOutcome = await chargeAttempt(
    deps.store,
    commandLimits(ctx),
    {
      chargeKey: commandChargeKey(ctx),
      installationId: trigger.installationId,
      owner: trigger.owner,
      repo: trigger.repo,
      login: trigger.sender.login,
    },
    deps.now(),
  );
  if (outcome.kind === 'counted') return outcome.chargeKey;
  deps.log.info(
    `${trigger.owner}/${trigger.repo}#${trigger.number}: refused by ${outcome.refusal.limit} (${outcome.refusal.used} of ${outcome.refusal.max})`,
  );
  await reply(ctx, renderLimitRefusalReply(trigger.sender.login, outcome.refusal));
  await reactQuietly(deps, ctx.gh, ctx.ref, targetOfTrigger(trigger), 'confused');
  return null;
}

/** Gives back a command's charge whose run never started (the thread was busy after all). */
export async function refundCommand(ctx: CommandContext, chargeKey: string): Promise<void> {
  await refundAttempt(ctx.deps.store, chargeKey);
}

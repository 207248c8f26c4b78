/** What one command job works with, and how it answers in the thread the command came from. */
import type { RepoConfig } from '../config/repo-config.js';
import type { GitHubApi, RepoRef } from '../github/github-api.js';
import { definedProps } from '../objects.js';
import { renderBusyReply } from '../render/replies.js';
import type { Run } from '../store/store.js';
import { busyAnswerOf } from './command-route.js';
import type { RunConfig, RunDeps } from './run-deps.js';
import { triggerTarget } from './status-comment.js';
import type { CommandTrigger } from './trigger.js';

export interface CommandContext {
  /** Which attempt of the job this is (1 for the first): a retry may find what an earlier attempt did. */
  attempt: number;
  deps: RunDeps;
  gh: GitHubApi;
  trigger: CommandTrigger;
  ref: RepoRef;
  config: RunConfig;
  repoConfig: RepoConfig;
}

/** Link to the triggering comment (for the messages sent to the agent). */
export function commentUrl(trigger: CommandTrigger): string {
  return trigger.commentUrl ?? `https://github.com/${trigger.owner}/${trigger.repo}/issues/${trigger.number}`;
}

/** Where an inline review comment sits, for the prompt and follow-up messages. */
export function reviewContext(review: NonNullable<CommandTrigger['reviewComment']>) {
  return definedProps({ path: review.path, diffHunk: review.diffHunk, line: review.line ?? undefined });
}

/** What the trigger's reactions go on (👀, 😕). */
export function targetOfTrigger(trigger: CommandTrigger) {
  return triggerTarget({
    triggerKind: trigger.source,
    triggerCommentId: trigger.commentId,
    number: trigger.number,
  });
}

/** A reply where the command was written: the review thread for an inline comment, else the conversation. */
export async function replyIn(
  gh: GitHubApi,
  trigger: CommandTrigger,
  ref: RepoRef,
  body: string,
): Promise<void> {
  if (trigger.reviewComment) {
    await gh.replyToReviewComment(ref, trigger.number, trigger.reviewComment.threadRootId, body);
  } else {
    await gh.createComment(ref, trigger.number, body);
  }
}

export async function reply(ctx: CommandContext, body: string): Promise<void> {
  await replyIn(ctx.gh, ctx.trigger, ctx.ref, body);
}

/** "Still working" with a link to the active run's status comment, unless the request repeats that run's own. */
export async function replyBusy(ctx: CommandContext, active: Run): Promise<void> {
  const { trigger } = ctx;
  const answer = busyAnswerOf(trigger, active);
  if (answer.kind === 'ignore') {
    ctx.deps.log.info(
      `${trigger.owner}/${trigger.repo}#${trigger.number}: ${trigger.source} trigger ignored, run ${active.id} is active`,
    );
    return;
  }
  await reply(
    ctx,
    renderBusyReply(
      definedProps({
        login: trigger.sender.login,
        trigger: ctx.config.trigger,
        statusCommentUrl: answer.statusCommentUrl || undefined,
      }),
    ),
  );
}

/**
 * A new run from a command: its record built from the run settings (the command's options over the repository
 * config, see `effectiveRunSettings`) and the thread as of the trigger, then created at most once per thread, its
 * status comment posted and 👀 added before any backend call.
 */
import type { RunSettings } from '../config/repo-config.js';
import type { IssueCommentInfo, PullRequestInfo } from '../github/github-api.js';
import { addLogFields, runLogFields } from '../log-context.js';
import { definedProps } from '../objects.js';
import { buildRunPrompt } from '../prompt/build-prompt.js';
import { isCodecloudComment } from '../render/markers.js';
import { renderBackendUnavailableReply } from '../render/replies.js';
import type { RunOptions } from '../store/run-options.js';
import type { NewRun } from '../store/store.js';
import { type CommandContext, reply, replyBusy, reviewContext, targetOfTrigger } from './command-context.js';
import { chargeCommand, commandLimits, refundCommand } from './command-limits.js';
import { isOwnRun } from './command-route.js';
import { titleFromRequest } from './comment-bodies.js';
import type { RunConfig } from './run-deps.js';
import { drainInstallation } from './run-lifecycle.js';
import { postStatusComment, reactQuietly } from './status-comment.js';
import { type CommandTrigger, threadKeyOf } from './trigger.js';

/** What a new run is asked to do, and on which branch. */
export interface NewRunRequest {
  settings: RunSettings;
  instruction: string;
  branch: string;
  /** The pull request the run works on, when it was asked on one. */
  pull?: PullRequestInfo;
  /** Cloud Coding: the thread's conversation this run continues, or why it starts a new one. */
  conversation?: Pick<RunOptions, 'continuesThread' | 'freshConversation'>;
}

const PRIOR_COMMENTS = 30;

export async function startRun(ctx: CommandContext, request: NewRunRequest): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const backend = request.settings.backend;
  if (!deps.backends[backend]) {
    await reply(ctx, renderBackendUnavailableReply(trigger.sender.login, backend));
    return;
  }
  // A retried job finds the run it already created instead of creating a second one.
  const existing = await deps.store.latestRunForThread(threadKeyOf(trigger));
  let run = existing && existing.prompt !== '' && isOwnRun(existing, trigger) ? existing : null;
  // A run this trigger created before (a retried job or a redelivery) may have had its comment posted by an attempt
  // that died before recording its id: look for it before posting.
  const lookFirst = run !== null || ctx.attempt > 1;
  if (!run) {
    // Counted before it is created (one atomic step in the store); refused: a reply, 😕, and nothing runs.
    const usageCharge = await chargeCommand(ctx);
    if (usageCharge === null) return;
    const comments = await priorComments(ctx);
    const tokensPerRun = commandLimits(ctx).tokens_per_run;
    const record = newRunOf(trigger, ctx.config, request, comments);
    record.options = definedProps({ ...record.options, usageCharge, tokensPerRun });
    // Atomic: of two commands arriving together in one thread, only one starts a run.
    const created = await deps.store.createRunIfThreadIdle(record);
    if ('busy' in created) {
      // The charge is this command's own: given back unless the busy run is the one it created before.
      if (!isOwnRun(created.busy, trigger)) {
        await refundCommand(ctx, usageCharge);
        await replyBusy(ctx, created.busy);
      }
      return;
    }
    run = created.created;
  }
  addLogFields(runLogFields(run));
  if (run.statusCommentId === null) {
    // The status comment first (GitHub spaces an installation's writes a second apart), then 👀, then the backend.
    run = await postStatusComment(deps, gh, run, { lookFirst });
    await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  }
  await drainInstallation(deps, trigger.installationId);
}

/** The run record of a new request, waiting for a slot, with its prompt built from the thread as of the trigger. */
export function newRunOf(
  trigger: CommandTrigger,
  config: Pick<RunConfig, 'maxConcurrentRuns' | 'progress' | 'trigger'>,
  request: NewRunRequest,
  comments: readonly IssueCommentInfo[],
): NewRun {
  const { settings, pull } = request;
  const prompt = buildRunPrompt({
    instruction: request.instruction,
    repo: `${trigger.owner}/${trigger.repo}`,
    requester: trigger.sender.login,
    thread: {
      kind: trigger.isPullRequest ? 'pull_request' : 'issue',
      number: trigger.number,
      // The webhook's snapshot: the text as of the request, not as edited since.
      title: trigger.title,
      body: trigger.body,
      author: pull?.author ?? trigger.author ?? 'unknown',
    },
    ...(pull ? { pullRequest: { headBranch: pull.headRef, baseBranch: pull.baseRef } } : {}),
    ...(trigger.reviewComment ? { review: reviewContext(trigger.reviewComment) } : {}),
    comments: comments.map((c) => ({ author: c.author, body: c.body, createdAt: c.createdAt })),
    instructions: settings.instructions,
  });
  return {
    backend: settings.backend,
    installationId: trigger.installationId,
    owner: trigger.owner,
    repo: trigger.repo,
    threadKey: threadKeyOf(trigger),
    number: trigger.number,
    targetKind: trigger.isPullRequest ? 'pull_request' : 'issue',
    reviewCommentThreadId: trigger.reviewComment?.threadRootId ?? null,
    triggerCommentId: trigger.commentId,
    triggerKind: trigger.source,
    requestedBy: trigger.sender.login,
    mode: settings.mode,
    prompt,
    status: 'waiting',
    options: definedProps({
      branch: request.branch,
      autoCreatePr: settings.autoCreatePr,
      maxConcurrentRuns: config.maxConcurrentRuns,
      timeoutMinutes: settings.timeoutMinutes,
      progress: config.progress,
      trigger: config.trigger,
      deliveryId: trigger.deliveryId,
      headline: titleFromRequest(request.instruction, pull?.title ?? trigger.title),
      model: settings.model || undefined,
      provider: settings.provider || undefined,
      agentProvider: settings.agentProvider,
      continuesThread: request.conversation?.continuesThread,
      freshConversation: request.conversation?.freshConversation,
    }),
    // Known from the start: a later command continues the same conversation even if this stream never says it.
    ...(request.conversation?.continuesThread
      ? { cloudcodingThreadId: request.conversation.continuesThread }
      : {}),
  };
}

/** Earlier human comments of the thread, as of now, excluding the trigger and anything the app posted. */
async function priorComments(ctx: CommandContext): Promise<IssueCommentInfo[]> {
  const { gh, trigger, ref, deps } = ctx;
  if (trigger.source === 'issue_body') return [];
  // The thread as of the trigger: the most recent comments posted up to it, not the oldest, nor later ones.
  const all = await gh
    .listComments(ref, trigger.number, PRIOR_COMMENTS + 10, { before: trigger.createdAt })
    .catch(() => []);
  return all
    .filter(
      (c) =>
        !(trigger.source === 'issue_comment' && c.id === trigger.commentId) &&
        c.authorType !== 'Bot' &&
        c.author.toLowerCase() !== deps.botLogin.toLowerCase() &&
        !isCodecloudComment(c.body),
    )
    .slice(-PRIOR_COMMENTS);
}

/**
 * A recorded GitHub command, worked off the webhook's path: config, who may trigger (SPEC §3.5), what the command
 * is, and where a run goes (SPEC §3.4). The 👀 reaction and the status comment always come before the backend call.
 */

import { describeBackendError } from '../backends/agent-backend.js';
import type { Command, CommandOptions } from '../commands/command.js';
import { DEFAULT_TRIGGER } from '../commands/find-command-line.js';
import { parseCommand } from '../commands/parse-command.js';
import { isAllowedBot, type RepoConfig } from '../config/repo-config.js';
import type { GitHubApi, IssueCommentInfo, PullRequestInfo, RepoRef } from '../github/github-api.js';
import { meetsPermission } from '../github/permission-level.js';
import { buildApproveMessage, buildFollowUpMessage, buildRunPrompt } from '../prompt/build-prompt.js';
import { isCodecloudComment } from '../render/markers.js';
import {
  renderBackendUnavailableReply,
  renderBusyReply,
  renderForkRefusal,
  renderHelpReply,
  renderInvalidConfigComment,
  renderInvalidOptionsReply,
  renderNoActiveRunReply,
  renderNothingToApproveReply,
} from '../render/replies.js';
import type { NewRun, Run } from '../store/store.js';
import {
  type Backend,
  isFinalLocalRunStatus,
  NON_FINAL_LOCAL_RUN_STATUSES,
  type RunMode,
} from '../vocabulary.js';
import { statusCommentBody, titleFromRequest } from './comment-bodies.js';
import type { RunConfig, RunDeps } from './run-deps.js';
import {
  backendOf,
  drainInstallation,
  finalizeRun,
  refreshRun,
  sendFollowUp,
  whileStarting,
} from './run-lifecycle.js';
import {
  postInThread,
  postStatusComment,
  reactQuietly,
  type StatusCommentPlace,
  statusCommentPlaceOf,
  triggerTarget,
  updateStatusComment,
} from './status-comment.js';
import { type CommandTrigger, threadKeyOf } from './trigger.js';

interface Ctx {
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
function commentUrl(trigger: CommandTrigger): string {
  return trigger.commentUrl ?? `https://github.com/${trigger.owner}/${trigger.repo}/issues/${trigger.number}`;
}

function reviewContext(review: NonNullable<CommandTrigger['reviewComment']>) {
  return {
    path: review.path,
    diffHunk: review.diffHunk,
    ...(review.line !== null ? { line: review.line } : {}),
  };
}

const PRIOR_COMMENTS = 30;

export async function handleCommandJob(
  deps: RunDeps,
  trigger: CommandTrigger,
  job: { attempt?: number } = {},
): Promise<void> {
  if (trigger.sender.login.toLowerCase() === deps.botLogin.toLowerCase()) return;
  const ref = { owner: trigger.owner, repo: trigger.repo };
  const loaded = await deps.loadConfig(trigger.installationId, trigger.owner, trigger.repo);
  const gh = await deps.github(trigger.installationId);

  if (loaded.kind === 'invalid') {
    // Only a real command (default trigger) or the default label earns the one comment about the broken file.
    const asked =
      trigger.source === 'label'
        ? trigger.label === 'codecloud'
        : parseCommand(trigger.text, DEFAULT_TRIGGER).kind !== 'none';
    if (!asked) return;
    if (!(await mayTrigger(deps, gh, trigger, ref, { minPermission: 'write', allowedBots: [] }))) return;
    await replyIn(
      gh,
      trigger,
      ref,
      renderInvalidConfigComment({ issues: loaded.issues, login: trigger.sender.login }),
    );
    return;
  }
  const config = loaded.config;
  const ctx: Ctx = {
    attempt: job.attempt ?? 1,
    deps,
    gh,
    trigger,
    ref,
    config,
    repoConfig: loaded.repoConfig,
  };

  if (trigger.source === 'label') {
    if ((trigger.label ?? '').toLowerCase() !== config.label.toLowerCase()) return;
    if (!(await mayTrigger(deps, gh, trigger, ref, config))) return;
    return dispatch(ctx, { kind: config.mode === 'plan' ? 'plan' : 'execute', instruction: '', options: {} });
  }
  const parsed = parseCommand(trigger.text, config.trigger);
  if (parsed.kind === 'none') return;
  // Help is harmless: anyone with read access gets it, with their permission and whether they may start runs.
  if (parsed.kind === 'command' && parsed.command.kind === 'help' && trigger.sender.type !== 'Bot') {
    const role = await gh.permissionOf(ref, trigger.sender.login);
    if (meetsPermission(role, 'read')) return dispatch(ctx, parsed.command);
  }
  if (!(await mayTrigger(deps, gh, trigger, ref, config))) return;
  if (parsed.kind === 'invalid') {
    await reply(
      ctx,
      renderInvalidOptionsReply({
        login: trigger.sender.login,
        line: parsed.line,
        problems: parsed.problems,
        trigger: config.trigger,
      }),
    );
    return;
  }
  return dispatch(ctx, parsed.command);
}

/** Bots only when listed; humans by their collaborator permission. A refused human gets 😕 and nothing else. */
async function mayTrigger(
  deps: RunDeps,
  gh: GitHubApi,
  trigger: CommandTrigger,
  ref: RepoRef,
  config: Pick<RunConfig, 'minPermission' | 'allowedBots'>,
): Promise<boolean> {
  const login = trigger.sender.login;
  if (trigger.sender.type === 'Bot') return isAllowedBot({ allowed_bots: config.allowedBots }, login);
  const role = await gh.permissionOf(ref, login);
  if (meetsPermission(role, config.minPermission)) return true;
  deps.log.info(`${login} (${role}) may not trigger runs on ${ref.owner}/${ref.repo}`);
  await reactQuietly(deps, gh, ref, targetOfTrigger(trigger), 'confused');
  return false;
}

function targetOfTrigger(trigger: CommandTrigger) {
  return triggerTarget({
    triggerKind: trigger.source,
    triggerCommentId: trigger.commentId,
    number: trigger.number,
  });
}

async function reply(ctx: Ctx, body: string): Promise<void> {
  await replyIn(ctx.gh, ctx.trigger, ctx.ref, body);
}

async function replyIn(gh: GitHubApi, trigger: CommandTrigger, ref: RepoRef, body: string): Promise<void> {
  if (trigger.reviewComment) {
    await gh.replyToReviewComment(ref, trigger.number, trigger.reviewComment.threadRootId, body);
  } else {
    await gh.createComment(ref, trigger.number, body);
  }
}

async function dispatch(ctx: Ctx, command: Command): Promise<void> {
  switch (command.kind) {
    case 'help': {
      const role = await ctx.gh.permissionOf(ctx.ref, ctx.trigger.sender.login);
      await reply(
        ctx,
        renderHelpReply({
          login: ctx.trigger.sender.login,
          permission: role,
          config: ctx.repoConfig,
        }),
      );
      return;
    }
    case 'stop':
      return stop(ctx);
    case 'status':
      return status(ctx);
    case 'approve':
      return approve(ctx, command.note);
    case 'execute':
    case 'plan':
      return route(
        ctx,
        command.kind === 'plan' ? 'plan' : ctx.config.mode,
        command.instruction,
        command.options,
      );
  }
}

/** The run this thread is about: one started here, or the run that opened this pull request; active first. */
async function threadRun(ctx: Ctx): Promise<Run | null> {
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
  const active = candidates.find((run) => !isFinalLocalRunStatus(run.status));
  if (active) return active;
  return candidates.sort((a, b) => b.updatedAt - a.updatedAt)[0] ?? null;
}

async function stop(ctx: Ctx): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const run = await threadRun(ctx);
  if (!run || isFinalLocalRunStatus(run.status)) {
    await reply(ctx, renderNoActiveRunReply(trigger.sender.login, ctx.config.trigger));
    return;
  }
  await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  // Only while it is still active: a run that finished meanwhile keeps its state.
  const marked = await deps.store.transitionRun(run.id, NON_FINAL_LOCAL_RUN_STATUSES, {
    stopRequestedBy: trigger.sender.login,
  });
  if (!marked) {
    await reply(ctx, renderNoActiveRunReply(trigger.sender.login, ctx.config.trigger));
    return;
  }
  if (marked.remoteRunId === null) {
    await finalizeRun(deps, marked, { status: 'stopped' });
    return;
  }
  try {
    await backendOf(deps, marked).stop(marked.remoteRunId);
  } catch (error) {
    deps.log.warn(`stop of ${marked.remoteRunId} failed: ${describeBackendError(error)}`);
  }
  const after = await refreshRun(deps, marked).catch(() => marked);
  if (!isFinalLocalRunStatus(after.status)) await finalizeRun(deps, after, { status: 'stopped' });
}

async function status(ctx: Ctx): Promise<void> {
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

async function approve(ctx: Ctx, note: string): Promise<void> {
  const run = await threadRun(ctx);
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

/** SPEC §3.4. */
async function route(ctx: Ctx, mode: RunMode, instruction: string, options: CommandOptions): Promise<void> {
  const { deps, trigger } = ctx;
  const current = await deps.store.latestRunForThread(threadKeyOf(trigger));
  if (current && !isFinalLocalRunStatus(current.status) && !isOwnRun(current, trigger)) {
    await replyBusy(ctx, current);
    return;
  }
  if (!trigger.isPullRequest) {
    await startRun(ctx, {
      mode,
      instruction,
      options,
      branch: options.branch ?? ctx.config.branch ?? trigger.defaultBranch,
    });
    return;
  }
  const opener = await deps.store.findRunByPullRequest(`${trigger.owner}/${trigger.repo}`, trigger.number);
  if (opener && opener.remoteRunId !== null) {
    if (!isFinalLocalRunStatus(opener.status)) {
      await replyBusy(ctx, opener);
      return;
    }
    if (opener.status === 'completed') {
      const message = buildFollowUpMessage({
        instruction,
        author: trigger.sender.login,
        url: commentUrl(trigger),
        ...(trigger.reviewComment ? { review: reviewContext(trigger.reviewComment) } : {}),
      });
      await followUp(ctx, opener, message, mode, titleFromRequest(instruction, trigger.title));
      return;
    }
  }
  const pull = await ctx.gh.getPull(ctx.ref, trigger.number);
  if (pull.fromFork) {
    await reply(
      ctx,
      renderForkRefusal({
        login: trigger.sender.login,
        ...(pull.headRepo ? { headRepo: pull.headRepo } : {}),
      }),
    );
    return;
  }
  await startRun(ctx, { mode, instruction, options, branch: pull.headRef, pull });
}

/** The run this very trigger created (a retried or redelivered job), not another one. */
function isOwnRun(run: Run, trigger: CommandTrigger): boolean {
  if (run.options.deliveryId === trigger.deliveryId) return true;
  return (
    trigger.commentId !== null &&
    run.triggerCommentId === trigger.commentId &&
    run.triggerKind === trigger.source
  );
}

/**
 * "Still working" with a link to the active run's status comment. The label and the issue body of one new issue
 * (two deliveries of one event) are one request: the second is ignored without a reply.
 */
async function replyBusy(ctx: Ctx, active: Run): Promise<void> {
  const { trigger } = ctx;
  const auto = (kind: Run['triggerKind']) => kind === 'label' || kind === 'issue_body';
  if (auto(trigger.source) && auto(active.triggerKind) && active.number === trigger.number) {
    ctx.deps.log.info(
      `${trigger.owner}/${trigger.repo}#${trigger.number}: ${trigger.source} trigger ignored, run ${active.id} is active`,
    );
    return;
  }
  const url = statusCommentUrl(trigger, active);
  await reply(
    ctx,
    renderBusyReply({
      login: trigger.sender.login,
      trigger: ctx.config.trigger,
      ...(url ? { statusCommentUrl: url } : {}),
    }),
  );
}

/** The web address of a run's status comment (same host as the trigger's own `html_url`). */
function statusCommentUrl(trigger: CommandTrigger, run: Run): string | undefined {
  if (run.statusCommentId === null) return undefined;
  const repoPath = `/${run.owner}/${run.repo}/`;
  const at = trigger.commentUrl?.toLowerCase().indexOf(repoPath.toLowerCase()) ?? -1;
  const base = trigger.commentUrl && at > 0 ? trigger.commentUrl.slice(0, at) : 'https://github.com';
  const place = statusCommentPlaceOf(run);
  return place.kind === 'review_comment'
    ? `${base}/${run.owner}/${run.repo}/pull/${place.number}#discussion_r${run.statusCommentId}`
    : `${base}/${run.owner}/${run.repo}/issues/${place.number}#issuecomment-${run.statusCommentId}`;
}

interface StartSpec {
  mode: RunMode;
  instruction: string;
  options: CommandOptions;
  branch: string;
  pull?: PullRequestInfo;
}

async function startRun(ctx: Ctx, spec: StartSpec): Promise<void> {
  const { deps, gh, trigger, config } = ctx;
  const backend: Backend = spec.options.backend ?? config.backend;
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
    // Atomic: of two commands arriving together in one thread, only one starts a run.
    const created = await deps.store.createRunIfThreadIdle(await newRunOf(ctx, spec, backend));
    if ('busy' in created) {
      if (!isOwnRun(created.busy, trigger)) await replyBusy(ctx, created.busy);
      return;
    }
    run = created.created;
  }
  if (run.statusCommentId === null) {
    // The status comment first (GitHub spaces an installation's writes a second apart), then 👀, then the backend.
    run = await postStatusComment(deps, gh, run, { lookFirst });
    await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  }
  await drainInstallation(deps, trigger.installationId);
}

/** The run record of a new request, waiting for a slot, with its prompt built from the thread as of the trigger. */
async function newRunOf(ctx: Ctx, spec: StartSpec, backend: Backend): Promise<NewRun> {
  const { trigger, config } = ctx;
  const comments = await priorComments(ctx);
  const prompt = buildRunPrompt({
    instruction: spec.instruction,
    repo: `${trigger.owner}/${trigger.repo}`,
    requester: trigger.sender.login,
    thread: {
      kind: trigger.isPullRequest ? 'pull_request' : 'issue',
      number: trigger.number,
      // The webhook's snapshot: the text as of the request, not as edited since.
      title: trigger.title,
      body: trigger.body,
      author: spec.pull?.author ?? trigger.author ?? 'unknown',
    },
    ...(spec.pull ? { pullRequest: { headBranch: spec.pull.headRef, baseBranch: spec.pull.baseRef } } : {}),
    ...(trigger.reviewComment ? { review: reviewContext(trigger.reviewComment) } : {}),
    comments: comments.map((c) => ({ author: c.author, body: c.body, createdAt: c.createdAt })),
    instructions: config.instructions,
  });
  const model = spec.options.model ?? config.model;
  const provider = spec.options.provider ?? config.provider;
  const agentProvider = spec.options.agentProvider ?? config.agentProvider;
  return {
    backend,
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
    mode: spec.mode,
    prompt,
    status: 'waiting',
    options: {
      branch: spec.branch,
      autoCreatePr: spec.options.noPr ? false : config.autoCreatePr,
      maxConcurrentRuns: config.maxConcurrentRuns,
      timeoutMinutes: config.timeoutMinutes,
      progress: config.progress,
      trigger: config.trigger,
      deliveryId: trigger.deliveryId,
      headline: titleFromRequest(spec.instruction, spec.pull?.title ?? trigger.title),
      ...(model ? { model } : {}),
      ...(provider ? { provider } : {}),
      ...(agentProvider ? { agentProvider } : {}),
    },
  };
}

/** Earlier human comments of the thread, as of now, excluding the trigger and anything the app posted. */
async function priorComments(ctx: Ctx): Promise<IssueCommentInfo[]> {
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

/**
 * A follow-up message to a completed run (SPEC §3.4). It gets its own status comment where it was asked (the pull
 * request's conversation or the review thread), posted before the backend call; the run record follows the new
 * comment from then on.
 */
async function followUp(ctx: Ctx, run: Run, prompt: string, mode: RunMode, headline: string): Promise<void> {
  const { deps, gh, trigger } = ctx;
  const remoteRunId = run.remoteRunId;
  if (remoteRunId === null) return;
  await reactQuietly(deps, gh, ctx.ref, targetOfTrigger(trigger), 'eyes');
  // Held while the message is sent: a replica that finds the run in `starting` leaves it to this process, or takes
  // over within seconds if it dies.
  const sent = await whileStarting(deps, run.id, () =>
    sendFollowUpOf(ctx, run, remoteRunId, prompt, mode, headline),
  );
  if (!sent) {
    await reply(ctx, renderBusyReply({ login: trigger.sender.login, trigger: ctx.config.trigger }));
  }
}

async function sendFollowUpOf(
  ctx: Ctx,
  run: Run,
  remoteRunId: string,
  prompt: string,
  mode: RunMode,
  headline: string,
): Promise<void> {
  const { deps, gh, trigger } = ctx;
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
    result: {
      ...(run.result.prs ? { prs: run.result.prs } : {}),
      ...(run.result.branch ? { branch: run.result.branch } : {}),
    },
    options: {
      ...run.options,
      headline,
      requestedBy: trigger.sender.login,
      timeoutMinutes: ctx.config.timeoutMinutes,
      trigger: ctx.config.trigger,
      reactOn: targetOfTrigger(trigger),
      // Asked in a review thread: the status comment is a reply there (SPEC §3.6), edited as a review comment.
      statusCommentPlace: followUpPlace(trigger),
    },
  });
  if (!moved) {
    await reply(ctx, renderBusyReply({ login: trigger.sender.login, trigger: ctx.config.trigger }));
    return;
  }
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
    prompt,
    mode,
    idempotencyKey: followUpIdempotencyKey(trigger),
  });
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

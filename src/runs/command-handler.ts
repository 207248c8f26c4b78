/**
 * A recorded GitHub command, worked off the webhook's path: the config, who may trigger (`who-may-trigger.ts`), what
 * the command is, and where it goes (`command-route.ts`): a new run (`new-run.ts`) or one of the thread commands
 * (`thread-commands.ts`). The 👀 reaction and the status comment always come before the backend call.
 */
import { missingPermissionsOf } from '../autofix/missing-permissions.js';
import { autofixHeardCommand } from '../autofix/pause.js';
import type { Command, CommandOptions } from '../commands/command.js';
import { DEFAULT_TRIGGER } from '../commands/find-command-line.js';
import { parseCommand } from '../commands/parse-command.js';
import { effectiveRunSettings, type RunSettings } from '../config/repo-config.js';
import { definedProps } from '../objects.js';
import {
  renderForkRefusal,
  renderHelpReply,
  renderInvalidConfigComment,
  renderInvalidOptionsReply,
} from '../render/replies.js';
import { conversationChoice } from './cloudcoding-conversation.js';
import { type CommandContext, reply, replyBusy, replyIn } from './command-context.js';
import { routeCommand } from './command-route.js';
import { startRun } from './new-run.js';
import type { RunDeps } from './run-deps.js';
import { approve, askFollowUp, status, stop } from './thread-commands.js';
import { type CommandTrigger, threadKeyOf } from './trigger.js';
import { helpLimitLines, usage } from './usage-command.js';
import { mayAskForHelp, mayTrigger, RULE_WITHOUT_CONFIG } from './who-may-trigger.js';

export async function handleCommandJob(
  deps: RunDeps,
  trigger: CommandTrigger,
  job: { attempt?: number } = {},
): Promise<void> {
  if (trigger.sender.login.toLowerCase() === deps.botLogin.toLowerCase()) return;
  const ref = { owner: trigger.owner, repo: trigger.repo };
  // Read for the commenter: a config that `_extends` a repository they cannot read is refused (nothing of it shows).
  const loaded = await deps.loadConfig(trigger.installationId, trigger.owner, trigger.repo, {
    reader: trigger.sender.login,
  });
  const gh = await deps.github(trigger.installationId);

  if (loaded.kind === 'invalid') {
    // Only a real command (default trigger) or the default label earns the one comment about the broken file.
    const asked =
      trigger.source === 'label'
        ? trigger.label === 'codecloud'
        : parseCommand(trigger.text, DEFAULT_TRIGGER).kind !== 'none';
    if (!asked) return;
    if (!(await mayTrigger(deps, gh, trigger, ref, RULE_WITHOUT_CONFIG))) return;
    await replyIn(
      gh,
      trigger,
      ref,
      renderInvalidConfigComment({ issues: loaded.issues, login: trigger.sender.login }),
    );
    return;
  }
  const config = loaded.config;
  const ctx: CommandContext = {
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
  if (
    parsed.kind === 'command' &&
    (parsed.command.kind === 'help' || parsed.command.kind === 'usage') &&
    (await mayAskForHelp(gh, trigger, ref))
  ) {
    return dispatch(ctx, parsed.command);
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
  await autofixHeardCommand(deps, trigger, parsed.command);
  return dispatch(ctx, parsed.command);
}

async function dispatch(ctx: CommandContext, command: Command): Promise<void> {
  switch (command.kind) {
    case 'help': {
      const role = await ctx.gh.permissionOf(ctx.ref, ctx.trigger.sender.login);
      await reply(
        ctx,
        renderHelpReply({
          login: ctx.trigger.sender.login,
          permission: role,
          config: ctx.repoConfig,
          limits: helpLimitLines(ctx),
          cannot: await missingPermissionsOf(ctx.deps, ctx.trigger.installationId),
        }),
      );
      return;
    }
    case 'usage':
      return usage(ctx);
    case 'stop':
      return stop(ctx);
    case 'status':
      return status(ctx);
    case 'approve':
      return approve(ctx, command.note);
    case 'execute':
    case 'plan':
      return runRequest(
        ctx,
        effectiveRunSettings(ctx.repoConfig, command.options, command.kind),
        command.instruction,
        command.options,
      );
  }
}

/**
 * An `execute` or `plan` request, taken where `routeCommand` says; in a thread of a Cloud Coding conversation, a
 * Cloud Coding run that continues it or says why it starts afresh (`cloudcoding-conversation.ts`).
 */
async function runRequest(
  ctx: CommandContext,
  asked: RunSettings,
  instruction: string,
  options: CommandOptions,
): Promise<void> {
  const { deps, trigger } = ctx;
  const threadRun = await deps.store.latestRunForThread(threadKeyOf(trigger));
  const pullRequestRun = trigger.isPullRequest
    ? await deps.store.findRunByPullRequest(`${trigger.owner}/${trigger.repo}`, trigger.number)
    : null;
  let route = routeCommand({ trigger, threadRun, pullRequestRun });
  if (route.kind === 'busy') return replyBusy(ctx, route.active);
  if (route.kind === 'stale') {
    deps.log.info(
      `${threadKeyOf(trigger)}: ${trigger.source} of ${trigger.createdAt} is older than the trigger of run ${route.latest.id}; nothing started (a replay)`,
    );
    return;
  }
  const conversation = conversationChoice(threadRun, options);
  const settings: RunSettings = conversation.kind === 'none' ? asked : { ...asked, backend: 'cloudcoding' };
  if (conversation.kind === 'continue') {
    return startRun(ctx, {
      settings,
      instruction,
      branch: options.branch ?? conversation.branch ?? settings.branch ?? trigger.defaultBranch,
      conversation: { continuesThread: conversation.threadId },
    });
  }
  const fresh = conversation.kind === 'fresh' ? { freshConversation: conversation.reason } : undefined;
  // A codecloud follow-up is no place for a Cloud Coding run: a new one on the pull request's branch instead.
  if (fresh && route.kind === 'follow-up') route = { kind: 'new-run-on-pull-request' };
  switch (route.kind) {
    case 'follow-up':
      return askFollowUp(ctx, route.run, instruction, settings.mode);
    case 'new-run-on-issue':
      return startRun(ctx, {
        settings,
        instruction,
        branch: settings.branch ?? trigger.defaultBranch,
        ...definedProps({ conversation: fresh }),
      });
    case 'new-run-on-pull-request': {
      const pull = await ctx.gh.getPull(ctx.ref, trigger.number);
      if (pull.fromFork) {
        await reply(
          ctx,
          renderForkRefusal(
            definedProps({ login: trigger.sender.login, headRepo: pull.headRepo || undefined }),
          ),
        );
        return;
      }
      return startRun(ctx, {
        settings,
        instruction,
        branch: pull.headRef,
        pull,
        ...definedProps({ conversation: fresh }),
      });
    }
  }
}

/**
 * When autofix pauses on a pull request and when it goes on: a person's push to its branch or `/codecloud stop` on
 * it pauses it; the next `/codecloud` command there lets it go on.
 */
import type { Command } from '../commands/command.js';
import type { RunDeps } from '../runs/run-deps.js';
import type { CommandTrigger } from '../runs/trigger.js';
import { type BranchPushTrigger, branchPushMarkOf, pullKeyOf } from './triggers.js';

/** The job of a recorded push by a person: the branch's agent PR (if any) gets no more autofix follow-ups. */
export async function handleAutofixPushJob(
  deps: Pick<RunDeps, 'store'>,
  push: BranchPushTrigger,
): Promise<void> {
  await deps.store.writeMark(
    branchPushMarkOf(push.owner, push.repo, push.branch),
    `paused by ${push.sender.login} at ${push.after}`,
  );
}

/**
 * A command on a pull request the app may follow: `stop` pauses autofix there; any other command lets it go on
 * (the pause by a person's push included).
 */
export async function autofixHeardCommand(
  deps: Pick<RunDeps, 'store' | 'github'>,
  trigger: CommandTrigger,
  command: Command,
): Promise<void> {
  if (!trigger.isPullRequest || command.kind === 'help' || command.kind === 'status') return;
  const repoName = `${trigger.owner}/${trigger.repo}`;
  const run = await deps.store.findRunByPullRequest(repoName, trigger.number);
  if (!run) return;
  const pullKey = pullKeyOf(trigger.owner, trigger.repo, trigger.number);
  if (command.kind === 'stop') {
    await deps.store.setAutofixPaused(pullKey, true);
    return;
  }
  await deps.store.setAutofixPaused(pullKey, false);
  const branch =
    run.result.prs?.find((pr) => pr.number === trigger.number)?.branch ||
    (
      await (
        await deps.github(trigger.installationId)
      ).getPull({ owner: trigger.owner, repo: trigger.repo }, trigger.number)
    ).headRef;
  if (branch) await deps.store.writeMark(branchPushMarkOf(trigger.owner, trigger.repo, branch), 'resumed');
}

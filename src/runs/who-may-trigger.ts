/**
 * Who may trigger a run: a bot only when config `allowed_bots` lists it; a human when their collaborator permission
 * (never `author_association`) reaches config `min_permission`. `help` is harmless: any human with read access gets
 * it. A refused human gets 😕 and nothing else; a refused bot gets nothing.
 */
import type { GitHubApi, RepoRef } from '../github/github-api.js';
import { meetsPermission, type PermissionLevel } from '../vocabulary.js';
import { targetOfTrigger } from './command-context.js';
import type { RunDeps } from './run-deps.js';
import { reactQuietly } from './status-comment.js';
import type { CommandTrigger } from './trigger.js';

/** Config `min_permission` and `allowed_bots`. */
export interface TriggerRule {
  minPermission: PermissionLevel;
  allowedBots: readonly string[];
}

/** The rule while `.github/codecloud.yml` is broken: the defaults (write access, no bots). */
export const RULE_WITHOUT_CONFIG: TriggerRule = { minPermission: 'write', allowedBots: [] };

/** True when a bot `login` is listed in `allowed_bots` (case-insensitive; `name` and `name[bot]` are the same). */
export function isAllowedBot(allowedBots: readonly string[], login: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/\[bot\]$/, '');
  return allowedBots.some((bot) => norm(bot) === norm(login));
}

/** Whether the trigger's sender may start runs and use the thread commands; a refused human gets 😕. */
export async function mayTrigger(
  deps: RunDeps,
  gh: GitHubApi,
  trigger: CommandTrigger,
  ref: RepoRef,
  rule: TriggerRule,
): Promise<boolean> {
  const login = trigger.sender.login;
  if (trigger.sender.type === 'Bot') return isAllowedBot(rule.allowedBots, login);
  const role = await gh.permissionOf(ref, login);
  if (meetsPermission(role, rule.minPermission)) return true;
  deps.log.info(`${login} (${role}) may not trigger runs on ${ref.owner}/${ref.repo}`);
  await reactQuietly(deps, gh, ref, targetOfTrigger(trigger), 'confused');
  return false;
}

/** Whether the sender gets `help` without the trigger rule: a human with read access. Nothing is posted. */
export async function mayAskForHelp(
  gh: Pick<GitHubApi, 'permissionOf'>,
  trigger: Pick<CommandTrigger, 'sender'>,
  ref: RepoRef,
): Promise<boolean> {
  if (trigger.sender.type === 'Bot') return false;
  return meetsPermission(await gh.permissionOf(ref, trigger.sender.login), 'read');
}

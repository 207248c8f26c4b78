// Who may trigger: bots only when `allowed_bots` lists them, humans by their collaborator permission against
// `min_permission`, `help` for anyone with read access; a refused human gets 😕 and nothing else.
import { describe, expect, it } from 'vitest';
import type { GitHubApi, ReactionContent, ReactionTarget } from '../../../src/github/github-api.js';
import type { CommandTrigger } from '../../../src/runs/trigger.js';
import {
  isAllowedBot,
  mayAskForHelp,
  mayTrigger,
  RULE_WITHOUT_CONFIG,
  type TriggerRule,
} from '../../../src/runs/who-may-trigger.js';
import type { CallerPermission, PermissionLevel } from '../../../src/vocabulary.js';
import { testRunDeps } from './run-fixtures.js';

const ref = { owner: 'acme', repo: 'app' };

function trigger(sender: CommandTrigger['sender'], overrides: Partial<CommandTrigger> = {}): CommandTrigger {
  return {
    deliveryId: 'd-1',
    installationId: 7,
    owner: 'acme',
    repo: 'app',
    defaultBranch: 'main',
    source: 'issue_comment',
    number: 1,
    isPullRequest: false,
    title: 'Bug',
    body: '',
    commentId: 55,
    text: '/codecloud fix it',
    sender,
    ...overrides,
  };
}

const human = (login: string) => ({ login, type: 'User' });
const bot = (login: string) => ({ login, type: 'Bot' });

/** A GitHub that answers one permission for everyone and records the lookups and reactions. */
function github(permission: CallerPermission) {
  const lookups: string[] = [];
  const reactions: Array<{ target: ReactionTarget; content: ReactionContent }> = [];
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  const gh: GitHubApi = {
    permissionOf: async (_ref, login) => {
      lookups.push(login);
      return permission;
    },
    react: async (_ref, target, content) => {
      reactions.push({ target, content });
    },
    createComment: unused,
    updateComment: unused,
    replyToReviewComment: unused,
    updateReviewComment: unused,
    getPull: unused,
    listComments: unused,
    listReviewComments: unused,
    dispatch: unused,
  };
  return { gh, lookups, reactions };
}

async function decide(sender: CommandTrigger['sender'], permission: CallerPermission, rule: TriggerRule) {
  const world = github(permission);
  const deps = testRunDeps({
    store: undefined as never,
    backend: undefined as never,
    gh: world.gh,
    now: () => 0,
  });
  const allowed = await mayTrigger(deps, world.gh, trigger(sender), ref, rule);
  return { allowed, lookups: world.lookups, reactions: world.reactions };
}

const rule = (minPermission: PermissionLevel, allowedBots: string[] = []): TriggerRule => ({
  minPermission,
  allowedBots,
});

describe('mayTrigger: humans', () => {
  it('lets a human in whose permission reaches min_permission (read < triage < write < maintain < admin)', async () => {
    const levels: PermissionLevel[] = ['read', 'triage', 'write', 'maintain', 'admin'];
    for (const [i, required] of levels.entries()) {
      for (const [j, actual] of levels.entries()) {
        const { allowed } = await decide(human('alice'), actual, rule(required));
        expect(allowed, `${actual} against min_permission ${required}`).toBe(j >= i);
      }
    }
  });

  it('refuses a human without access, and reacts 😕 on the trigger, nothing else', async () => {
    const { allowed, lookups, reactions } = await decide(human('mallory'), 'none', rule('read'));
    expect(allowed).toBe(false);
    expect(lookups).toEqual(['mallory']);
    expect(reactions).toEqual([{ target: { kind: 'issue_comment', id: 55 }, content: 'confused' }]);
  });

  it('lets a human in without a reaction', async () => {
    const { allowed, reactions } = await decide(human('alice'), 'write', rule('write'));
    expect(allowed).toBe(true);
    expect(reactions).toEqual([]);
  });

  it('with a broken config file, asks for the defaults: write access, no bots', async () => {
    expect(RULE_WITHOUT_CONFIG).toEqual({ minPermission: 'write', allowedBots: [] });
    expect((await decide(human('alice'), 'triage', RULE_WITHOUT_CONFIG)).allowed).toBe(false);
    expect((await decide(human('alice'), 'write', RULE_WITHOUT_CONFIG)).allowed).toBe(true);
    expect((await decide(bot('renovate[bot]'), 'admin', RULE_WITHOUT_CONFIG)).allowed).toBe(false);
  });
});

describe('mayTrigger: bots', () => {
  it('lets a listed bot in without looking up its permission', async () => {
    const { allowed, lookups } = await decide(bot('renovate[bot]'), 'none', rule('admin', ['renovate']));
    expect(allowed).toBe(true);
    expect(lookups).toEqual([]);
  });

  it('refuses an unlisted bot silently, whatever its permission', async () => {
    const { allowed, lookups, reactions } = await decide(
      bot('dependabot[bot]'),
      'admin',
      rule('read', ['renovate']),
    );
    expect(allowed).toBe(false);
    expect(lookups).toEqual([]);
    expect(reactions).toEqual([]);
  });
});

describe('isAllowedBot', () => {
  it('matches logins case-insensitively, with or without [bot]', () => {
    const allowed = ['Renovate[bot]', 'my-ci'];
    expect(isAllowedBot(allowed, 'renovate[bot]')).toBe(true);
    expect(isAllowedBot(allowed, 'renovate')).toBe(true);
    expect(isAllowedBot(allowed, 'my-ci[bot]')).toBe(true);
    expect(isAllowedBot(allowed, 'dependabot[bot]')).toBe(false);
    expect(isAllowedBot([], 'renovate[bot]')).toBe(false);
  });
});

describe('mayAskForHelp', () => {
  it('gives help to any human with read access, below min_permission too', async () => {
    for (const level of ['read', 'triage', 'write', 'maintain', 'admin'] as const) {
      expect(await mayAskForHelp(github(level).gh, trigger(human('alice')), ref)).toBe(true);
    }
  });

  it('not to a human without access, and posts nothing', async () => {
    const world = github('none');
    expect(await mayAskForHelp(world.gh, trigger(human('mallory')), ref)).toBe(false);
    expect(world.reactions).toEqual([]);
  });

  it('not to a bot on this path (a bot goes through allowed_bots), without a lookup', async () => {
    const world = github('admin');
    expect(await mayAskForHelp(world.gh, trigger(bot('renovate[bot]')), ref)).toBe(false);
    expect(world.lookups).toEqual([]);
  });
});

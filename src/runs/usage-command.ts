/**
 * `/codecloud usage` (anyone with read access): the repository's runs today and tokens this month, and the
 * caller's runs today, each against the limit in force, with the reset times. Also the help reply's lines about
 * the limits. A few primary-key reads, whatever the history.
 */
import { limitsInForce, repoKeyOf, userKeyOf } from '../limits/charge.js';
import { limitsHelpLines, renderUsageReply } from '../limits/limit-replies.js';
import { effectiveLimits } from '../limits/limits.js';
import { nextUtcDay, nextUtcMonth, utcDay, utcMonth } from '../limits/periods.js';
import { USAGE_SCOPES } from '../store/usage-store.js';
import { type CommandContext, reply } from './command-context.js';

export async function usage(ctx: CommandContext): Promise<void> {
  const { deps, trigger } = ctx;
  const now = deps.now();
  const limits = limitsInForce(deps.limitCeilings, ctx.repoConfig.limits);
  const repoKey = repoKeyOf(trigger.owner, trigger.repo);
  const day = utcDay(now);
  const [repoRuns, repoTokens, userRuns] = await Promise.all([
    deps.store.usage.count(USAGE_SCOPES.repoRuns, repoKey, day),
    deps.store.usage.count(USAGE_SCOPES.repoTokens, repoKey, utcMonth(now)),
    deps.store.usage.count(
      USAGE_SCOPES.userRuns,
      userKeyOf(trigger.installationId, trigger.sender.login),
      day,
    ),
  ]);
  await reply(
    ctx,
    renderUsageReply({
      login: trigger.sender.login,
      repo: `${trigger.owner}/${trigger.repo}`,
      now,
      tokensPerRun: limits.tokens_per_run,
      rows: [
        {
          what: 'runs of this repository today',
          used: repoRuns,
          limit: limits.runs_per_day,
          resetsAt: nextUtcDay(now),
          period: 'day',
        },
        {
          what: 'tokens of this repository this month',
          used: repoTokens,
          limit: limits.tokens_per_month,
          resetsAt: nextUtcMonth(now),
          period: 'month',
        },
        {
          what: 'your runs today',
          used: userRuns,
          limit: limits.runs_per_user_per_day,
          resetsAt: nextUtcDay(now),
          period: 'day',
        },
      ],
    }),
  );
}

/** The help reply's lines about the limits in force and any config value the operator's ceiling capped. */
export function helpLimitLines(ctx: CommandContext): string[] {
  const ceilings = ctx.deps.limitCeilings ?? {};
  const { limits, capped } = effectiveLimits(ceilings, ctx.repoConfig.limits);
  return limitsHelpLines(limits, ceilings, capped);
}

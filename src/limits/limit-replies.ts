/** The replies about limits: a refused command, and `/codecloud usage`. Redacted like every posted body. */
import { inlineCode, mentionUser } from '../render/markdown.js';
import { replyMarker } from '../render/markers.js';
import { postableBody } from '../render/postable.js';
import { describeRefusal, type LimitRefusal } from './charge.js';
import { LIMIT_ENV_NAMES, LIMIT_NAMES, type Limits } from './limits.js';
import { describeReset } from './periods.js';

/** One reply to a command refused by a limit: the limit, the usage and when it resets. Nothing was started. */
export function renderLimitRefusalReply(login: string, refusal: LimitRefusal): string {
  return postableBody(
    [
      replyMarker('limit'),
      `${mentionUser(login)} Nothing was started: ${describeRefusal(refusal, login)}`,
    ].join('\n\n'),
  );
}

export interface UsageRow {
  what: string;
  used: number;
  limit: number | undefined;
  /** When the count starts again (epoch ms). */
  resetsAt: number;
  period: 'day' | 'month';
}

const count = (n: number): string => n.toLocaleString('en-US');

/** `/codecloud usage`: a small table (what, used, limit, resets) and the per-run token limit. */
export function renderUsageReply(input: {
  login: string;
  repo: string;
  rows: readonly UsageRow[];
  tokensPerRun: number | undefined;
  now: number;
}): string {
  const table = [
    '| what | used | limit | resets |',
    '| --- | ---: | ---: | --- |',
    ...input.rows.map(
      (row) =>
        `| ${row.what} | ${count(row.used)} | ${row.limit === undefined ? 'none' : count(row.limit)} | ${describeReset(input.now, row.resetsAt, row.period)} |`,
    ),
  ].join('\n');
  const perRun =
    input.tokensPerRun === undefined
      ? 'No token limit per run.'
      : `A run that passes ${count(input.tokensPerRun)} tokens is stopped (${inlineCode('limits.tokens_per_run')}).`;
  return postableBody(
    [
      replyMarker('usage'),
      `${mentionUser(input.login)} Usage of ${inlineCode(input.repo)} (days and months in UTC):`,
      table,
      perRun,
    ].join('\n\n'),
  );
}

/** The help reply's lines about limits: each in force, and each config value capped by the operator's ceiling. */
export function limitsHelpLines(limits: Limits, ceilings: Limits, capped: readonly string[]): string[] {
  const inForce = LIMIT_NAMES.map((name) => {
    const value = limits[name];
    const ceiling = ceilings[name];
    return `${inlineCode(name)}: ${value === undefined ? 'none' : count(value)}${ceiling === undefined ? '' : ` (ceiling ${inlineCode(LIMIT_ENV_NAMES[name])} = ${count(ceiling)})`}`;
  }).join(', ');
  return [`**Limits in force**: ${inForce}.`, ...capped];
}

/**
 * The one comment on a pull request whose autofix attempt a limit refused: nothing was sent. An attempt is counted
 * for the person who asked for the run (`login`), named without a mention.
 */
export function renderAutofixRefusalComment(login: string, refusal: LimitRefusal, trigger: string): string {
  return postableBody(
    [
      replyMarker('autofix-usage-limit'),
      `🔁 **Autofix stopped**: nothing was sent to the agent. ${describeRefusal(refusal)}` +
        (refusal.limit === 'runs_per_user_per_day'
          ? ` (Autofix attempts count for ${inlineCode(login)}, who asked for the run.)`
          : ''),
      `Autofix goes on by itself once the count allows; comment ${inlineCode(`${trigger} <instruction>`)} to send the agent a request yourself.`,
    ].join('\n\n'),
  );
}

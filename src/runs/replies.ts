/** Reply bodies (help, refusals, busy, problems), redacted and bounded like every body the App posts. */

import type { OptionProblem } from '../commands/command.js';
import { COMMAND_OPTIONS } from '../commands/parse-command.js';
import { finish } from './comment-bodies.js';
import type { RunConfig } from './run-deps.js';

export function helpReply(trigger: string, login: string, permission: string, config: RunConfig): string {
  const t = trigger;
  return finish(
    [
      `### codecloud help`,
      `| command | what it does |\n| --- | --- |`,
      [
        `| \`${t} <instruction>\` | start an agent run (on an issue: a new run; on the agent's PR: a follow-up that pushes to it) |`,
        `| \`${t} plan <instruction>\` | ask for a plan first; the final comment shows it |`,
        `| \`${t} approve\` | carry out the last completed plan of this thread |`,
        `| \`${t} stop\` | stop this thread's active run |`,
        `| \`${t} status\` | refresh the status comment |`,
        `| \`${t} help\` | this help |`,
      ].join('\n'),
      `Options, before the instruction: ${COMMAND_OPTIONS.map((o) => `\`${o.usage}\``).join(', ')}.`,
      `Configuration: \`.github/codecloud.yml\` (keys \`trigger\`, \`label\`, \`backend\`, \`mode\`, \`model\`, \`provider\`, \`agent_provider\`, \`branch\`, \`auto_create_pr\`, \`min_permission\`, \`allowed_bots\`, \`max_concurrent_runs\`, \`timeout_minutes\`, \`progress\`, \`instructions\`, \`schedules\`).`,
      `@${login}, your permission on this repository is **${permission}**; commands need **${config.minPermission}** or more.`,
    ].join('\n\n'),
  );
}

export function invalidOptionsReply(line: string, problems: readonly OptionProblem[]): string {
  const items = problems.map(
    (p) =>
      `- \`${p.option}${p.value !== undefined ? `=${p.value}` : ''}\`: ${p.message}${p.suggestion ? ` (did you mean \`${p.suggestion}\`?)` : ''}`,
  );
  return finish(
    [`Nothing was started: the command has options I don't understand.`, `> ${line}`, items.join('\n')].join(
      '\n\n',
    ),
  );
}

export function busyReply(trigger: string, who: string): string {
  return finish(
    `@${who} an agent run is already active on this thread. Wait for it to finish, or stop it with \`${trigger} stop\`.`,
  );
}

export function forkReply(who: string): string {
  return finish(
    `@${who} I can't run on this pull request: its branch lives in a fork, and the agent can only push to branches of this repository. Ask a maintainer to push the branch here, or open an issue.`,
  );
}

export function nothingToStopReply(who: string): string {
  return finish(`@${who} there is no active run on this thread to stop.`);
}

export function nothingToApproveReply(who: string): string {
  return finish(
    `@${who} there is no completed plan on this thread to approve. Ask for one with \`/codecloud plan …\`.`,
  );
}

export function noRunReply(who: string): string {
  return finish(`@${who} no codecloud run has been started from this thread yet.`);
}

export function invalidConfigReply(error: string): string {
  return finish(
    [
      `Nothing was started: \`.github/codecloud.yml\` is not valid.`,
      `\`\`\`\n${error.replace(/```/g, "'''")}\n\`\`\``,
      `Fix the file and comment again.`,
    ].join('\n\n'),
  );
}

export function unknownBackendReply(backend: string): string {
  return finish(`Nothing was started: the \`${backend}\` backend is not configured on this app.`);
}

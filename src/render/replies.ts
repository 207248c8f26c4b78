/**
 * Every reply the app posts besides the status comment: help, busy, fork refusal, bad options, bad config and
 * the small "nothing to do" answers. Pure, redacted, with a hidden reply marker so the app never reacts to them.
 */
import type { OptionProblem } from '../commands/command.js';
import { COMMAND_OPTIONS } from '../commands/parse-command.js';
import { REPO_CONFIG_KEYS, REPO_CONFIG_PATH, type RepoConfig } from '../config/repo-config.js';
import { type CallerPermission, meetsPermission } from '../vocabulary.js';
import { codeBlock, details, formatCount, inlineCode, mentionUser } from './markdown.js';
import { replyMarker } from './markers.js';
import { postableBody } from './postable.js';

const finish = (kind: string, parts: readonly string[]): string =>
  postableBody([replyMarker(kind), ...parts].join('\n\n'));

/** Distinct option problems listed in a reply; the rest are counted. */
const MAX_LISTED_PROBLEMS = 10;
/** The command line and each option as quoted in a reply, at most (a command line may be a whole essay). */
const MAX_QUOTED_LINE = 300;
const MAX_QUOTED_OPTION = 100;

/** `text` cut to `max` characters with `…`. */
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** What each config key does, for help. */
const CONFIG_KEY_HELP: Record<(typeof REPO_CONFIG_KEYS)[number], string> = {
  trigger: 'command word',
  label: 'label that starts a run on an issue',
  backend: '`codecloud` or `cloudcoding`',
  mode: 'default mode: `execute` or `plan`',
  model: 'model passed to the agent',
  provider: 'model provider',
  agent_provider: '`opencode` or `claude-code`',
  branch: 'base branch for runs from issues (default: the default branch)',
  auto_create_pr: 'open a pull request when done',
  min_permission: 'least permission that may trigger: `read`, `triage`, `write`, `maintain`, `admin`',
  allowed_bots: 'bot logins that may trigger',
  max_concurrent_runs: 'runs at once for this installation; more wait in line',
  timeout_minutes: 'runs still going after this are stopped',
  progress: 'show the agent’s progress in the status comment',
  instructions: 'text appended to every prompt',
  schedules: 'recurring (`cron`) or one-off (`run_at`) runs',
  autofix:
    'send failed checks (`ci`) and requested changes (`reviews`) on the agent’s PRs back to it, up to `max_attempts` per PR',
  limits:
    '`runs_per_day`, `runs_per_user_per_day`, `tokens_per_month`, `tokens_per_run`; may only lower the app’s ceilings',
};

/** A table cell: a `|` would end the cell, even inside inline code. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function configValue(config: RepoConfig, key: (typeof REPO_CONFIG_KEYS)[number]): string {
  const value = config[key];
  if (value === undefined) return '_(not set)_';
  if (key === 'schedules')
    return `${config.schedules.length} schedule${config.schedules.length === 1 ? '' : 's'}`;
  if (key === 'autofix') {
    const { ci, reviews, max_attempts } = config.autofix;
    return inlineCode(`ci: ${ci}, reviews: ${reviews}, max_attempts: ${max_attempts}`);
  }
  if (key === 'instructions') return config.instructions === '' ? '_(none)_' : '_(set)_';
  if (key === 'limits') {
    const set = Object.entries(config.limits).filter(([, v]) => v !== undefined);
    return set.length === 0 ? '_(none)_' : set.map(([k, v]) => inlineCode(`${k}: ${v}`)).join(', ');
  }
  if (Array.isArray(value))
    return value.length === 0 ? '_(none)_' : value.map((v) => inlineCode(String(v))).join(', ');
  return inlineCode(String(value));
}

export interface HelpReplyInput {
  /** Who asked for help. */
  login: string;
  /** Their permission on the repository, as read from GitHub. */
  permission: CallerPermission;
  /** The repository's effective configuration (defaults filled in). */
  config: RepoConfig;
  /** The limits in force (ceilings and config) as a few lines, when any. */
  limits?: readonly string[];
  /** What the app cannot do here because the installation has not granted a newer permission. */
  cannot?: readonly string[];
}

/** `/codecloud help`: the commands, the options, the config keys with this repository's values, and the caller's permission. */
export function renderHelpReply(input: HelpReplyInput): string {
  const t = input.config.trigger;
  const commands = [
    '| command | what it does |',
    '| --- | --- |',
    `| ${cell(inlineCode(`${t} <instruction>`))} | start an agent run; on a pull request the agent opened, send it a follow-up that pushes to the same PR |`,
    `| ${cell(inlineCode(`${t} plan <instruction>`))} | ask for a plan first; the final comment shows it |`,
    `| ${cell(inlineCode(`${t} approve`))} | carry out the last plan on this thread |`,
    `| ${cell(inlineCode(`${t} stop`))} | stop the active run on this thread |`,
    `| ${cell(inlineCode(`${t} status`))} | refresh the status comment |`,
    `| ${cell(inlineCode(`${t} help`))} | this help |`,
  ].join('\n');
  const options = COMMAND_OPTIONS.map((o) => `- ${inlineCode(o.usage)}: ${o.description}`).join('\n');
  const keys = [
    '| key | value here | meaning |',
    '| --- | --- | --- |',
    ...REPO_CONFIG_KEYS.map(
      (key) => `| ${inlineCode(key)} | ${cell(configValue(input.config, key))} | ${CONFIG_KEY_HELP[key]} |`,
    ),
  ].join('\n');
  const allowed = meetsPermission(input.permission, input.config.min_permission);
  const permission =
    input.permission === 'none'
      ? `${mentionUser(input.login)}, you have no access to this repository, so you cannot start runs here; commands need **${input.config.min_permission}** or more.`
      : `${mentionUser(input.login)}, your permission here is **${input.permission}**; commands need **${input.config.min_permission}** or more, so you ${allowed ? 'can' : 'cannot'} start runs.`;
  return finish('help', [
    '### codecloud',
    `Write a line starting with ${inlineCode(t)} in an issue, a pull request or a review to hand work to a codecloud agent. The instruction may go on over the following lines.`,
    commands,
    `**Options**, before the instruction (e.g. ${inlineCode(`${t} --no-pr fix the typo`)}):\n\n${options}`,
    `**Cloud Coding conversations** (${inlineCode('--backend=cloudcoding')} or ${inlineCode('backend: cloudcoding')}): a command in a thread (an issue, a pull request's conversation, a review thread) whose latest run is a completed Cloud Coding run continues that conversation, with its own status comment marked as a follow-up. ${inlineCode(`${t} --new <instruction>`)} starts a fresh one; after a run that failed, was stopped or timed out, the next command starts afresh.`,
    details(`<b>Configuration</b> (${inlineCode(REPO_CONFIG_PATH)})`, keys),
    ...(input.limits && input.limits.length > 0 ? [input.limits.join('\n')] : []),
    ...(input.cannot && input.cannot.length > 0
      ? [
          `This installation has not accepted the app's updated permissions yet, so the app cannot:\n${input.cannot.map((what) => `- ${what}`).join('\n')}\n\n` +
            "An owner can accept them in the installation's settings; this note goes away once they do.",
        ]
      : []),
    permission,
  ]);
}

export interface BusyReplyInput {
  login: string;
  trigger: string;
  /** Link to the active run's status comment, when known. */
  statusCommentUrl?: string;
}

/** A command on a thread whose run is still queued or running: nothing new starts; offer `stop`. */
export function renderBusyReply(input: BusyReplyInput): string {
  const where =
    input.statusCommentUrl === undefined ? 'An agent run' : `[An agent run](${input.statusCommentUrl})`;
  return finish('busy', [
    `${mentionUser(input.login)} ${where} is still working on this thread, so nothing new was started. ` +
      `Comment again when it has finished, or stop it with ${inlineCode(`${input.trigger} stop`)}.`,
  ]);
}

export interface ForkRefusalInput {
  login: string;
  /** `owner/name` of the fork the pull request comes from, when known. */
  headRepo?: string;
}

/** A command on a pull request from a fork: refused, with the reason and what to do instead. */
export function renderForkRefusal(input: ForkRefusalInput): string {
  const from = input.headRepo === undefined ? 'a fork' : `the fork ${inlineCode(input.headRepo)}`;
  return finish('fork', [
    `${mentionUser(input.login)} I can't work on this pull request: its branch lives in ${from}, and the agent ` +
      "can only push to branches of this repository (and won't run a fork's code with this repository's access). " +
      'Push the branch to this repository and open a pull request from there, or describe the task in an issue.',
  ]);
}

export interface InvalidOptionsReplyInput {
  login: string;
  /** The command line as written. */
  line: string;
  problems: readonly OptionProblem[];
  trigger: string;
}

/**
 * A command with unknown or invalid options: each problem by name and value; nothing was started. The same problem
 * written many times is listed once with a count, and at most 10 distinct ones are listed (`unknown option` `--x`
 * (and 9,999 more)), so a line of 10,000 options gets a short reply that GitHub accepts.
 */
export function renderInvalidOptionsReply(input: InvalidOptionsReplyInput): string {
  const tooLong = input.problems.find((p) => p.subject === 'instruction');
  const optionProblems = input.problems.filter((p) => p.subject !== 'instruction');
  if (tooLong !== undefined && optionProblems.length === 0) {
    return finish('instruction-too-long', [
      `${mentionUser(input.login)} nothing was started: the instruction ${tooLong.message}. Shorten it and comment again.`,
    ]);
  }
  const instructionLine = tooLong === undefined ? [] : [`The instruction also ${tooLong.message}.`];
  const groups = new Map<string, { problem: OptionProblem; count: number }>();
  for (const problem of optionProblems) {
    const key = JSON.stringify([problem.option.toLowerCase(), problem.value ?? null, problem.message]);
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { problem, count: 1 });
  }
  const listed = [...groups.values()].slice(0, MAX_LISTED_PROBLEMS);
  const items = listed.map(({ problem: p, count }) => {
    const written = clip(p.value === undefined ? p.option : `${p.option}=${p.value}`, MAX_QUOTED_OPTION);
    const meant = p.suggestion === undefined ? '' : ` (did you mean ${inlineCode(p.suggestion)}?)`;
    const more = count > 1 ? ` (and ${formatCount(count - 1)} more)` : '';
    return `- ${inlineCode(written)}: ${p.message}${meant}${more}`;
  });
  const unlisted = optionProblems.length - listed.reduce((sum, group) => sum + group.count, 0);
  if (unlisted > 0) {
    items.push(`- … and ${formatCount(unlisted)} more option${unlisted === 1 ? '' : 's'} with problems`);
  }
  return finish('invalid-options', [
    `${mentionUser(input.login)} nothing was started: I could not read the options of`,
    codeBlock(clip(input.line, MAX_QUOTED_LINE)),
    items.join('\n'),
    ...instructionLine,
    `Options: ${COMMAND_OPTIONS.map((o) => inlineCode(o.usage)).join(', ')}. See ${inlineCode(`${input.trigger} help`)}.`,
  ]);
}

export interface InvalidConfigCommentInput {
  /** The problems, one per line (`parseRepoConfig`'s `issues`), or YAML's own error. */
  issues: readonly string[];
  /** Who triggered, when someone did (a comment); absent for a push or a label. */
  login?: string;
}

/** `.github/codecloud.yml` does not validate: quote the errors; nothing runs until it is fixed. */
export function renderInvalidConfigComment(input: InvalidConfigCommentInput): string {
  const who = input.login === undefined ? '' : `${mentionUser(input.login)} `;
  return finish('invalid-config', [
    `${who}nothing was started: ${inlineCode(REPO_CONFIG_PATH)} is not valid.`,
    codeBlock(input.issues.join('\n')),
    'Fix the file on the default branch and comment again.',
  ]);
}

/** `/codecloud stop` (or `status`) on a thread without an active run. */
export function renderNoActiveRunReply(login: string, trigger: string): string {
  return finish('no-active-run', [
    `${mentionUser(login)} there is no active codecloud run on this thread. Start one with ${inlineCode(`${trigger} <instruction>`)}.`,
  ]);
}

/** `/codecloud approve` on a thread whose last run is not a completed plan. */
export function renderNothingToApproveReply(login: string, trigger: string): string {
  return finish('nothing-to-approve', [
    `${mentionUser(login)} there is no finished plan on this thread to approve. Ask for one with ${inlineCode(`${trigger} plan <instruction>`)}.`,
  ]);
}

/** The chosen backend is not configured on this app (e.g. `--backend=cloudcoding` without its API key). */
export function renderBackendUnavailableReply(login: string, backend: string): string {
  return finish('backend-unavailable', [
    `${mentionUser(login)} nothing was started: the ${inlineCode(backend)} backend is not configured on this app.`,
  ]);
}

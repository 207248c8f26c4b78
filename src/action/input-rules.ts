/**
 * The rules between the Action's inputs, each input already checked on its own (`input-fields.ts`): prompt or
 * tasks, inputs only another command or backend reads, what a command needs. Every problem is an issue on the
 * input it is about (its `path`), so nothing needs to read a message to know what it is about.
 */
import { REPO_PATTERN } from '../codecloud/schemas.js';
import { checkCron, checkRunAt } from '../schedules/cron-check.js';
import type { Backend } from '../vocabulary.js';
import { type BranchChoice, defaultBranch, type Env } from './default-branch.js';
import type { GivenInputs, InputIssue, InputValues, ShowValue } from './input-fields.js';
import type { InputName } from './input-names.js';
import { runTaskSpecs, type Workspace } from './run-task-specs.js';
import type { ActionCommand } from './settings.js';
import { checkTools } from './tools-input.js';

/** What the schemas read besides the inputs; `warnings` and `notices` are filled while parsing. */
export interface InputContext {
  env: Env;
  now: Date;
  /** The workflow's event payload (`GITHUB_EVENT_PATH`), for the default `branch`; `undefined` when none. */
  event: unknown;
  show: ShowValue;
  /** Things worth saying that do not stop the step. */
  warnings: string[];
  /** Worth knowing, not a problem (a notice annotation): e.g. why the default branch is used. */
  notices: string[];
}

/** The inputs once each is checked: what the schemas parse (with the parse's {@link InputContext}). */
export interface CheckedInputs {
  backend: Backend;
  command: ActionCommand;
  values: InputValues;
  given: GivenInputs;
}

type Report = (issue: InputIssue) => void;
export type Rule = (inputs: CheckedInputs, context: InputContext, report: Report) => void;

/** `why`: what needs the input (`for command 'stop'`). */
function required(inputs: CheckedInputs, name: InputName, why: string, report: Report): void {
  if (inputs.given[name] === undefined)
    report({ path: [name], message: `Input '${name}' is required ${why}` });
}

const apiKeyRequired: Rule = (inputs, _context, report) =>
  required(
    inputs,
    'api-key',
    '(a codecloud API key, or a Cloud Coding key with backend: cloudcoding)',
    report,
  );

/**
 * Inputs that only one command (or a few) reads: given with another command they would be silently ignored and a
 * paid run might start instead, so they are refused. Inputs with an `action.yml` default cannot be told apart from
 * unset ones and are not listed.
 */
const COMMANDS_OF_INPUT: Partial<Record<InputName, readonly ActionCommand[]>> = {
  prompt: ['run', 'follow-up', 'schedule'],
  tasks: ['run'],
  'run-id': ['follow-up', 'stop', 'status'],
  'idempotency-key': ['follow-up'],
  cron: ['schedule'],
  'run-at': ['schedule'],
  'schedule-id': ['unschedule'],
  'app-url': ['run', 'follow-up'],
  tools: ['run', 'follow-up', 'schedule'],
};

function commandList(commands: readonly string[]): string {
  const quoted = commands.map((c) => `'${c}'`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

const noInputsOfOtherCommands: Rule = ({ command, given }, _context, report) => {
  for (const [name, commands] of Object.entries(COMMANDS_OF_INPUT) as Array<
    [InputName, readonly ActionCommand[]]
  >) {
    if (given[name] === undefined || commands.includes(command)) continue;
    report({
      path: [name],
      message:
        `Input '${name}' is only used with command ${commandList(commands)}, but command is '${command}': ` +
        `set 'command' or remove '${name}'`,
    });
  }
};

const noCloudCodingInputs: Rule = ({ values, given }, { show }, report) => {
  const threadId = given['thread-id'];
  if (threadId !== undefined) {
    report({
      path: ['thread-id'],
      message: `Input 'thread-id' is only used with backend 'cloudcoding', got ${show('thread-id', threadId)}`,
    });
  }
  if (values.haiku)
    report({ path: ['haiku'], message: `Input 'haiku' is only used with backend 'cloudcoding', got 'true'` });
};

/** The `tools` input against the API's tool schema; every problem names the tool and the field. */
const toolsInput: Rule = ({ given }, _context, report) => {
  if (given.tools === undefined) return;
  const checked = checkTools(given.tools, `Input 'tools'`);
  if (!checked.ok) for (const message of checked.problems) report({ path: ['tools'], message });
};

const cloudCodingInputs: Rule = (inputs, { show }, report) => {
  if (inputs.command !== 'run' && inputs.command !== 'follow-up') {
    report({
      path: ['command'],
      message: `Input 'command' must be 'run' or 'follow-up' with backend 'cloudcoding', got '${inputs.command}'`,
    });
  }
  required(
    inputs,
    'github-token',
    "with backend 'cloudcoding' (it defaults to the workflow's GITHUB_TOKEN)",
    report,
  );
  if (inputs.given.tools !== undefined)
    report({ path: ['tools'], message: `Input 'tools' is only used with backend 'codecloud'` });
  const appUrl = inputs.given['app-url'];
  if (appUrl !== undefined) {
    report({
      path: ['app-url'],
      message: `Input 'app-url' is only used with backend 'codecloud', got ${show('app-url', appUrl)}`,
    });
  }
};

const commentInputs: Rule = (inputs, _context, report) => {
  const { backend, command, values } = inputs;
  if (values.comment.kind === 'off') return;
  if (command !== 'run' && command !== 'follow-up') {
    report({
      path: ['comment'],
      message: `Input 'comment' is only used with command 'run' or 'follow-up', but command is '${command}': set 'command' or remove 'comment'`,
    });
  }
  // With backend 'cloudcoding' the token is required anyway (see cloudCodingInputs).
  if (backend !== 'cloudcoding')
    required(inputs, 'github-token', "with 'comment' (it defaults to the workflow's GITHUB_TOKEN)", report);
  if (!values.wait) {
    report({
      path: ['comment'],
      message: `Input 'comment' needs 'wait' to be 'true': with 'wait: false' the step ends before the run does`,
    });
  }
};

const appUrlOwnsTheWebhook: Rule = ({ values, given }, _context, report) => {
  const appUrl = values['app-url'];
  if (appUrl === undefined || given['webhook-url'] === undefined) return;
  report({
    path: ['webhook-url'],
    message: `Input 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App (${appUrl}/codecloud/webhook)`,
  });
};

/** The rules every command of a backend follows, before the command's own (the `...Inputs` rules below). */
export const BACKEND_RULES: Record<Backend, Rule[]> = {
  codecloud: [
    apiKeyRequired,
    noInputsOfOtherCommands,
    noCloudCodingInputs,
    toolsInput,
    commentInputs,
    appUrlOwnsTheWebhook,
  ],
  cloudcoding: [
    apiKeyRequired,
    noInputsOfOtherCommands,
    cloudCodingInputs,
    commentInputs,
    appUrlOwnsTheWebhook,
  ],
};

/** Where the command works: the `repo` and `branch` inputs, or what the workflow runs on. */
export function workspaceOf(
  { values, given }: CheckedInputs,
  { env, event }: InputContext,
): Workspace & { notice: string | undefined } {
  const envRepo = env.GITHUB_REPOSITORY;
  const repo =
    values.repo ?? (given.repo === undefined && envRepo && REPO_PATTERN.test(envRepo) ? envRepo : undefined);
  const choice: BranchChoice =
    given.branch !== undefined ? { branch: values.branch } : defaultBranch(env, event);
  return {
    repo,
    repoGiven: given.repo !== undefined,
    branch: choice.branch,
    branchProblem: choice.problem,
    notice: choice.notice,
  };
}

export const runInputs: Rule = (inputs, context, report) => {
  const { issues } = runTaskSpecs({ ...inputs, workspace: workspaceOf(inputs, context), show: context.show });
  for (const issue of issues) report(issue);
};

export const followUpInputs: Rule = (inputs, context, report) => {
  required(inputs, 'prompt', "for command 'follow-up'", report);
  if (inputs.backend === 'codecloud')
    required(inputs, 'run-id', "for command 'follow-up' (the run to continue)", report);
  else {
    required(
      inputs,
      'thread-id',
      "for command 'follow-up' with backend 'cloudcoding' (the thread to continue)",
      report,
    );
    const problem = workspaceOf(inputs, context).branchProblem;
    if (problem !== undefined) report({ path: ['branch'], message: problem });
  }
};

export const runIdInputs: Rule = (inputs, _context, report) =>
  required(inputs, 'run-id', `for command '${inputs.command}'`, report);

export const scheduleInputs: Rule = (inputs, context, report) => {
  const { given } = inputs;
  required(inputs, 'prompt', "for command 'schedule'", report);
  const { cron, 'run-at': runAt } = given;
  if (cron === undefined && runAt === undefined)
    report({ path: ['cron'], message: `Input 'cron' or input 'run-at' is required for command 'schedule'` });
  if (cron !== undefined) {
    const check = checkCron(cron);
    if (!check.ok) report({ path: ['cron'], message: `Input 'cron' is not accepted: ${check.reason}` });
  }
  if (runAt !== undefined) {
    const check = checkRunAt(runAt, context.now);
    if (!check.ok) report({ path: ['run-at'], message: `Input 'run-at' is not accepted: ${check.reason}` });
  }
  const workspace = workspaceOf(inputs, context);
  if (workspace.repo === undefined && !workspace.repoGiven) {
    report({
      path: ['repo'],
      message: `Input 'repo' is required for command 'schedule' (GITHUB_REPOSITORY is not set either)`,
    });
  }
  if (workspace.branchProblem !== undefined) report({ path: ['branch'], message: workspace.branchProblem });
};

export const unscheduleInputs: Rule = (inputs, _context, report) =>
  required(inputs, 'schedule-id', "for command 'unschedule'", report);

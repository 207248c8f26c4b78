/**
 * Turns the raw inputs (strings, `''` when unset) into validated {@link ActionSettings}, before any API call. Every
 * problem names the input and the value (`Input 'mode' must be 'execute' or 'plan', got 'exec'`); all problems are
 * reported at once. Secret inputs are never echoed.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type CreateAgentRunInput, REPO_PATTERN } from '../codecloud/schemas.js';
import { checkCron, checkRunAt } from '../schedules/cron-check.js';
import { AgentProvider, Backend, RunMode } from '../vocabulary.js';
import { defaultBranch, type Env } from './default-branch.js';
import { deriveIdempotencyKey } from './idempotency-key.js';
import { type InputName, type RawInputs, SECRET_INPUTS } from './input-names.js';
import {
  ACTION_COMMANDS,
  type ActionCommand,
  type ActionSettings,
  type CommandSettings,
  type CommentSetting,
  type CommonSettings,
  DEFAULT_API_URLS,
  type TaskSpec,
} from './settings.js';
import { parseTasksInput, type RawTask, type TaskOverride } from './tasks-input.js';

export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface ParsedInputs {
  settings: ActionSettings;
  /** Things worth saying that do not stop the step. */
  warnings: string[];
  /** Worth knowing, not a problem (a notice annotation): e.g. why the default branch is used. */
  notices: string[];
}

const MAX_PARALLEL = 100;

function choices(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 2 ? `${quoted[0]} or ${quoted[1]}` : `one of ${quoted.join(', ')}`;
}

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: () => `must be ${choices(values)}` });

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** Strict booleans, as YAML 1.2's core schema spells them (what `core.getBooleanInput` accepts). */
const strictBoolean = z
  .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], { error: () => `must be 'true' or 'false'` })
  .transform((value) => value.toLowerCase() === 'true');

const positiveMinutes = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number of minutes')
  .transform(Number)
  .refine((n) => n > 0 && n <= 7 * 24 * 60, 'must be a positive number of minutes, at most a week (10080)');

const parallelism = z
  .string()
  .regex(/^\d+$/, `must be a whole number from 1 to ${MAX_PARALLEL}`)
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_PARALLEL, `must be a whole number from 1 to ${MAX_PARALLEL}`);

const repoName = z.string().regex(REPO_PATTERN, `must be in the form 'owner/repo'`);
/** What a codecloud run or schedule id looks like. */
const API_ID = /^[A-Za-z0-9_-]{1,64}$/;
const runId = z.string().regex(API_ID, 'must be a codecloud run id (letters, digits, _ and -)');
const freeText = z.string();

/** The check of each input that has one, applied to the non-empty value. */
const FIELD_SCHEMAS = {
  'api-key': freeText,
  backend: z.enum(Backend.options, { error: () => `must be ${choices(Backend.options)}` }),
  'api-url': httpUrl,
  command: oneOf(ACTION_COMMANDS),
  prompt: freeText,
  tasks: freeText,
  repo: repoName,
  branch: z.string().regex(/^[^\s~^:?*[\\]+$/, 'must be a git branch name'),
  mode: z.enum(RunMode.options, { error: () => `must be ${choices(RunMode.options)}` }),
  model: freeText,
  provider: freeText,
  'agent-provider': z.enum(AgentProvider.options, {
    error: () => `must be ${choices(AgentProvider.options)}`,
  }),
  'auto-create-pr': strictBoolean,
  'blank-workspace': strictBoolean,
  'webhook-url': httpUrl,
  'run-id': runId,
  'update-pr': strictBoolean,
  'idempotency-key': z.string().max(255, 'must be at most 255 characters'),
  wait: strictBoolean,
  'timeout-minutes': positiveMinutes,
  'max-parallel': parallelism,
  'stop-on-cancel': strictBoolean,
  'fail-on-error': strictBoolean,
  cron: freeText,
  'run-at': freeText,
  'schedule-id': z.string().regex(API_ID, 'must be a codecloud schedule id'),
  'github-token': freeText,
  haiku: strictBoolean,
  'thread-id': freeText,
  'app-url': httpUrl,
  comment: z
    .string()
    .regex(
      /^(true|True|TRUE|false|False|FALSE|[1-9]\d{0,9})$/,
      `must be 'true', 'false' or the number of an issue or pull request`,
    )
    .transform((value): CommentSetting => {
      if (/^\d+$/.test(value)) return { kind: 'number', number: Number(value) };
      return value.toLowerCase() === 'true' ? { kind: 'event' } : { kind: 'off' };
    }),
} satisfies Record<InputName, z.ZodType<unknown, string>>;

type Parsed = { [K in InputName]: z.output<(typeof FIELD_SCHEMAS)[K]> | undefined };

/** Defaults of inputs whose default `action.yml` also states (used when the input is empty, e.g. outside a runner). */
export const INPUT_DEFAULTS: Partial<Record<InputName, string>> = {
  backend: 'codecloud',
  command: 'run',
  'auto-create-pr': 'true',
  'blank-workspace': 'false',
  'update-pr': 'true',
  wait: 'true',
  'timeout-minutes': '60',
  'max-parallel': '5',
  'stop-on-cancel': 'true',
  'fail-on-error': 'true',
  haiku: 'false',
  comment: 'false',
};

/** `'exec'`, shortened and on one line; secrets never. */
function showValue(name: string, value: string, secrets: readonly string[] = []): string {
  if (SECRET_INPUTS.has(name as InputName)) return '***';
  for (const secret of secrets) if (secret) value = value.split(secret).join('***');
  const line = value.split(/\r?\n/, 1)[0] ?? '';
  const short = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  return `'${short}${line !== value && short === line ? '…' : ''}'`;
}

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
};

function commandList(commands: readonly string[]): string {
  const quoted = commands.map((c) => `'${c}'`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/**
 * @param event the workflow's event payload (`GITHUB_EVENT_PATH`), for the default `branch`; `undefined` when none.
 */
export function parseActionInputs(raw: RawInputs, env: Env, now: Date, event?: unknown): ParsedInputs {
  const problems: string[] = [];
  const warnings: string[] = [];
  const notices: string[] = [];
  const values = {} as Parsed;
  const secrets = [...SECRET_INPUTS].map((name) => raw[name]?.trim() ?? '').filter((s) => s.length >= 4);
  const show = (name: string, value: string) => showValue(name, value, secrets);
  const given = (name: InputName): string | undefined => {
    const value = raw[name]?.trim();
    return value ? value : undefined;
  };

  for (const name of Object.keys(FIELD_SCHEMAS) as InputName[]) {
    const text = given(name) ?? INPUT_DEFAULTS[name];
    if (text === undefined) continue;
    const result = FIELD_SCHEMAS[name].safeParse(text);
    if (result.success) (values as Record<InputName, unknown>)[name] = result.data;
    else
      problems.push(
        `Input '${name}' ${result.error.issues[0]?.message ?? 'is invalid'}, got ${show(name, text)}`,
      );
  }
  const need = (name: InputName, why: string): void => {
    if (given(name) === undefined && !problems.some((p) => p.startsWith(`Input '${name}' `))) {
      problems.push(`Input '${name}' is required ${why}`);
    }
  };

  need('api-key', '(a codecloud API key, or a Cloud Coding key with backend: cloudcoding)');
  const backend = values.backend ?? 'codecloud';
  const command = values.command ?? 'run';

  for (const [name, commands] of Object.entries(COMMANDS_OF_INPUT) as Array<
    [InputName, readonly ActionCommand[]]
  >) {
    if (given(name) === undefined || commands.includes(command)) continue;
    problems.push(
      `Input '${name}' is only used with command ${commandList(commands)}, but command is '${command}': ` +
        `set 'command' or remove '${name}'`,
    );
  }

  if (backend === 'codecloud') {
    if (given('thread-id') !== undefined) {
      problems.push(
        `Input 'thread-id' is only used with backend 'cloudcoding', got ${show('thread-id', raw['thread-id'])}`,
      );
    }
    if (values.haiku === true)
      problems.push(`Input 'haiku' is only used with backend 'cloudcoding', got 'true'`);
  } else {
    if (!['run', 'follow-up'].includes(command)) {
      problems.push(
        `Input 'command' must be 'run' or 'follow-up' with backend 'cloudcoding', got '${command}'`,
      );
    }
    need('github-token', "with backend 'cloudcoding' (it defaults to the workflow's GITHUB_TOKEN)");
    if (given('app-url') !== undefined)
      problems.push(
        `Input 'app-url' is only used with backend 'codecloud', got ${show('app-url', raw['app-url'])}`,
      );
  }
  const comment: CommentSetting = values.comment ?? { kind: 'off' };
  if (comment.kind !== 'off') {
    if (!['run', 'follow-up'].includes(command))
      problems.push(
        `Input 'comment' is only used with command 'run' or 'follow-up', but command is '${command}': set 'command' or remove 'comment'`,
      );
    need('github-token', "with 'comment' (it defaults to the workflow's GITHUB_TOKEN)");
    if (values.wait === false)
      problems.push(
        `Input 'comment' needs 'wait' to be 'true': with 'wait: false' the step ends before the run does`,
      );
  }
  const appUrl = values['app-url']?.replace(/\/+$/, '');
  if (appUrl !== undefined && given('webhook-url') !== undefined) {
    problems.push(
      `Input 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App (${appUrl}/codecloud/webhook)`,
    );
  }

  const common: CommonSettings = {
    backend,
    apiKey: given('api-key') ?? '',
    apiUrl: (values['api-url'] ?? DEFAULT_API_URLS[backend]).replace(/\/+$/, ''),
    wait: values.wait ?? true,
    timeoutMs: Math.round((values['timeout-minutes'] ?? 60) * 60_000),
    stopOnCancel: values['stop-on-cancel'] ?? true,
    failOnError: values['fail-on-error'] ?? true,
    githubToken: backend === 'cloudcoding' || comment.kind !== 'off' ? given('github-token') : undefined,
    appUrl,
    comment,
    haiku: values.haiku ?? false,
    threadId: given('thread-id'),
  };

  const repo = values.repo ?? (given('repo') === undefined ? envRepo(env) : undefined);
  const branchGiven = given('branch') !== undefined;
  const branchChoice = branchGiven ? { branch: values.branch } : defaultBranch(env, event);
  const branch = branchChoice.branch;
  const branchProblem = (): void => {
    if (branchChoice.problem && !problems.includes(branchChoice.problem)) problems.push(branchChoice.problem);
  };
  if (branchChoice.notice && ['run', 'schedule'].includes(command)) notices.push(branchChoice.notice);
  let specific: CommandSettings | undefined;

  switch (command) {
    case 'run': {
      const tasksText = given('tasks');
      const prompt = given('prompt');
      if (tasksText !== undefined && prompt !== undefined) {
        problems.push(
          `Input 'prompt' and input 'tasks' cannot both be set: give one prompt, or a list of tasks`,
        );
      } else if (tasksText === undefined && prompt === undefined) {
        problems.push(
          `Input 'prompt' is required for command 'run' (or give 'tasks', a list of {name, prompt})`,
        );
      }
      const base = {
        repo,
        repoGiven: given('repo') !== undefined,
        branch,
        branchProblem,
        values,
        show,
        appUrl,
      };
      let tasks: TaskSpec[] = [];
      if (tasksText !== undefined) {
        const parsed = parseTasksInput(tasksText);
        if (!parsed.ok) problems.push(...parsed.problems);
        else tasks = parsed.tasks.map((task, index) => taskSpec(task, index, base, problems));
      } else if (prompt !== undefined) {
        tasks = [taskSpec({ name: 'run', prompt, overrides: {} }, undefined, base, problems)];
      }
      specific = {
        command,
        tasks,
        fromTasksInput: tasksText !== undefined,
        maxParallel: values['max-parallel'] ?? 5,
      };
      break;
    }
    case 'follow-up': {
      need('prompt', "for command 'follow-up'");
      if (backend === 'codecloud') need('run-id', "for command 'follow-up' (the run to continue)");
      else need('thread-id', "for command 'follow-up' with backend 'cloudcoding' (the thread to continue)");
      const prompt = given('prompt') ?? '';
      const id = values['run-id'];
      let key = values['idempotency-key'];
      if (key === undefined && id !== undefined) {
        const derived = deriveIdempotencyKey(env, { runId: id });
        if (derived.derived) key = derived.key;
        else {
          key = `local-${randomUUID()}`;
          warnings.push(`No idempotency-key given and ${derived.reason}: using a one-off key ${key}`);
        }
      }
      specific = {
        command,
        runId: id,
        prompt,
        mode: values.mode,
        // A plan changes nothing, so there is no PR to update (the API refuses update_pr with mode plan); the
        // runner always passes action.yml's default `true`, so it cannot mean "asked for" here.
        updatePr: values.mode === 'plan' ? false : (values['update-pr'] ?? true),
        idempotencyKey: key ?? '',
        repo,
        branch,
      };
      break;
    }
    case 'stop':
    case 'status':
      need('run-id', `for command '${command}'`);
      specific = { command, runId: values['run-id'] ?? '' };
      break;
    case 'schedule': {
      need('prompt', "for command 'schedule'");
      const cron = given('cron');
      const runAt = given('run-at');
      if (cron === undefined && runAt === undefined) {
        problems.push(`Input 'cron' or input 'run-at' is required for command 'schedule'`);
      }
      if (cron !== undefined) {
        const check = checkCron(cron);
        if (!check.ok) problems.push(`Input 'cron' is not accepted: ${check.reason}`);
      }
      if (runAt !== undefined) {
        const check = checkRunAt(runAt, now);
        if (!check.ok) problems.push(`Input 'run-at' is not accepted: ${check.reason}`);
      }
      if (repo === undefined && given('repo') === undefined) {
        problems.push(
          `Input 'repo' is required for command 'schedule' (GITHUB_REPOSITORY is not set either)`,
        );
      }
      branchProblem();
      specific = {
        command,
        schedule: {
          type: cron !== undefined ? 'recurring' : 'once',
          ...(cron !== undefined ? { cron } : {}),
          ...(runAt !== undefined ? { run_at: runAt } : {}),
          prompt: given('prompt') ?? '',
          repo,
          branch,
          model: values.model,
          provider: values.provider,
          mode: values.mode ?? 'execute',
          webhook_url: values['webhook-url'],
          auto_create_pr: values['auto-create-pr'] ?? true,
        },
      };
      break;
    }
    case 'unschedule':
      need('schedule-id', "for command 'unschedule'");
      specific = { command, scheduleId: values['schedule-id'] ?? '' };
      break;
  }

  if (backend === 'cloudcoding' && command === 'follow-up') branchProblem();
  if (problems.length > 0 || specific === undefined) throw new ActionInputError(problems);
  return { settings: { ...common, ...specific }, warnings, notices };
}

interface TaskBase {
  repo: string | undefined;
  /** The `repo` input was given (and, if invalid, already reported). */
  repoGiven: boolean;
  show: (name: string, value: string) => string;
  branch: string | undefined;
  /** Reports that the default branch cannot be used (a fork's PR); called only for runs that need a branch. */
  branchProblem: () => void;
  values: Parsed;
  /** `app-url`: every run's webhook goes to the App. */
  appUrl: string | undefined;
}

/** A run request from the shared inputs and a task's overrides (checked like the inputs they override). */
function taskSpec(task: RawTask, index: number | undefined, base: TaskBase, problems: string[]): TaskSpec {
  const label = index === undefined ? undefined : `Input 'tasks' item ${index + 1} ('${task.name}')`;
  const override = <K extends TaskOverride>(key: K): Parsed[K] | undefined => {
    const text = task.overrides[key];
    if (text === undefined || label === undefined) return undefined;
    const result = FIELD_SCHEMAS[key].safeParse(text);
    if (result.success) return result.data as Parsed[K];
    problems.push(
      `${label}: '${key}' ${result.error.issues[0]?.message ?? 'is invalid'}, got ${base.show(key, text)}`,
    );
    return undefined;
  };
  const v = base.values;
  const blankWorkspace = override('blank-workspace') ?? v['blank-workspace'] ?? false;
  const repoOverride = override('repo');
  const repo = repoOverride ?? base.repo;
  if (!blankWorkspace && repo === undefined && task.overrides.repo === undefined && !base.repoGiven) {
    problems.push(
      label === undefined
        ? `Input 'repo' is required (GITHUB_REPOSITORY is not set), unless 'blank-workspace' is 'true'`
        : `${label}: 'repo' is required (no 'repo' input and GITHUB_REPOSITORY is not set)`,
    );
  }
  const request: CreateAgentRunInput = {
    prompt: task.prompt,
    mode: override('mode') ?? v.mode ?? 'execute',
    auto_create_pr: override('auto-create-pr') ?? v['auto-create-pr'] ?? true,
    blank_workspace: blankWorkspace,
  };
  if (!blankWorkspace) {
    request.repo = repo;
    const branchOverride = override('branch');
    if (branchOverride === undefined && task.overrides.branch === undefined) base.branchProblem();
    const branch = branchOverride ?? base.branch;
    if (branch !== undefined) request.branch = branch;
  }
  const model = override('model') ?? v.model;
  if (model !== undefined) request.model = model;
  const provider = override('provider') ?? v.provider;
  if (provider !== undefined) request.provider = provider;
  const agent = override('agent-provider') ?? v['agent-provider'];
  if (agent !== undefined) request.agent_provider = agent;
  const webhookOverride = override('webhook-url');
  if (webhookOverride !== undefined && base.appUrl !== undefined)
    problems.push(`${label}: 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App`);
  const webhook =
    base.appUrl !== undefined ? `${base.appUrl}/codecloud/webhook` : (webhookOverride ?? v['webhook-url']);
  if (webhook !== undefined) request.webhook_url = webhook;
  return { name: task.name, request };
}

function envRepo(env: Env): string | undefined {
  const repo = env.GITHUB_REPOSITORY;
  return repo && REPO_PATTERN.test(repo) ? repo : undefined;
}

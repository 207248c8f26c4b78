/**
 * The Action's inputs as one schema per backend and command, in a discriminated union whose output is the step's
 * settings: each schema applies its backend's and its command's rules (`input-rules.ts`) and turns the inputs that
 * pass them into settings.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ToolDefinition } from '../codecloud/schemas.js';
import type { Backend } from '../vocabulary.js';
import { deriveIdempotencyKey } from './idempotency-key.js';
import type { GivenInputs, InputValues } from './input-fields.js';
import {
  BACKEND_RULES,
  type CheckedInputs,
  followUpInputs,
  type InputContext,
  type Rule,
  runIdInputs,
  runInputs,
  scheduleInputs,
  unscheduleInputs,
  workspaceOf,
} from './input-rules.js';
import { inputTools, runTaskSpecs } from './run-task-specs.js';
import {
  type ActionCommand,
  type CommonSettings,
  DEFAULT_API_URLS,
  type FollowUpSettings,
  type RunCommandSettings,
  type ScheduleSettings,
  type StatusSettings,
  type StopSettings,
  type UnscheduleSettings,
} from './settings.js';
import { toolHeaderValues } from './tools-input.js';

const definedTools = (tools: ToolDefinition[] | undefined) => (tools === undefined ? {} : { tools });

function commonSettings({ backend, values, given }: CheckedInputs): CommonSettings {
  const comment = values.comment;
  return {
    backend,
    apiKey: values['api-key'] ?? '',
    apiUrl: values['api-url'] ?? DEFAULT_API_URLS[backend],
    wait: values.wait,
    timeoutMs: Math.round(values['timeout-minutes'] * 60_000),
    maxTokens: values['max-tokens'],
    stopOnCancel: values['stop-on-cancel'],
    failOnError: values['fail-on-error'],
    githubToken: backend === 'cloudcoding' || comment.kind !== 'off' ? values['github-token'] : undefined,
    appUrl: values['app-url'],
    comment,
    haiku: values.haiku,
    threadId: values['thread-id'],
    // Every header value given anywhere, even in a tool refused for another reason.
    toolSecrets: [...toolHeaderValues(given.tools), ...toolHeaderValues(given.tasks)],
  };
}

function runSettings(inputs: CheckedInputs, context: InputContext): RunCommandSettings {
  const workspace = workspaceOf(inputs, context);
  if (workspace.notice !== undefined) context.notices.push(workspace.notice);
  const { tasks } = runTaskSpecs({ ...inputs, workspace, show: context.show });
  return {
    command: 'run',
    tasks,
    fromTasksInput: inputs.given.tasks !== undefined,
    maxParallel: inputs.values['max-parallel'],
  };
}

function followUpSettings(inputs: CheckedInputs, context: InputContext): FollowUpSettings {
  const { values } = inputs;
  const runId = values['run-id'];
  let key = values['idempotency-key'];
  if (key === undefined && runId !== undefined) {
    const derived = deriveIdempotencyKey(context.env, { runId });
    if (derived.derived) key = derived.key;
    else {
      key = `local-${randomUUID()}`;
      context.warnings.push(`No idempotency-key given and ${derived.reason}: using a one-off key ${key}`);
    }
  }
  const workspace = workspaceOf(inputs, context);
  return {
    command: 'follow-up',
    runId,
    prompt: values.prompt ?? '',
    mode: values.mode,
    // A plan changes nothing, so there is no PR to update (the API refuses update_pr with mode plan); the runner
    // always passes action.yml's default `true`, so it cannot mean "asked for" here.
    updatePr: values.mode === 'plan' ? false : values['update-pr'],
    idempotencyKey: key ?? '',
    repo: workspace.repo,
    branch: workspace.branch,
    tools: inputTools(inputs.given.tools),
  };
}

function scheduleSettings(inputs: CheckedInputs, context: InputContext): ScheduleSettings {
  const { values } = inputs;
  const workspace = workspaceOf(inputs, context);
  if (workspace.notice !== undefined) context.notices.push(workspace.notice);
  const { cron, 'run-at': runAt } = values;
  return {
    command: 'schedule',
    schedule: {
      type: cron !== undefined ? 'recurring' : 'once',
      ...(cron !== undefined ? { cron } : {}),
      ...(runAt !== undefined ? { run_at: runAt } : {}),
      prompt: values.prompt ?? '',
      repo: workspace.repo,
      branch: workspace.branch,
      model: values.model,
      provider: values.provider,
      mode: values.mode ?? 'execute',
      webhook_url: values['webhook-url'],
      auto_create_pr: values['auto-create-pr'],
      ...definedTools(inputTools(inputs.given.tools)),
    },
  };
}

const stopSettings = ({ values }: CheckedInputs): StopSettings => ({
  command: 'stop',
  runId: values['run-id'] ?? '',
});

const statusSettings = ({ values }: CheckedInputs): StatusSettings => ({
  command: 'status',
  runId: values['run-id'] ?? '',
});

const unscheduleSettings = ({ values }: CheckedInputs): UnscheduleSettings => ({
  command: 'unschedule',
  scheduleId: values['schedule-id'] ?? '',
});

/**
 * The schema of one backend and command: its rules (the backend's, then the command's) become issues, and the
 * inputs that pass them become the settings.
 */
function commandSchema<B extends Backend, C extends ActionCommand, S extends { command: C }>(
  backend: B,
  command: C,
  rules: { command: Rule; settings: (inputs: CheckedInputs, context: InputContext) => S },
) {
  return z
    .object({
      backend: z.literal(backend),
      command: z.literal(command),
      // Checked one by one before (input-fields.ts); here only their combination is.
      values: z.custom<InputValues>(),
      given: z.custom<GivenInputs>(),
      // Part of what is parsed, so that the schemas are built once rather than for each parse.
      context: z.custom<InputContext>(),
    })
    .superRefine((inputs, ctx) => {
      for (const rule of [...BACKEND_RULES[backend], rules.command]) {
        rule(inputs, inputs.context, ({ path, message }) =>
          ctx.addIssue({ code: 'custom', path: [...path], message }),
        );
      }
    })
    .transform((inputs): CommonSettings & S => ({
      ...commonSettings(inputs),
      ...rules.settings(inputs, inputs.context),
    }));
}

/** The schemas of one backend, by `command`. */
function backendSchema(backend: Backend) {
  return z.discriminatedUnion('command', [
    commandSchema(backend, 'run', { command: runInputs, settings: runSettings }),
    commandSchema(backend, 'follow-up', { command: followUpInputs, settings: followUpSettings }),
    commandSchema(backend, 'stop', { command: runIdInputs, settings: stopSettings }),
    commandSchema(backend, 'status', { command: runIdInputs, settings: statusSettings }),
    commandSchema(backend, 'schedule', { command: scheduleInputs, settings: scheduleSettings }),
    commandSchema(backend, 'unschedule', { command: unscheduleInputs, settings: unscheduleSettings }),
  ]);
}

/**
 * Every backend and command, by `backend` then `command`; the output is the step's settings. Cloud Coding runs and
 * follows up only: its rules refuse the other commands (see cloudCodingInputs), and the command's own rules still
 * run so that every problem is reported at once.
 */
export const ActionSettingsSchema = z.discriminatedUnion('backend', [
  backendSchema('codecloud'),
  backendSchema('cloudcoding'),
]);

/** Every input of the Action, in `action.yml` order. `action.yml` and this list are kept equal by a test. */
export const ACTION_INPUT_NAMES = [
  'api-key',
  'backend',
  'api-url',
  'command',
  'prompt',
  'tasks',
  'repo',
  'branch',
  'mode',
  'model',
  'provider',
  'agent-provider',
  'auto-create-pr',
  'blank-workspace',
  'webhook-url',
  'run-id',
  'update-pr',
  'idempotency-key',
  'wait',
  'timeout-minutes',
  'max-parallel',
  'stop-on-cancel',
  'fail-on-error',
  'cron',
  'run-at',
  'schedule-id',
  'github-token',
  'haiku',
  'thread-id',
  'app-url',
  'comment',
  'max-tokens',
  'tools',
] as const;

export type InputName = (typeof ACTION_INPUT_NAMES)[number];

/** The inputs as the runner hands them over: strings, `''` when unset. */
export type RawInputs = Record<InputName, string>;

/** Inputs whose values are never shown, not even in an error message. */
export const SECRET_INPUTS: ReadonlySet<InputName> = new Set<InputName>(['api-key', 'github-token']);

/** Every output of the Action, in `action.yml` order. */
export const ACTION_OUTPUT_NAMES = [
  'run-id',
  'status',
  'title',
  'result',
  'plan',
  'error',
  'pr-url',
  'pr-number',
  'pr-branch',
  'prs',
  'input-tokens',
  'output-tokens',
  'results',
  'schedule-id',
  'next-run-at',
  'thread-id',
  'comment-url',
] as const;

export type OutputName = (typeof ACTION_OUTPUT_NAMES)[number];
export type ActionOutputs = Partial<Record<OutputName, string>>;

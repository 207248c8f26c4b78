/**
 * Each input of the Action on its own: how its text is checked and what value it becomes, and its default. The
 * defaults are the ones `action.yml` states (a test keeps them equal); they apply when an input is empty, e.g.
 * outside a runner, and when an input is refused, so that the remaining checks still run.
 */
import { z } from 'zod';
import { REPO_PATTERN } from '../codecloud/schemas.js';
import { DEFAULT_ACTION_MAX_PARALLEL, DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import { AgentProvider, Backend, RunMode } from '../vocabulary.js';
import { ACTION_INPUT_NAMES, type InputName } from './input-names.js';
import { ACTION_COMMANDS, type CommentSetting } from './settings.js';

/** What is wrong with the inputs, for the input (and, inside `tasks`, the item and key) it is about. */
export interface InputIssue {
  /** `['mode']`; `['tasks', 0, 'mode']` for a task's override; `[]` when no single input is to blame. */
  path: ReadonlyArray<string | number>;
  message: string;
}

/** The inputs that are not empty, trimmed. */
export type GivenInputs = Partial<Record<InputName, string>>;

/** A value as a message quotes it (`'exec'`): shortened, on one line, secrets hidden. */
export type ShowValue = (name: InputName, value: string) => string;

const MAX_PARALLEL = 100;

function choices(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 2 ? `${quoted[0]} or ${quoted[1]}` : `one of ${quoted.join(', ')}`;
}

const oneOf = <T extends readonly string[]>(values: T) =>
  z.enum(values, { error: () => `must be ${choices(values)}` });

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** An http(s) URL that paths are appended to: without its trailing slashes. */
const baseUrl = httpUrl.transform((url) => url.replace(/\/+$/, ''));

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

/** What a codecloud run or schedule id looks like. */
const API_ID = /^[A-Za-z0-9_-]{1,64}$/;
const freeText = z.string();

const commentSetting = z
  .string()
  .regex(
    /^(true|True|TRUE|false|False|FALSE|[1-9]\d{0,9})$/,
    `must be 'true', 'false' or the number of an issue or pull request`,
  )
  .transform((value): CommentSetting => {
    if (/^\d+$/.test(value)) return { kind: 'number', number: Number(value) };
    return value.toLowerCase() === 'true' ? { kind: 'event' } : { kind: 'off' };
  });

/** Every input: its check applied to the non-empty text, then its default (`prefault`) or nothing (`optional`). */
export const INPUT_FIELDS = {
  'api-key': freeText.optional(),
  backend: oneOf(Backend.options).prefault('codecloud'),
  'api-url': baseUrl.optional(),
  command: oneOf(ACTION_COMMANDS).prefault('run'),
  prompt: freeText.optional(),
  tasks: freeText.optional(),
  repo: z.string().regex(REPO_PATTERN, `must be in the form 'owner/repo'`).optional(),
  branch: z
    .string()
    .regex(/^[^\s~^:?*[\\]+$/, 'must be a git branch name')
    .optional(),
  mode: z.enum(RunMode.options, { error: () => `must be ${choices(RunMode.options)}` }).optional(),
  model: freeText.optional(),
  provider: freeText.optional(),
  'agent-provider': z
    .enum(AgentProvider.options, { error: () => `must be ${choices(AgentProvider.options)}` })
    .optional(),
  'auto-create-pr': strictBoolean.prefault('true'),
  'blank-workspace': strictBoolean.prefault('false'),
  'webhook-url': httpUrl.optional(),
  'run-id': z.string().regex(API_ID, 'must be a codecloud run id (letters, digits, _ and -)').optional(),
  'update-pr': strictBoolean.prefault('true'),
  'idempotency-key': z.string().max(255, 'must be at most 255 characters').optional(),
  wait: strictBoolean.prefault('true'),
  'timeout-minutes': positiveMinutes.prefault(String(DEFAULT_TIMEOUT_MINUTES)),
  'max-parallel': parallelism.prefault(String(DEFAULT_ACTION_MAX_PARALLEL)),
  'stop-on-cancel': strictBoolean.prefault('true'),
  'fail-on-error': strictBoolean.prefault('true'),
  cron: freeText.optional(),
  'run-at': freeText.optional(),
  'schedule-id': z.string().regex(API_ID, 'must be a codecloud schedule id').optional(),
  'github-token': freeText.optional(),
  haiku: strictBoolean.prefault('false'),
  'thread-id': freeText.optional(),
  'app-url': baseUrl.optional(),
  comment: commentSetting.prefault('false'),
  'max-tokens': z
    .string()
    .regex(/^\d+$/, 'must be a positive whole number of tokens')
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a positive whole number of tokens')
    .optional(),
  // Checked as a whole by its rule (`tools-input.ts`): its problems name the tool and the field.
  tools: freeText.optional(),
} satisfies Record<InputName, z.ZodType<unknown, string | undefined>>;

/** Every input's value once checked: its default, or `undefined` when it has none, if empty or refused. */
export type InputValues = { [K in InputName]: z.output<(typeof INPUT_FIELDS)[K]> };

/**
 * The default `action.yml` states for the input, as its text; `undefined` when it has none. Read by the test that
 * keeps `action.yml` and the schemas equal.
 * @public
 */
export function inputDefault(name: InputName): string | undefined {
  const field: z.ZodType = INPUT_FIELDS[name];
  return field instanceof z.ZodPrefault ? String(field.def.defaultValue) : undefined;
}

/** One input's value, or why its text is refused (`must be 'execute' or 'plan'`). */
export function checkInput<K extends InputName>(
  name: K,
  text: string | undefined,
): { ok: true; value: InputValues[K] } | { ok: false; reason: string } {
  const field: z.ZodType<unknown, string | undefined> = INPUT_FIELDS[name];
  const result = field.safeParse(text);
  // The field of `name` gives exactly `InputValues[name]` (see INPUT_FIELDS).
  if (result.success) return { ok: true, value: result.data as InputValues[K] };
  return { ok: false, reason: result.error.issues[0]?.message ?? 'is invalid' };
}

/** Checks every input on its own, in `action.yml` order; a refused input counts as empty for what follows. */
export function checkInputs(
  given: GivenInputs,
  show: ShowValue,
): { values: InputValues; issues: InputIssue[] } {
  const values: Partial<Record<InputName, unknown>> = {};
  const issues: InputIssue[] = [];
  for (const name of ACTION_INPUT_NAMES) {
    const text = given[name];
    const checked = checkInput(name, text);
    if (checked.ok) {
      values[name] = checked.value;
      continue;
    }
    issues.push({
      path: [name],
      message: `Input '${name}' ${checked.reason}, got ${show(name, text ?? '')}`,
    });
    const fallback = checkInput(name, undefined);
    values[name] = fallback.ok ? fallback.value : undefined;
  }
  return { values: values as InputValues, issues };
}

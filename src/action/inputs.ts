/**
 * Turns the raw inputs (strings, `''` when unset) into validated {@link ActionSettings}, before any API call: each
 * input is checked on its own (`input-fields.ts`), then by the schema of its backend and command
 * (`input-schemas.ts`, with the rules between inputs of `input-rules.ts`). Every problem names the input and the value (`Input 'mode' must be 'execute' or 'plan', got
 * 'exec'`); all problems are reported at once. Secret inputs are never echoed.
 */
import type { z } from 'zod';
import { REDACTED, redactSecrets } from '../redact.js';
import type { Env } from './default-branch.js';
import { checkInputs, type GivenInputs, type InputIssue } from './input-fields.js';
import { ACTION_INPUT_NAMES, type InputName, type RawInputs, SECRET_INPUTS } from './input-names.js';
import type { InputContext } from './input-rules.js';
import { ActionSettingsSchema } from './input-schemas.js';
import type { ActionSettings } from './settings.js';

export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
  /** Each problem with the input it is about (`path`); a problem given as text alone has the path `[]`. */
  readonly issues: readonly InputIssue[];
  constructor(problems: ReadonlyArray<string | InputIssue>) {
    const issues = problems.map((problem) =>
      typeof problem === 'string' ? { path: [], message: problem } : problem,
    );
    super(issues.map((issue) => issue.message).join('\n'));
    this.issues = issues;
  }

  /** The messages, one per problem, in the order found. */
  get problems(): string[] {
    return this.issues.map((issue) => issue.message);
  }
}

export interface ParsedInputs {
  settings: ActionSettings;
  /** Things worth saying that do not stop the step. */
  warnings: string[];
  /** Worth knowing, not a problem (a notice annotation): e.g. why the default branch is used. */
  notices: string[];
}

/**
 * @param event the workflow's event payload (`GITHUB_EVENT_PATH`), for the default `branch`; `undefined` when none.
 */
export function parseActionInputs(raw: RawInputs, env: Env, now: Date, event?: unknown): ParsedInputs {
  const given = givenInputs(raw);
  const secrets = [...SECRET_INPUTS].map((name) => given[name]);
  const show = (name: InputName, value: string) => showValue(name, value, secrets);
  const checked = checkInputs(given, show);
  const context: InputContext = { env, now, event, show, warnings: [], notices: [] };
  const parsed = ActionSettingsSchema.safeParse({
    backend: checked.values.backend,
    command: checked.values.command,
    values: checked.values,
    given,
    context,
  });
  const issues = [...checked.issues, ...(parsed.success ? [] : parsed.error.issues.map(inputIssue))];
  if (issues.length > 0 || !parsed.success) throw new ActionInputError(issues);
  return { settings: parsed.data, warnings: context.warnings, notices: context.notices };
}

/** The inputs that are not empty, trimmed. */
function givenInputs(raw: RawInputs): GivenInputs {
  const given: GivenInputs = {};
  for (const name of ACTION_INPUT_NAMES) {
    const value = raw[name]?.trim();
    if (value) given[name] = value;
  }
  return given;
}

function inputIssue(issue: z.core.$ZodIssue): InputIssue {
  return {
    path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
    message: issue.message,
  };
}

/** `'exec'`, shortened and on one line; secrets never. */
function showValue(name: InputName, text: string, secrets: ReadonlyArray<string | undefined>): string {
  if (SECRET_INPUTS.has(name)) return REDACTED;
  const value = redactSecrets(text, secrets);
  const line = value.split(/\r?\n/, 1)[0] ?? '';
  const short = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  return `'${short}${line !== value && short === line ? '…' : ''}'`;
}

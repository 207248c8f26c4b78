/**
 * The last stop before the runner: every output, the job summary and the failure message go through the credential
 * redactor, with the step's own secrets (the API key, `github-token`) as known values. Agents print environment
 * variables and config files; outputs flow into later steps and the summary is visible to anyone who can read the
 * run. JSON outputs (`results`, `prs`) are redacted value by value, so they stay valid JSON. Pure.
 */
import { redactSecrets } from '../redact.js';
import type { ActionLog, ActionOutcome } from './action-context.js';
import type { ActionOutputs, OutputName } from './input-names.js';

const JSON_OUTPUTS: ReadonlySet<OutputName> = new Set<OutputName>(['results', 'prs']);

export function redactOutcome(
  outcome: ActionOutcome,
  knownSecrets: ReadonlyArray<string | undefined>,
): ActionOutcome {
  const secrets = knownSecrets.filter((s): s is string => typeof s === 'string' && s !== '');
  const clean = (text: string) => redactSecrets(text, secrets);
  const outputs: ActionOutputs = {};
  for (const [name, value] of Object.entries(outcome.outputs) as Array<[OutputName, string | undefined]>) {
    if (value === undefined) continue;
    outputs[name] = JSON_OUTPUTS.has(name) ? redactJsonText(value, clean) : clean(value);
  }
  return {
    outputs,
    summary: clean(outcome.summary),
    failure: outcome.failure === undefined ? undefined : clean(outcome.failure),
  };
}

function redactJsonText(text: string, clean: (text: string) => string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return clean(text);
  }
  return JSON.stringify(redactValue(parsed, clean));
}

function redactValue(value: unknown, clean: (text: string) => string): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, clean));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, clean)]));
  }
  return value;
}

/** The step's log with every line through the same redactor (status lines, notices, groups of agent output). */
export function redactingActionLog(
  log: ActionLog,
  knownSecrets: ReadonlyArray<string | undefined>,
): ActionLog {
  const clean = (text: string) => redactSecrets(text, knownSecrets);
  return {
    info: (text) => log.info(clean(text)),
    warning: (text) => log.warning(clean(text)),
    notice: (text, title) => log.notice(clean(text), title === undefined ? undefined : clean(title)),
    group: (title, lines) => log.group(clean(title), lines.map(clean)),
  };
}

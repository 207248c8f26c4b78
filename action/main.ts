import * as core from '@actions/core';
import { ActionInputError, parseActionInputs } from '../src/action/inputs.js';
import { redactingActionLog, redactOutcome } from '../src/action/redact-outcome.js';
import { stepSecrets } from '../src/action/settings.js';
import { capOutcome } from '../src/action/size-limits.js';
import { messageOf } from '../src/error-messages.js';
import { BACKEND_MODULES } from './backends.js';
import { runnerContext } from './context.js';
import { readEvent } from './event.js';
import { readRawInputs } from './read-inputs.js';
import { ACTIVE_RUNS_STATE, IS_POST_STATE, PENDING_CREATES_STATE } from './state-names.js';

/** The main step: inputs → settings → the backend's command → outputs, summary, failure. */
export async function main(): Promise<void> {
  core.saveState(IS_POST_STATE, 'true');
  core.saveState(ACTIVE_RUNS_STATE, '[]');
  core.saveState(PENDING_CREATES_STATE, '[]');
  const raw = readRawInputs();

  let parsed: ReturnType<typeof parseActionInputs>;
  try {
    parsed = parseActionInputs(raw, process.env, new Date(), readEvent(process.env.GITHUB_EVENT_PATH));
  } catch (error) {
    if (error instanceof ActionInputError) {
      // Nothing was called: the step fails with every problem, one per line.
      core.setFailed(error.message);
      return;
    }
    throw error;
  }
  for (const warning of parsed.warnings) core.warning(warning);
  for (const notice of parsed.notices) core.notice(notice);
  const { settings } = parsed;

  // The runner cancels with SIGINT, then SIGTERM 7.5 s later, then kills 2.5 s after that.
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (cancel.signal.aborted) {
      core.info(`Received ${signal} again: still stopping runs`);
      return;
    }
    core.info(`Received ${signal}: the step is being cancelled`);
    cancel.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const redactedContext = (signal: AbortSignal) => {
    const context = runnerContext(signal);
    return { ...context, log: redactingActionLog(context.log, stepSecrets(settings)) };
  };
  try {
    const outcome = capOutcome(
      redactOutcome(
        await BACKEND_MODULES[settings.backend].main(settings, redactedContext(cancel.signal)),
        stepSecrets(settings),
      ),
    );
    for (const [name, value] of Object.entries(outcome.outputs))
      if (value !== undefined) core.setOutput(name, value);
    await core.summary.addRaw(outcome.summary, true).write();
    if (outcome.failure) core.setFailed(outcome.failure);
  } catch (error) {
    core.setFailed(messageOf(error));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

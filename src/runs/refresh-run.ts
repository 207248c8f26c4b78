/**
 * A run read back from its backend (never from a webhook body) and moved to what it says: its status, result and
 * tokens, final once it is done, and stopped once it is past `tokens_per_run`.
 */
import type { BackendRunView } from '../backends/agent-backend.js';
import { recordRunTokens, type TokenStop } from '../limits/run-tokens.js';
import { definedProps } from '../objects.js';
import type { Run, RunResult } from '../store/store.js';
import { isFinalLocalRunStatus, type LocalRunStatus, NON_FINAL_LOCAL_RUN_STATUSES } from '../vocabulary.js';
import type { RunDeps } from './run-deps.js';
import { finalizeRun } from './run-lifecycle.js';
import { backendOf, optionString } from './run-start.js';
import { updateStatusComment } from './status-comment.js';

function resultFrom(run: Run, view: BackendRunView): RunResult {
  const prs = view.prs.length > 0 ? view.prs : (run.result.prs ?? []);
  const branch = prs[0]?.branch || optionString(run.options.branch);
  // What the backend says now wins; what it leaves out is kept from before.
  return {
    ...run.result,
    ...definedProps({
      title: view.title || undefined,
      result: view.result,
      plan: view.plan,
      error: view.error,
      branch: branch || undefined,
      prs,
      inputTokens: view.inputTokens,
      outputTokens: view.outputTokens,
    }),
  };
}

/** Reads the run from the backend and acts on what it says (never on a webhook body). */
export async function refreshRun(
  deps: RunDeps,
  run: Run,
  options: { forceEdit?: boolean; throttled?: boolean } = {},
): Promise<Run> {
  // `starting`: a create or follow-up call is in flight; whoever made it moves the run on. `waiting` with a remote
  // id: a follow-up not sent yet (plan limit), so what the API says is about the previous message.
  if (run.remoteRunId === null || run.status === 'starting' || run.status === 'waiting') return run;
  const view = await backendOf(deps, run).get(run.remoteRunId);
  // Tokens as reported now: the run's and the repository's month; past `tokens_per_run`, stopped once.
  const tokenStop = await recordRunTokens(deps.store, run, view, deps.now());
  if (
    tokenStop &&
    !isFinalLocalRunStatus(run.status) &&
    (view.status === 'queued' || view.status === 'running')
  ) {
    return stopForTokens(deps, run, view, tokenStop);
  }
  if (view.status === 'completed' || view.status === 'failed') {
    if (isFinalLocalRunStatus(run.status)) {
      if (options.forceEdit) {
        const gh = await deps.github(run.installationId);
        // Only onto the state it was computed from (a follow-up may have reopened the run meanwhile).
        const current = await deps.store.transitionRun(run.id, [run.status], {
          result: resultFrom(run, view),
        });
        if (current) await updateStatusComment(deps, gh, current, { throttled: false });
        return current ?? (await deps.store.getRun(run.id)) ?? run;
      }
      return run;
    }
    const status: LocalRunStatus = run.stopRequestedBy ? 'stopped' : view.status;
    const full = resultFrom(run, view);
    // A stopped run's result and plan (if the API still reports any) are from before the stop: not shown as its own.
    const { result: _result, plan: _plan, ...kept } = full;
    const result = status === 'stopped' ? kept : full;
    return finalizeRun(deps, run, { status, result, remoteStatus: view.status });
  }
  if (isFinalLocalRunStatus(run.status)) return run;
  const changed = run.status !== view.status;
  // Compare-and-set on the status this answer is about: when the run moved meanwhile (the completion webhook
  // finished it while this read was in flight), the answer is stale and is dropped, never written over the newer
  // state. A final run never goes back.
  const updated = await deps.store.transitionRun(run.id, [run.status], {
    status: view.status,
    remoteStatus: view.status,
    result: resultFrom(run, view),
  });
  if (!updated) return (await deps.store.getRun(run.id)) ?? run;
  if (changed || options.forceEdit || options.throttled) {
    const gh = await deps.github(run.installationId);
    await updateStatusComment(deps, gh, updated, { throttled: !changed && !options.forceEdit });
  }
  return updated;
}

/** A run past `tokens_per_run`: stopped at the backend, then final as `stopped` with the note saying why. */
async function stopForTokens(deps: RunDeps, run: Run, view: BackendRunView, stop: TokenStop): Promise<Run> {
  deps.log.info(`run ${run.id}: ${stop.note}; stopping it`);
  if (run.remoteRunId !== null) {
    await backendOf(deps, run)
      .stop(run.remoteRunId)
      .catch((error: unknown) =>
        deps.log.warn(`stopping run ${run.id} for its tokens failed: ${String(error)}`),
      );
  }
  const noted = await deps.store.transitionRun(run.id, NON_FINAL_LOCAL_RUN_STATUSES, {
    options: { ...run.options, stopNote: stop.note },
  });
  if (!noted) return (await deps.store.getRun(run.id)) ?? run;
  const { result: _result, plan: _plan, ...kept } = resultFrom(noted, view);
  return finalizeRun(deps, noted, { status: 'stopped', result: kept });
}

/**
 * A run's life after its status comment exists: start it when the installation has a free slot, follow what the
 * backend says, and bring it to exactly one final state (completed, failed, stopped, timed out) with one final
 * comment edit, whoever notices first (webhook, reconciler, stop, time-out).
 */
import type { JsonObject, LocalRunStatus, Run, RunMode, RunResult } from '../store/store.js';
import { FINAL_LOCAL_RUN_STATUSES, isFinalLocalRunStatus } from '../store/store.js';
import {
  type AgentBackend,
  type BackendRunView,
  describeBackendError,
  type StartRunRequest,
} from './agent-backend.js';
import type { RunDeps } from './run-deps.js';
import {
  postStatusComment,
  reactQuietly,
  refOf,
  triggerTarget,
  updateStatusComment,
} from './status-comment.js';
import { JOB_DRAIN } from './trigger.js';

const NON_FINAL: readonly LocalRunStatus[] = ['waiting', 'starting', 'queued', 'running'];
/** How long to wait before trying again when codecloud says the plan's limit is reached without a `Retry-After`. */
const LIMIT_RETRY_MS = 30_000;

export function backendOf(deps: RunDeps, run: Run): AgentBackend {
  const backend = deps.backends[run.backend];
  if (!backend) throw new Error(`the ${run.backend} backend is not configured on this app`);
  return backend;
}

function maxConcurrentOf(run: Run): number {
  const value = run.options.maxConcurrentRuns;
  return typeof value === 'number' && value > 0 ? value : 5;
}

/** Starts as many waiting runs of an installation as its free slots allow. */
export async function drainInstallation(
  deps: RunDeps,
  installationId: number,
  options: { slotFreed?: boolean } = {},
): Promise<void> {
  // codecloud said its plan limit is reached and when to come back: nothing is started before then, unless one of
  // the installation's runs just ended (a slot at codecloud is free again).
  if (!options.slotFreed && (await deps.store.installationNotBefore(installationId)) !== null) return;
  const [oldest] = await deps.store.oldestWaitingRuns(installationId, 1);
  if (!oldest) return;
  const claimed = await deps.store.claimWaitingRunsWithComment(installationId, maxConcurrentOf(oldest));
  for (const run of claimed) await startClaimedRun(deps, run);
}

function optionString(options: JsonObject, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Sends the create call for a run moved to `starting`. */
async function startClaimedRun(deps: RunDeps, run: Run): Promise<void> {
  if (run.statusCommentId === null) {
    // Its status comment is still being posted (by the job that created it, which drains afterwards): the comment
    // always comes before the backend call.
    await deps.store.transitionRun(run.id, ['starting'], { status: 'waiting' });
    return;
  }
  const gh = await deps.github(run.installationId);
  if (run.remoteRunId !== null) {
    await sendPendingFollowUp(deps, gh, run);
    return;
  }
  let result: Awaited<ReturnType<AgentBackend['start']>>;
  try {
    result = await backendOf(deps, run).start(startRequestOf(run));
  } catch (error) {
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: describeBackendError(error) },
    });
    return;
  }
  if (result.kind === 'limit-reached') {
    await backOffForLimit(deps, gh, run, result.retryAfterMs);
    return;
  }
  await recordStarted(deps, gh, run, result);
}

/** The create request of a run, as sent (and as looked up again when its answer was lost). */
export function startRequestOf(run: Run): StartRunRequest {
  const agent = optionString(run.options, 'agentProvider');
  return {
    repo: `${run.owner}/${run.repo}`,
    prompt: run.prompt,
    mode: run.mode,
    branch: optionString(run.options, 'branch'),
    model: optionString(run.options, 'model'),
    provider: optionString(run.options, 'provider'),
    agentProvider: agent === 'opencode' || agent === 'claude-code' ? agent : undefined,
    autoCreatePr: run.options.autoCreatePr !== false,
    installationId: run.installationId,
  };
}

/** `starting` → `queued` with the backend's run id, deadline and title; stops it if the run was stopped meanwhile. */
export async function recordStarted(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
  result: { remoteRunId: string; title?: string | undefined },
): Promise<void> {
  const timeoutMinutes = typeof run.options.timeoutMinutes === 'number' ? run.options.timeoutMinutes : 60;
  const started = await deps.store.transitionRun(run.id, ['starting'], {
    status: 'queued',
    remoteRunId: result.remoteRunId,
    remoteStatus: 'queued',
    startedAt: deps.now(),
    deadlineAt: deps.now() + timeoutMinutes * 60_000,
    ...(result.title ? { result: { ...run.result, title: result.title } } : {}),
  });
  if (!started) {
    // Stopped while the create call was in flight: stop what was just created.
    await backendOf(deps, run)
      .stop(result.remoteRunId)
      .catch(() => undefined);
    await deps.store.updateRun(run.id, { remoteRunId: result.remoteRunId });
    return;
  }
  await updateStatusComment(deps, gh, started, { throttled: false });
}

/**
 * codecloud's plan limit: the run goes back in line, and nothing of the installation starts before `Retry-After`
 * (`LIMIT_RETRY_MS` when codecloud does not say); a drain job is scheduled for then.
 */
export async function backOffForLimit(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
  retryAfterMs: number | undefined,
  patch: { options?: JsonObject } = {},
): Promise<void> {
  const back = await deps.store.transitionRun(run.id, ['starting'], { status: 'waiting', ...patch });
  const retryAt = deps.now() + Math.max(retryAfterMs ?? LIMIT_RETRY_MS, 1_000);
  await deps.store.setInstallationNotBefore(run.installationId, retryAt);
  await deps.store.enqueueJob({
    dedupeKey: `drain:${run.installationId}:${Math.floor(retryAt / LIMIT_RETRY_MS)}`,
    kind: JOB_DRAIN,
    payload: { installationId: run.installationId },
    runAt: retryAt,
    group: String(run.installationId),
  });
  if (back) await updateStatusComment(deps, gh, back, { throttled: false });
}

/** A follow-up message that waited for a slot (codecloud's plan limit): sent now, with its own idempotency key. */
async function sendPendingFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
): Promise<void> {
  const pending = run.options.pendingFollowUp;
  if (
    !pending ||
    typeof pending !== 'object' ||
    Array.isArray(pending) ||
    typeof pending.prompt !== 'string' ||
    typeof pending.idempotencyKey !== 'string' ||
    run.remoteRunId === null
  ) {
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: 'This follow-up was lost while waiting; ask again.' },
    });
    return;
  }
  await sendFollowUp(deps, gh, run, run.remoteRunId, {
    prompt: pending.prompt,
    mode: pending.mode === 'plan' ? 'plan' : 'execute',
    idempotencyKey: pending.idempotencyKey,
  });
}

/** A follow-up message to a run's session, with the key that makes sending it again harmless. */
export type FollowUpMessage = { prompt: string; mode: RunMode; idempotencyKey: string };

/**
 * Sends a follow-up of a run in `starting` whose status comment exists: queued once accepted; refused by codecloud's
 * plan limit, it waits in line with the message kept (`options.pendingFollowUp`); failed when it cannot be sent.
 */
export async function sendFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
  remoteRunId: string,
  message: FollowUpMessage,
): Promise<void> {
  let sent: Awaited<ReturnType<AgentBackend['followUp']>>;
  try {
    sent = await backendOf(deps, run).followUp(remoteRunId, {
      prompt: message.prompt,
      mode: message.mode,
      updatePr: message.mode === 'execute',
      idempotencyKey: message.idempotencyKey,
    });
  } catch (error) {
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: `The follow-up could not be sent: ${describeBackendError(error)}` },
    });
    return;
  }
  if (sent.kind === 'limit-reached') {
    // Sent when the installation may start runs again.
    await backOffForLimit(deps, gh, run, undefined, {
      options: { ...run.options, pendingFollowUp: { ...message } },
    });
    return;
  }
  const { pendingFollowUp: _sent, ...options } = run.options;
  const accepted = await deps.store.transitionRun(run.id, ['starting'], {
    status: 'queued',
    remoteStatus: 'running',
    options,
  });
  if (accepted) await updateStatusComment(deps, gh, accepted, { throttled: false });
}

function resultFrom(run: Run, view: BackendRunView): RunResult {
  const prs = view.prs.length > 0 ? view.prs : (run.result.prs ?? []);
  const branch = prs[0]?.branch || optionString(run.options, 'branch');
  return {
    ...run.result,
    ...(view.title ? { title: view.title } : {}),
    ...(view.result !== undefined ? { result: view.result } : {}),
    ...(view.plan !== undefined ? { plan: view.plan } : {}),
    ...(view.error !== undefined ? { error: view.error } : {}),
    ...(branch ? { branch } : {}),
    prs,
    ...(view.inputTokens !== undefined ? { inputTokens: view.inputTokens } : {}),
    ...(view.outputTokens !== undefined ? { outputTokens: view.outputTokens } : {}),
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
  if (view.status === 'completed' || view.status === 'failed') {
    if (isFinalLocalRunStatus(run.status)) {
      if (options.forceEdit) {
        const gh = await deps.github(run.installationId);
        const current = await deps.store.updateRun(run.id, { result: resultFrom(run, view) });
        await updateStatusComment(deps, gh, current, { throttled: false });
        return current;
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
  const updated = await deps.store.updateRun(run.id, {
    status: view.status,
    remoteStatus: view.status,
    result: resultFrom(run, view),
  });
  if (changed || options.forceEdit || options.throttled) {
    const gh = await deps.github(run.installationId);
    await updateStatusComment(deps, gh, updated, { throttled: !changed && !options.forceEdit });
  }
  return updated;
}

/**
 * Moves a run to a final state once, edits its status comment once (the first caller wins; the others only read),
 * reacts 🚀 or 😕 on the trigger, and lets the next waiting run of the installation start.
 */
export async function finalizeRun(
  deps: RunDeps,
  run: Run,
  final: { status: LocalRunStatus; result?: RunResult; remoteStatus?: string },
): Promise<Run> {
  const moved = await deps.store.transitionRun(run.id, NON_FINAL, {
    status: final.status,
    finishedAt: deps.now(),
    ...(final.result ? { result: final.result } : {}),
    ...(final.remoteStatus ? { remoteStatus: final.remoteStatus } : {}),
  });
  const current = moved ?? (await deps.store.getRun(run.id)) ?? run;
  if (FINAL_LOCAL_RUN_STATUSES.includes(current.status)) {
    // A failed edit is not lost: the reconciler finds the run (`listRunsAwaitingFinalComment`) and tries again.
    await postFinalComment(deps, current).catch((error: unknown) =>
      deps.log.warn(`final status comment of run ${run.id} failed (will retry): ${String(error)}`),
    );
  }
  if (moved) await drainInstallation(deps, run.installationId, { slotFreed: true });
  return current;
}

/** How long one caller holds the final comment edit before another may take over (it crashed). */
const FINAL_COMMENT_LEASE_MS = 2 * 60_000;
const FINAL_COMMENT_RETRY_BASE_MS = 5_000;
const FINAL_COMMENT_RETRY_MAX_MS = 30 * 60_000;

/** Back-off for the `attempts`-th failed final edit: 5 s, 10 s, 20 s, … up to 30 min, with ±20 % jitter. */
export function finalCommentRetryAt(
  now: number,
  attempts: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    FINAL_COMMENT_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1),
    FINAL_COMMENT_RETRY_MAX_MS,
  );
  return now + Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The one final edit of a final run's status comment (a new comment if the run never got one), then 🚀 or 😕 on
 * the trigger (a user's stop gets neither: it is neither a success nor a failure). Whoever claims it does it; a
 * failure is deferred with back-off for the reconciler, and rethrown.
 */
export async function postFinalComment(deps: RunDeps, run: Run): Promise<void> {
  if (!(await deps.store.claimFinalComment(run.id, FINAL_COMMENT_LEASE_MS))) return;
  const current = (await deps.store.getRun(run.id)) ?? run;
  let gh: Awaited<ReturnType<RunDeps['github']>>;
  try {
    gh = await deps.github(run.installationId);
    if (current.statusCommentId === null) await postStatusComment(deps, gh, current);
    else await updateStatusComment(deps, gh, current, { throttled: false });
    await deps.store.confirmFinalComment(run.id);
  } catch (error) {
    await deps.store.deferFinalComment(run.id, (attempts) => finalCommentRetryAt(deps.now(), attempts));
    throw error;
  }
  if (current.status === 'stopped') return;
  await reactQuietly(
    deps,
    gh,
    refOf(current),
    triggerTarget(current),
    current.status === 'completed' ? 'rocket' : 'confused',
  );
}

/** Stops runs past their `timeout_minutes` and gives them their final state. */
export async function timeOutRuns(deps: RunDeps): Promise<void> {
  for (const run of await deps.store.listRunsPastDeadline()) {
    if (run.remoteRunId !== null) {
      await backendOf(deps, run)
        .stop(run.remoteRunId)
        .catch((error: unknown) =>
          deps.log.warn(`stopping timed-out run ${run.id} failed: ${String(error)}`),
        );
    }
    const minutes = typeof run.options.timeoutMinutes === 'number' ? run.options.timeoutMinutes : 60;
    await finalizeRun(deps, run, {
      status: 'timed_out',
      result: {
        ...run.result,
        error: `The run took longer than ${minutes} minutes (\`timeout_minutes\`) and was stopped.`,
      },
    });
  }
}

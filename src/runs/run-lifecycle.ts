/**
 * A run's life after its status comment exists: start it when the installation has a free slot, follow what the
 * backend says, and bring it to exactly one final state (completed, failed, stopped, timed out) with one final
 * comment edit, whoever notices first (webhook, reconciler, stop, time-out).
 */
import { syncCheckRun } from '../autofix/check-run.js';
import type { AgentBackend, BackendRunView, StartRunRequest } from '../backends/agent-backend.js';
import { messageOf } from '../error-messages.js';
import { type GitHubApi, statusOf } from '../github/github-api.js';
import { refundAttempt } from '../limits/charge.js';
import { recordRunTokens, type TokenStop } from '../limits/run-tokens.js';
import { definedProps } from '../objects.js';
import { DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import type { RunOptions } from '../store/run-options.js';
import type { Run, RunResult } from '../store/store.js';
import {
  FINAL_LOCAL_RUN_STATUSES,
  isFinalLocalRunStatus,
  type LocalRunStatus,
  NON_FINAL_LOCAL_RUN_STATUSES,
  type RunMode,
} from '../vocabulary.js';
import { enqueue, type JobPayload } from './jobs.js';
import type { RunDeps } from './run-deps.js';
import { postStatusComment, refOf, triggerTarget, updateStatusComment } from './status-comment.js';
import { JOB_DRAIN, JOB_LOOK_UP_CREATE } from './trigger.js';

/** How long to wait before trying again when codecloud says the plan's limit is reached without a `Retry-After`. */
const LIMIT_RETRY_MS = 30_000;

export function backendOf(deps: RunDeps, run: Run): AgentBackend {
  const backend = deps.backends[run.backend];
  if (!backend) throw new Error(`the ${run.backend} backend is not configured on this app`);
  return backend;
}

export function maxConcurrentOf(run: Pick<Run, 'options'>): number {
  return run.options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;
}

/** The store lease that says "this process is starting this run" (its create or follow-up call is in flight). */
export const startLeaseName = (runId: string): string => `run-start:${runId}`;
/** How long a start lease lasts unless renewed; it is renewed every third of that while the work goes on. */
export const START_LEASE_MS = 15_000;

/**
 * Runs `work` while holding the run's start lease (renewed meanwhile) and returns true, or returns false without
 * running it when another live process holds it. A process that dies stops renewing, so the reconciler takes over
 * within seconds.
 */
export async function whileStarting(
  deps: RunDeps,
  runId: string,
  work: () => Promise<unknown>,
): Promise<boolean> {
  const name = startLeaseName(runId);
  if (!(await deps.store.tryAcquireLease(name, deps.holder, START_LEASE_MS))) return false;
  const renew = setInterval(() => {
    deps.store.tryAcquireLease(name, deps.holder, START_LEASE_MS).catch(() => undefined);
  }, START_LEASE_MS / 3);
  renew.unref?.();
  try {
    await work();
    return true;
  } finally {
    clearInterval(renew);
    await deps.store.releaseLease(name, deps.holder).catch(() => undefined);
  }
}

/** Starts as many waiting runs of an installation as its free slots allow. */
export async function drainInstallation(
  deps: RunDeps,
  installationId: number,
  options: { slotFreed?: boolean } = {},
): Promise<void> {
  // codecloud said its plan limit is reached and when to come back: nothing is started before then, unless one of
  // the installation's runs just ended (a slot at codecloud is free again).
  const notBefore = options.slotFreed ? null : await deps.store.installationNotBefore(installationId);
  if (notBefore !== null) {
    // Whoever set it scheduled a drain for then; make sure one is (a drain for that moment is recorded once).
    await scheduleDrain(deps, installationId, notBefore);
    return;
  }
  const [oldest] = await deps.store.oldestWaitingRuns(installationId, 1);
  if (!oldest) return;
  const claimed = await deps.store.claimWaitingRunsWithComment(installationId, maxConcurrentOf(oldest));
  // Creates wait on the network: the claimed runs start side by side, so one slow create never holds up the next.
  const started = await Promise.allSettled(claimed.map((run) => startClaimedRun(deps, run)));
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A drain of the installation's line at `at`; one per moment (a key seen before is never recorded again). */
async function scheduleDrain(deps: RunDeps, installationId: number, at: number): Promise<void> {
  const fresh = await enqueue(deps.store, JOB_DRAIN, {
    dedupeKey: `drain:${installationId}:${at}`,
    payload: { installationId },
    runAt: at,
  });
  if (fresh) deps.wake();
}

const optionString = (value: string | undefined): string | undefined => (value ? value : undefined);

/** Sends the create call for a run moved to `starting`, holding its start lease (another holder: left to it). */
async function startClaimedRun(deps: RunDeps, run: Run): Promise<void> {
  await whileStarting(deps, run.id, async () => {
    // Re-read under the lease: the reconciler may have handled it meanwhile.
    const current = await deps.store.getRun(run.id);
    if (current?.status === 'starting') await startHeldRun(deps, current);
  });
}

async function startHeldRun(deps: RunDeps, claimed: Run): Promise<void> {
  let run = claimed;
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
  // Recorded before the call: a create cut off from here on may exist at codecloud, so it is looked up, never re-sent.
  const marked = await deps.store.transitionRun(run.id, ['starting'], {
    options: { ...run.options, createSentAt: deps.now() },
  });
  if (!marked) return;
  run = marked;
  let result: Awaited<ReturnType<AgentBackend['start']>>;
  try {
    result = await backendOf(deps, run).start(startRequestOf(run));
  } catch (error) {
    // The backend refused to create it: it counts nothing against the limits.
    await refundAttempt(deps.store, run.options.usageCharge);
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: messageOf(error) },
    });
    return;
  }
  if (result.kind === 'limit-reached') {
    // Refused: nothing was created, so it may be sent again later.
    const { createSentAt: _notSent, ...options } = run.options;
    await backOffForLimit(deps, gh, run, result.retryAfterMs, { options });
    return;
  }
  if (result.kind === 'unknown') {
    deps.log.warn(`run ${run.id}: the create got no answer (${result.message}); looking it up`);
    await scheduleCreateLookUp(deps, run, 1);
    // Shown as starting (not queued) while it is looked up.
    await updateStatusComment(deps, gh, run, { throttled: false });
    return;
  }
  await recordStarted(deps, gh, run, result);
}

/**
 * When a create that got no answer is looked up, counted from when it was sent: codecloud's list may show a new run
 * only after a while, so one look-up that finds nothing proves nothing. After the last, it is failed.
 */
export const CREATE_LOOK_UPS_MS = [5_000, 20_000, 45_000, 80_000, 120_000] as const;

async function scheduleCreateLookUp(deps: RunDeps, run: Run, lookUp: number): Promise<void> {
  const sentAt = run.options.createSentAt ?? run.updatedAt;
  const fresh = await enqueue(deps.store, JOB_LOOK_UP_CREATE, {
    dedupeKey: `look-up-create:${run.id}:${lookUp}`,
    payload: { runId: run.id, lookUp },
    runAt: Math.max(deps.now(), sentAt + (CREATE_LOOK_UPS_MS[lookUp - 1] ?? 0)),
  });
  if (fresh) deps.wake();
}

/**
 * One look-up of a create that got no answer (the job `JOB_LOOK_UP_CREATE`): the run found at codecloud is adopted;
 * none found after the last look-up fails it with the reason and a hint (no second paid run is ever created).
 * The first look-up for a run whose creating process died is recorded by the reconciler.
 */
export async function lookUpLostCreate(
  deps: RunDeps,
  payload: JobPayload<typeof JOB_LOOK_UP_CREATE>,
): Promise<void> {
  const held = await whileStarting(deps, payload.runId, async () => {
    const run = await deps.store.getRun(payload.runId);
    if (run?.status !== 'starting' || run.remoteRunId !== null) return;
    const backend = backendOf(deps, run);
    if (!backend.findStarted) {
      // A backend without a look-up cannot tell whether the create happened: never sent again, failed.
      await failLostCreate(
        deps,
        run,
        'The create call of this run got no answer (the app restarted or lost it); ask again.',
      );
      return;
    }
    const sentAt = run.options.createSentAt ?? run.updatedAt;
    const last = payload.lookUp >= CREATE_LOOK_UPS_MS.length;
    let found: { remoteRunId: string; title?: string } | undefined;
    try {
      found = await backend.findStarted(startRequestOf(run), sentAt);
    } catch (error) {
      if (error instanceof Error && error.name === 'LostCreateError') {
        await failLostCreate(deps, run, error.message);
        return;
      }
      deps.log.warn(`run ${run.id}: look-up ${payload.lookUp} of its create failed: ${String(error)}`);
    }
    if (found && (await deps.store.getRunByRemoteId(found.remoteRunId, run.backend)) !== null) {
      found = undefined; // another run of ours already has it
    }
    if (found) {
      deps.log.info(`run ${run.id}: adopting ${found.remoteRunId}, whose create got no answer`);
      await recordStarted(deps, await deps.github(run.installationId), run, found);
      // Its webhooks came while it was not known to be ours (it may even have finished): read it back now.
      const adopted = await deps.store.getRun(run.id);
      if (adopted?.status === 'queued') await refreshRun(deps, adopted);
      return;
    }
    if (!last) {
      await scheduleCreateLookUp(deps, run, payload.lookUp + 1);
      return;
    }
    await failLostCreate(
      deps,
      run,
      'codecloud did not answer the call that creates this run, and no such run showed up in its list within ' +
        `${Math.round(CREATE_LOOK_UPS_MS[CREATE_LOOK_UPS_MS.length - 1]! / 60_000)} minutes, so it was not sent again ` +
        '(that could start a second paid run). Check the codecloud dashboard for it before asking again.',
    );
  });
  // Another live process is starting it right now: this look-up is retried later (the job fails).
  if (!held && (await deps.store.getRun(payload.runId))?.status === 'starting') {
    throw new Error(`run ${payload.runId} is being started by another process`);
  }
}

async function failLostCreate(deps: RunDeps, run: Run, error: string): Promise<void> {
  await finalizeRun(deps, run, { status: 'failed', result: { ...run.result, error } });
}

/** The create request of a run, as sent (and as looked up again when its answer was lost). */
export function startRequestOf(run: Run): StartRunRequest {
  return {
    repo: `${run.owner}/${run.repo}`,
    prompt: run.prompt,
    mode: run.mode,
    branch: optionString(run.options.branch),
    model: optionString(run.options.model),
    provider: optionString(run.options.provider),
    agentProvider: run.options.agentProvider,
    autoCreatePr: run.options.autoCreatePr !== false,
    installationId: run.installationId,
    threadId: run.options.continuesThread,
  };
}

/** `starting` → `queued` with the backend's run id, deadline and title; stops it if the run was stopped meanwhile. */
export async function recordStarted(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
  result: { remoteRunId: string; title?: string | undefined },
): Promise<void> {
  const timeoutMinutes = run.options.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
  // The run's time counts from when the create was sent (an adopted run may have run for a while already).
  const startedAt = Math.min(run.options.createSentAt ?? deps.now(), deps.now());
  const started = await deps.store.transitionRun(run.id, ['starting'], {
    status: 'queued',
    remoteRunId: result.remoteRunId,
    remoteStatus: 'queued',
    startedAt,
    deadlineAt: startedAt + timeoutMinutes * 60_000,
    ...(result.title ? { result: { ...run.result, title: result.title } } : {}),
  });
  if (!started) {
    // Stopped while the create call was in flight: stop what was just created.
    await backendOf(deps, run)
      .stop(result.remoteRunId)
      .catch(() => undefined);
    await deps.store.transitionRun(run.id, FINAL_LOCAL_RUN_STATUSES, { remoteRunId: result.remoteRunId });
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
  patch: { options?: RunOptions } = {},
): Promise<void> {
  const retryAt = deps.now() + Math.max(retryAfterMs ?? LIMIT_RETRY_MS, 1_000);
  // First the hold, then the run back in line: its comment then says why it waits.
  await deps.store.setInstallationNotBefore(run.installationId, retryAt);
  const back = await deps.store.transitionRun(run.id, ['starting'], { status: 'waiting', ...patch });
  // Every back-off gets its own drain (a key per moment, not per 30 s bucket: a second back-off within the same
  // bucket must not be dropped as a duplicate).
  const until = (await deps.store.installationNotBefore(run.installationId)) ?? retryAt;
  await scheduleDrain(deps, run.installationId, until);
  if (back) await updateStatusComment(deps, gh, back, { throttled: false });
}

/** A follow-up message that waited for a slot (codecloud's plan limit): sent now, with its own idempotency key. */
async function sendPendingFollowUp(
  deps: RunDeps,
  gh: Awaited<ReturnType<RunDeps['github']>>,
  run: Run,
): Promise<void> {
  const pending = run.options.pendingFollowUp;
  if (!pending || run.remoteRunId === null) {
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: 'This follow-up was lost while waiting; ask again.' },
    });
    return;
  }
  await sendFollowUp(deps, gh, run, run.remoteRunId, {
    prompt: pending.prompt,
    mode: pending.mode,
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
    await refundAttempt(deps.store, run.options.usageCharge);
    await finalizeRun(deps, run, {
      status: 'failed',
      result: { ...run.result, error: `The follow-up could not be sent: ${messageOf(error)}` },
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

/**
 * Moves a run to a final state once, edits its status comment once (the first caller wins; the others only read),
 * reacts 🚀 or 😕 on the trigger, and lets the next waiting run of the installation start.
 */
export async function finalizeRun(
  deps: RunDeps,
  run: Run,
  final: { status: LocalRunStatus; result?: RunResult; remoteStatus?: string },
): Promise<Run> {
  const moved = await deps.store.transitionRun(run.id, NON_FINAL_LOCAL_RUN_STATUSES, {
    status: final.status,
    finishedAt: deps.now(),
    ...definedProps({ result: final.result, remoteStatus: final.remoteStatus || undefined }),
  });
  const current = moved ?? (await deps.store.getRun(run.id)) ?? run;
  if (moved) {
    deps.metrics?.runFinished({
      ...moved,
      inputTokens: moved.result.inputTokens,
      outputTokens: moved.result.outputTokens,
    });
  }
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
const FINAL_COMMENT_LEASE_MS = 60_000;
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
 * the trigger (a user's stop gets neither: it is neither a success nor a failure). Both are one durable step: it is
 * confirmed only once the reaction is on GitHub too, so a refused or cut-off reaction is tried again with the edit
 * (an unchanged body is not sent twice; GitHub answers a reaction that exists with 200). Whoever claims it does it; a
 * failure is deferred with back-off for the reconciler, and rethrown.
 */
export async function postFinalComment(deps: RunDeps, run: Run): Promise<void> {
  if (!(await deps.store.claimFinalComment(run.id, FINAL_COMMENT_LEASE_MS))) return;
  const current = (await deps.store.getRun(run.id)) ?? run;
  try {
    const gh = await deps.github(run.installationId);
    // A run without a recorded comment may have one all the same (its job died right after posting it).
    if (current.statusCommentId === null) await postStatusComment(deps, gh, current, { lookFirst: true });
    else await updateStatusComment(deps, gh, current, { throttled: false });
    if (current.status !== 'stopped') await reactOnFinalState(gh, current);
    // Never left in progress: a failed check run update is retried with the final edit.
    await syncCheckRun(deps, (await deps.store.getRun(run.id)) ?? current);
    await deps.store.confirmFinalComment(run.id);
  } catch (error) {
    await deps.store.deferFinalComment(run.id, (attempts) => finalCommentRetryAt(deps.now(), attempts));
    throw error;
  }
}

/** 🚀 or 😕 on the trigger; a trigger that is gone (deleted comment: 404/410, or refused as invalid: 422) is skipped. */
async function reactOnFinalState(gh: GitHubApi, run: Run): Promise<void> {
  const target = triggerTarget(run);
  if (!target) return;
  try {
    await gh.react(refOf(run), target, run.status === 'completed' ? 'rocket' : 'confused');
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 410 || status === 422) return;
    throw error;
  }
}

/** Stops runs past their `timeout_minutes` and gives them their final state. */
export async function timeOutRuns(deps: RunDeps): Promise<void> {
  for (const run of await deps.store.listRunsPastDeadline()) {
    // A create without an answer yet is not running out of time: it is being looked up (and failed if not found).
    if (run.status === 'starting' && run.remoteRunId === null) continue;
    if (run.remoteRunId !== null) {
      await backendOf(deps, run)
        .stop(run.remoteRunId)
        .catch((error: unknown) =>
          deps.log.warn(`stopping timed-out run ${run.id} failed: ${String(error)}`),
        );
    }
    const minutes = run.options.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    await finalizeRun(deps, run, {
      status: 'timed_out',
      result: {
        ...run.result,
        error: `The run took longer than ${minutes} minutes (\`timeout_minutes\`) and was stopped.`,
      },
    });
  }
}

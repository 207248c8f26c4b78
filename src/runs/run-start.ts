/**
 * The steps of starting one run: which backend it uses, the start lease that says who is sending its create or
 * follow-up call, the create request, recording it started, the look-up scheduled when a create got no answer, and
 * backing off when codecloud's plan limit is reached.
 */
import type { AgentBackend, StartRunRequest } from '../backends/agent-backend.js';
import { DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import type { RunOptions } from '../store/run-options.js';
import type { Run } from '../store/store.js';
import { FINAL_LOCAL_RUN_STATUSES } from '../vocabulary.js';
import { enqueue } from './jobs.js';
import type { RunDeps } from './run-deps.js';
import { updateStatusComment } from './status-comment.js';
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

/** A drain of the installation's line at `at`; one per moment (a key seen before is never recorded again). */
export async function scheduleDrain(deps: RunDeps, installationId: number, at: number): Promise<void> {
  const fresh = await enqueue(deps.store, JOB_DRAIN, {
    dedupeKey: `drain:${installationId}:${at}`,
    payload: { installationId },
    runAt: at,
  });
  if (fresh) deps.wake();
}

export const optionString = (value: string | undefined): string | undefined => (value ? value : undefined);

/**
 * When a create that got no answer is looked up, counted from when it was sent: codecloud's list may show a new run
 * only after a while, so one look-up that finds nothing proves nothing. After the last, it is failed.
 */
export const CREATE_LOOK_UPS_MS = [5_000, 20_000, 45_000, 80_000, 120_000] as const;

export async function scheduleCreateLookUp(deps: RunDeps, run: Run, lookUp: number): Promise<void> {
  const sentAt = run.options.createSentAt ?? run.updatedAt;
  const fresh = await enqueue(deps.store, JOB_LOOK_UP_CREATE, {
    dedupeKey: `look-up-create:${run.id}:${lookUp}`,
    payload: { runId: run.id, lookUp },
    runAt: Math.max(deps.now(), sentAt + (CREATE_LOOK_UPS_MS[lookUp - 1] ?? 0)),
  });
  if (fresh) deps.wake();
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

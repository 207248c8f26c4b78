/**
 * Starts runs (new runs or follow-ups) and waits for them, at most `maxParallel` at once. A start refused because
 * the plan's concurrent-run limit is reached is retried later (the run was not created): after a back-off, or as
 * soon as one of this step's own runs finishes, never in a tight loop. One task's failure never hides the others.
 * On time-out the run is stopped; on cancellation it is stopped when `stopOnCancel`.
 */
import { answerMayBeLost, CodecloudError } from '../codecloud/errors.js';
import type { RunDetail, RunStatus } from '../codecloud/schemas.js';
import { messageOf } from '../error-messages.js';
import type { ActiveRun, PendingCreate } from './action-context.js';
import type { AppWaitHooks, AppWaitOutcome } from './app-wait.js';
import type { Clock } from './clock.js';
import { elapsed, type RunReader, stamp, tokensOf, type WaitOutcome, waitForRun } from './wait-for-run.js';
import { backoffDelay, type WaitPolicy } from './wait-policy.js';

/** The API's statuses, plus what the Action itself ended: `stopped` (cancelled), `timed-out`. */
export type TaskStatus = RunStatus | 'stopped' | 'timed-out';

export interface TaskResult {
  name: string;
  runId: string | undefined;
  status: TaskStatus;
  /** The run as last read from the API. */
  run: RunDetail | undefined;
  /** Why it did not complete: the run's error, or the Action's (create refused, time-out, cancelled). */
  error: string | undefined;
  /** Every line logged for this task, for its log group. */
  lines: string[];
  /** Stopped by the Action for passing `max-tokens` (the step fails, whatever `fail-on-error` says). */
  overMaxTokens?: boolean;
}

export interface StartedRun {
  id: string;
  title?: string | undefined;
  /** The status the start answer reported (`queued` for a new run, `running` for a follow-up). */
  status: RunStatus;
}

export interface TaskJob {
  name: string;
  /** A follow-up's run, known before sending: saved for the post step before the message goes out. */
  runId?: string | undefined;
  /** A create: how the post step finds the run if the step is cancelled before the answer arrives. */
  create?: Omit<PendingCreate, 'name' | 'sentAt'> | undefined;
  /**
   * Creates the run or sends the follow-up. Throws `CodecloudError` with `limitReached` when the plan is full.
   * `signal` aborts when the step is cancelled and no answer came within the cancellation grace.
   */
  start(signal: AbortSignal): Promise<StartedRun>;
}

export interface RunTasksOptions {
  jobs: readonly TaskJob[];
  maxParallel: number;
  wait: boolean;
  stopOnCancel: boolean;
  /** Clock time (ms) by which everything must be done: later runs are stopped, unstarted jobs given up. */
  deadline: number;
  timeoutMinutes: number;
  /** `max-tokens`: a run whose reported tokens pass this is stopped. */
  maxTokens?: number | undefined;
  client: RunReader & { stopRun(id: string): Promise<{ status: string }> };
  /**
   * After cancellation, how long (real ms) a create or follow-up in flight may still answer before the Action gives
   * up on it (leaving it saved for the post step), so outputs and the summary are written before the runner kills
   * the step (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that).
   */
  cancelGraceMs: number;
  /** Stops a run quickly while the runner is cancelling the step (short time-out). */
  stopUrgently(id: string): Promise<{ status: string }>;
  clock: Clock;
  signal: AbortSignal;
  pollPolicy: WaitPolicy;
  limitPolicy: WaitPolicy;
  random?: () => number;
  /** Live log lines; `task` is the job's name. */
  log(task: string, line: string, level?: 'info' | 'warning'): void;
  /** A completed run opened a PR. */
  onPullRequest?(task: string, url: string, title: string): void;
  onActiveRuns(runs: readonly ActiveRun[]): void;
  onPendingCreates(creates: readonly PendingCreate[]): void;
  /**
   * `app-url`: waits on the App's wait route. `final` is followed by one read of the run from the API; `fallback`
   * by a notice saying why, then polling.
   */
  waitViaApp?(runId: string, knownStatus: RunStatus, hooks: AppWaitHooks): Promise<AppWaitOutcome>;
  /** A notice annotation (e.g. why waiting fell back to polling). */
  notice?(task: string, text: string): void;
  /** A task started, changed status or made progress (for the status comment). */
  onUpdate?(task: string, result: Readonly<TaskResult>): void;
}

/** What `runOne` may do to the state the post step reads. */
interface Tracker {
  setActive(run: ActiveRun, on: boolean): void;
  setPending(create: PendingCreate, on: boolean): void;
}

export async function runTasks(options: RunTasksOptions): Promise<TaskResult[]> {
  const active = new Map<string, ActiveRun>();
  const results: TaskResult[] = new Array(options.jobs.length);
  let wakeWaiters: Array<() => void> = [];
  const slotFreed = () => {
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const wake of waiters) wake();
  };
  const pending = new Set<PendingCreate>();
  const tracker: Tracker = {
    setActive: (run, on) => {
      if (on) active.set(run.id, run);
      else active.delete(run.id);
      options.onActiveRuns([...active.values()]);
    },
    setPending: (create, on) => {
      if (on) pending.add(create);
      else pending.delete(create);
      options.onPendingCreates([...pending]);
    },
  };

  let next = 0;
  const worker = async () => {
    while (next < options.jobs.length) {
      const index = next++;
      const job = options.jobs[index]!;
      results[index] = await runOne(
        job,
        options,
        tracker,
        () => new Promise<void>((resolve) => wakeWaiters.push(resolve)),
        () => active.size,
      );
      slotFreed();
    }
  };
  const workers = Math.max(1, Math.min(options.maxParallel, options.jobs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

async function runOne(
  job: TaskJob,
  options: RunTasksOptions,
  tracker: Tracker,
  nextSlotFreed: () => Promise<void>,
  ownActive: () => number,
): Promise<TaskResult> {
  const { clock, signal } = options;
  const result: TaskResult = {
    name: job.name,
    runId: undefined,
    status: 'queued',
    run: undefined,
    error: undefined,
    lines: [],
  };
  const log = (line: string, level: 'info' | 'warning' = 'info') => {
    result.lines.push(level === 'warning' ? `warning: ${line}` : line);
    options.log(job.name, line, level);
  };
  const end = (status: TaskStatus, error?: string): TaskResult => {
    result.status = status;
    result.error = error ?? result.run?.error;
    options.onUpdate?.(job.name, result);
    return result;
  };

  // Start: a refusal for the plan's limit means "not created": wait and try again.
  let started: StartedRun | undefined;
  for (let attempt = 0; started === undefined; attempt++) {
    if (signal.aborted) return end('stopped', 'Cancelled before the run started');
    const remaining = options.deadline - clock.now();
    if (remaining <= 0) {
      return end(
        'timed-out',
        `Not started within ${options.timeoutMinutes} minutes: the plan's concurrent-run limit stayed reached`,
      );
    }
    // Saved before sending: if the step is killed before the answer, the post step can still stop the run.
    const pendingCreate: PendingCreate | undefined = job.create
      ? { ...job.create, name: job.name, sentAt: clock.now() }
      : undefined;
    const knownRun: ActiveRun | undefined = job.runId ? { id: job.runId, name: job.name } : undefined;
    if (pendingCreate) tracker.setPending(pendingCreate, true);
    if (knownRun) tracker.setActive(knownRun, true);
    const gaveUp = new AbortController();
    try {
      started = await startWithinCancelWindow(job, options, gaveUp);
      if (pendingCreate) tracker.setPending(pendingCreate, false);
      if (knownRun && (!options.wait || knownRun.id !== started.id)) tracker.setActive(knownRun, false);
    } catch (error) {
      // Still unknown whether the create or follow-up happened: keep it for the post step to look up and stop.
      const mayHaveHappened = gaveUp.signal.aborted || answerMayBeLost(error);
      if (!mayHaveHappened) {
        if (pendingCreate) tracker.setPending(pendingCreate, false);
        if (knownRun) tracker.setActive(knownRun, false);
      }
      if (gaveUp.signal.aborted) {
        const what = knownRun ? `the follow-up to run ${knownRun.id}` : 'the create';
        log(
          `cancelled while ${what} was unanswered; ${options.stopOnCancel ? 'the post step will look it up and stop it' : 'it may keep going (stop-on-cancel is false)'}`,
          'warning',
        );
        if (knownRun) result.runId = knownRun.id;
        return end('stopped', `The step was cancelled before ${what} was answered`);
      }
      if (error instanceof CodecloudError && error.limitReached) {
        // While this step's own runs hold the plan's slots, the wake-up is one of them finishing; the back-off
        // (at its longest) is only the fallback. Otherwise the slots are held elsewhere: back off, honour Retry-After.
        const backoff = backoffDelay(attempt, options.limitPolicy, error.retryAfterMs, options.random);
        const fallback = options.limitPolicy.maxMs * options.limitPolicy.scale;
        const delay = Math.min(ownActive() > 0 ? Math.max(backoff, fallback) : backoff, remaining);
        log(
          `${stamp(clock.now())} the plan's concurrent-run limit is reached (${error.apiMessage ?? error.message}); ` +
            `trying again in ${elapsed(delay)} or when one of this step's runs finishes`,
        );
        const wake = new AbortController();
        const onAbort = () => wake.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        void nextSlotFreed().then(() => wake.abort());
        await clock.sleep(delay, wake.signal);
        signal.removeEventListener('abort', onAbort);
        continue;
      }
      const message = messageOf(error);
      log(`could not start: ${message}`, 'warning');
      return end('failed', message);
    }
  }

  result.runId = started.id;
  result.status = started.status;
  options.onUpdate?.(job.name, result);
  const run: ActiveRun = { id: started.id, name: job.name };
  log(
    `${stamp(clock.now())} run ${started.id}${started.title ? ` "${started.title}"` : ''}: ${started.status}`,
  );
  if (!options.wait) {
    if (signal.aborted) log(`cancelled after the run started; it keeps going because wait is false`);
    return result;
  }
  tracker.setActive(run, true);
  // Still going when this task ends (a stop that failed): kept in the active list for the post step.
  let leftRunning = false;
  try {
    const outcome: WaitOutcome = signal.aborted
      ? { kind: 'aborted', run: undefined, polls: 0 }
      : await follow(job, started, options, result, log);
    if (outcome.run) result.run = outcome.run;
    switch (outcome.kind) {
      case 'final': {
        for (const pr of outcome.run.prs) {
          log(`pull request: ${pr.url}`);
          options.onPullRequest?.(job.name, pr.url, pr.title ?? outcome.run.title ?? job.name);
        }
        if (outcome.run.status === 'failed')
          log(`failed: ${outcome.run.error ?? 'no error message'}`, 'warning');
        return end(outcome.run.status);
      }
      case 'timed-out': {
        const stopped = await stop(options.client.stopRun.bind(options.client), started.id, log);
        const message = `Did not finish within ${options.timeoutMinutes} minutes; ${stopped ? 'stopped it' : 'stopping it failed'}`;
        log(message, 'warning');
        leftRunning = !stopped;
        return end('timed-out', message);
      }
      case 'aborted': {
        if (!options.stopOnCancel) {
          log(`the step was cancelled; the run keeps going (stop-on-cancel is false)`);
          return end(result.run?.status ?? started.status, 'The step was cancelled while waiting');
        }
        const stopped = await stop(options.stopUrgently, started.id, log);
        if (!stopped) {
          leftRunning = true;
          return end(result.run?.status ?? started.status, 'The step was cancelled; stopping the run failed');
        }
        return end('stopped', 'The step was cancelled; the run was stopped');
      }
      case 'over-tokens': {
        const used = tokensOf(outcome.run).toLocaleString('en-US');
        const max = (options.maxTokens ?? 0).toLocaleString('en-US');
        const stopped = await stop(options.client.stopRun.bind(options.client), started.id, log);
        const message = `The run passed max-tokens (${max}): ${used} tokens used; ${stopped ? 'stopped it' : 'stopping it failed'}`;
        log(message, 'warning');
        leftRunning = !stopped;
        result.overMaxTokens = true;
        return end('stopped', message);
      }
      case 'error': {
        log(`could not follow the run: ${outcome.error.message}`, 'warning');
        if (result.run?.status === 'completed') return end('completed', outcome.error.message);
        // Not knowing how it ends must not leave it going unwatched: stop it, or keep it for the post step.
        const stopped = await stop(options.client.stopRun.bind(options.client), started.id, log);
        leftRunning = !stopped;
        return end(
          'failed',
          `${outcome.error.message}; ${stopped ? 'stopped the run' : 'stopping it failed too (the post step tries again)'}`,
        );
      }
      default:
        return outcome satisfies never;
    }
  } finally {
    if (!leftRunning) tracker.setActive(run, false);
  }
}

/** Waits for the run: through the App when `waitViaApp` is given (falling back to polling), else by polling. */
async function follow(
  job: TaskJob,
  started: StartedRun,
  options: RunTasksOptions,
  result: TaskResult,
  log: (line: string, level?: 'info' | 'warning') => void,
): Promise<WaitOutcome> {
  const { clock, signal } = options;
  let knownStatus = started.status;
  const overTokens =
    options.maxTokens === undefined
      ? undefined
      : (run: RunDetail) => tokensOf(run) > (options.maxTokens ?? 0);
  if (options.waitViaApp) {
    // With `max-tokens`, the run is also read every 30 s while the App is waited on (the App's answer has no tokens).
    const checker = overTokens ? watchTokens(started.id, options, overTokens, result) : undefined;
    const viaApp = await options
      .waitViaApp(started.id, started.status, {
        log,
        // The App's answers carry the status: the comment follows it.
        onStatus: (status) => {
          result.status = status;
          options.onUpdate?.(job.name, result);
        },
        ...(checker ? { signal: checker.over.signal } : {}),
      })
      .finally(() => checker?.done.abort());
    if (checker?.over.signal.aborted && result.run) return { kind: 'over-tokens', run: result.run, polls: 0 };
    switch (viaApp.kind) {
      case 'aborted':
        return { kind: 'aborted', run: result.run, polls: 0 };
      case 'timed-out':
        return { kind: 'timed-out', run: result.run, polls: 0 };
      case 'final':
        try {
          // The one read of the run from the API: the App's answer only said that it ended.
          const run = await options.client.getRun(started.id);
          if (run.status === 'completed' || run.status === 'failed') return { kind: 'final', run, polls: 1 };
          knownStatus = run.status;
          result.run = run;
        } catch (error) {
          log(`could not read run ${started.id} (${messageOf(error)}); polling`, 'warning');
        }
        break;
      case 'fallback': {
        const text = `Waiting on run ${started.id} by polling the codecloud API: ${viaApp.reason}`;
        log(text);
        options.notice?.(job.name, text);
        break;
      }
    }
  }
  return waitForRun({
    client: options.client,
    runId: started.id,
    knownStatus,
    deadline: options.deadline,
    clock,
    policy: options.pollPolicy,
    signal,
    random: options.random,
    log,
    onRun: (run) => {
      result.run = run;
      result.status = run.status;
      options.onUpdate?.(job.name, result);
    },
    overTokens,
  });
}

/** How often the run is read for `max-tokens` while the App is waited on. */
const TOKEN_CHECK_MS = 30_000;

/**
 * Reads the run every `TOKEN_CHECK_MS` until `done` aborts; aborts `over` once the run is past `max-tokens` (the
 * run read is kept in `result.run`). A failed read is tried again at the next check.
 */
function watchTokens(
  runId: string,
  options: RunTasksOptions,
  isOver: (run: RunDetail) => boolean,
  result: TaskResult,
): { over: AbortController; done: AbortController } {
  const over = new AbortController();
  const done = new AbortController();
  const until = AbortSignal.any([done.signal, options.signal]);
  void (async () => {
    while (!until.aborted) {
      await options.clock.sleep(TOKEN_CHECK_MS * options.pollPolicy.scale, until);
      if (until.aborted) return;
      try {
        const run = await options.client.getRun(runId);
        if (until.aborted) return;
        result.run = run;
        if (run.status !== 'completed' && run.status !== 'failed' && isOver(run)) {
          over.abort();
          return;
        }
      } catch {
        // Read again at the next check.
      }
    }
  })();
  return { over, done };
}

/**
 * `job.start`, racing the step's cancellation: after a cancel the answer may still come within `cancelGraceMs`;
 * after that the request is aborted (`gaveUp` is aborted) and the error goes to the caller.
 */
async function startWithinCancelWindow(
  job: TaskJob,
  options: RunTasksOptions,
  gaveUp: AbortController,
): Promise<StartedRun> {
  const { signal, clock } = options;
  const answered = new AbortController();
  const onCancel = () => {
    void clock.sleep(options.cancelGraceMs, answered.signal).then(() => {
      if (!answered.signal.aborted) gaveUp.abort();
    });
  };
  signal.addEventListener('abort', onCancel, { once: true });
  try {
    return await job.start(gaveUp.signal);
  } finally {
    answered.abort();
    signal.removeEventListener('abort', onCancel);
  }
}

async function stop(
  stopRun: (id: string) => Promise<{ status: string }>,
  id: string,
  log: (line: string, level?: 'info' | 'warning') => void,
): Promise<boolean> {
  try {
    const answer = await stopRun(id);
    log(`stopped run ${id} (now ${answer.status})`);
    return true;
  } catch (error) {
    log(`could not stop run ${id}: ${messageOf(error)}`, 'warning');
    return false;
  }
}

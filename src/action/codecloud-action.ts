/**
 * The Action on the codecloud backend: `run`, `follow-up`, `stop`, `status`, `schedule`, `unschedule`, given a
 * client. The adapter in `action/backends/codecloud.ts` builds the clients; everything here is testable with fakes.
 */
import { type CodecloudClient, lostCreateMatch } from '../codecloud/client.js';
import { messageOf } from '../error-messages.js';
import { definedProps } from '../objects.js';
import type { RunMode } from '../vocabulary.js';
import type { ActionContext, ActionLog, ActionOutcome, Leftovers } from './action-context.js';
import { waitViaApp } from './app-wait.js';
import { type StatusCommentDeps, startComment } from './comment-session.js';
import { OidcRequestError, type OidcTokenSource } from './oidc-request.js';
import { singleRunOutputs, tasksOutputs } from './outputs.js';
import { type RunTasksOptions, runTasks, type TaskJob, type TaskResult } from './run-tasks.js';
import {
  type ActionSettings,
  type CommonSettings,
  type FollowUpSettings,
  type RunCommandSettings,
  type ScheduleSettings,
  type StatusSettings,
  type StopSettings,
  timeoutInMinutes,
  type UnscheduleSettings,
} from './settings.js';
import { renderFactsSummary, renderRunsSummary } from './summary.js';
import { DEFAULT_LIMIT_POLICY, DEFAULT_POLL_POLICY, scaled } from './wait-policy.js';

export type CodecloudActionClient = Pick<
  CodecloudClient,
  'createRun' | 'getRun' | 'sendMessage' | 'stopRun' | 'createSchedule' | 'deleteSchedule' | 'listSchedules'
>;

export interface CodecloudActionDeps {
  client: CodecloudActionClient;
  /** Same API, short time-outs: for stopping runs inside the runner's cancellation window. */
  urgentClient: Pick<CodecloudClient, 'stopRun'>;
  /** `app-url`: the job's OIDC tokens for the App, or why there are none; and how to reach the App. */
  app?: { tokens: OidcTokenSource | OidcRequestError; fetch: typeof fetch } | undefined;
  /** `comment`: the comment's GitHub side and what its marker is made of, or why there is no comment. */
  comment?: StatusCommentDeps | { unavailable: string } | undefined;
}

export async function runCodecloudAction(
  settings: ActionSettings,
  deps: CodecloudActionDeps,
  context: ActionContext,
): Promise<ActionOutcome> {
  switch (settings.command) {
    case 'run':
      return runCommand(settings, deps, context);
    case 'follow-up':
      return followUpCommand(settings, deps, context);
    case 'stop':
      return stopCommand(settings, deps, context);
    case 'status':
      return statusCommand(settings, deps, context);
    case 'schedule':
      return scheduleCommand(settings, deps, context);
    case 'unschedule':
      return unscheduleCommand(settings, deps, context);
  }
}

/**
 * After cancellation, how long a create or follow-up in flight may still answer: with an urgent stop after it
 * (at most ~5 s), it fits the runner's 10 s between SIGINT and SIGKILL.
 */
const CANCEL_GRACE_MS = 3_000;

/**
 * The post step: stops the runs the main step left running, and looks up (then stops) the runs of creates whose
 * answer it never saw. Problems become warnings, never failures.
 */
export async function stopLeftoverRuns(
  leftovers: Leftovers,
  client: Pick<CodecloudClient, 'stopRun' | 'lookUpLostCreate'>,
  log: ActionLog,
): Promise<void> {
  const runs = [...leftovers.runs];
  const owned = new Set(runs.map((run) => run.id));
  for (const create of leftovers.pending) {
    try {
      const found = await client.lookUpLostCreate({
        ...lostCreateMatch(create),
        since: create.sentAt,
        exclude: owned,
      });
      if (found.kind === 'found') {
        log.info(`Found run ${found.run.id} (${create.name}), created while the step was being cancelled`);
        owned.add(found.run.id);
        runs.push({ id: found.run.id, name: create.name });
      } else if (found.kind === 'none') {
        log.info(`No run found for ${create.name}: its create did not reach codecloud`);
      } else {
        log.warning(
          `Cannot tell which run ${create.name} created (${found.ids.join(', ')} match); not stopping any of them`,
        );
      }
    } catch (error) {
      log.warning(`Could not look up the run ${create.name} was creating: ${messageOf(error)}`);
    }
  }
  await Promise.all(
    runs.map(async (run) => {
      try {
        const answer = await client.stopRun(run.id);
        log.info(`Stopped run ${run.id} (${run.name}), left running by the main step: now ${answer.status}`);
      } catch (error) {
        log.warning(`Could not stop run ${run.id} (${run.name}): ${messageOf(error)}`);
      }
    }),
  );
}

function runCommand(
  settings: CommonSettings & RunCommandSettings,
  deps: CodecloudActionDeps,
  context: ActionContext,
) {
  const jobs: TaskJob[] = settings.tasks.map((task) => ({
    name: task.name,
    create: lostCreateMatch(task.request),
    start: async (signal) => {
      const created = await deps.client.createRun(task.request, { signal });
      if (created.recovered)
        context.log.info(`[${task.name}] the create's answer was lost; found run ${created.id}`);
      return { id: created.id, title: created.title, status: 'queued' as const };
    },
  }));
  const named = settings.fromTasksInput;
  const mode = settings.tasks[0]?.request.mode ?? 'execute';
  return waitAndReport(
    settings,
    { jobs, maxParallel: settings.maxParallel, named, heading: 'codecloud', mode, kind: 'run' },
    deps,
    context,
  );
}

function followUpCommand(
  settings: CommonSettings & FollowUpSettings,
  deps: CodecloudActionDeps,
  context: ActionContext,
) {
  const runId = settings.runId ?? '';
  context.log.info(`Follow-up to run ${runId} (idempotency key ${settings.idempotencyKey})`);
  const job: TaskJob = {
    name: 'follow-up',
    runId,
    start: async (signal) => {
      // Without `mode` the follow-up keeps the run's own mode, and the API takes `update_pr` only in execute mode.
      const mode = settings.mode ?? (await deps.client.getRun(runId)).mode ?? 'execute';
      const updatePr = settings.updatePr && mode === 'execute';
      if (settings.updatePr && !updatePr)
        context.log.info(`Run ${runId} is a ${mode} run: the follow-up is sent without update_pr`);
      const answer = await deps.client.sendMessage(
        runId,
        definedProps({
          prompt: settings.prompt,
          mode: settings.mode,
          update_pr: updatePr || undefined,
          idempotency_key: settings.idempotencyKey,
          tools: settings.tools,
        }),
        { signal },
      );
      return { id: answer.id, status: answer.status };
    },
  };
  const report: WaitAndReport = {
    jobs: [job],
    maxParallel: 1,
    named: false,
    heading: 'codecloud follow-up',
    mode: settings.mode ?? 'execute',
    kind: 'follow-up',
  };
  return waitAndReport(settings, report, deps, context);
}

interface WaitAndReport {
  jobs: TaskJob[];
  maxParallel: number;
  /** Tasks from the `tasks` input: log lines, notices and outputs carry each task's name. */
  named: boolean;
  /** The job summary's heading. */
  heading: string;
  /** For the status comment. */
  mode: RunMode;
  kind: 'run' | 'follow-up';
}

async function waitAndReport(
  settings: CommonSettings,
  { jobs, maxParallel, named, heading, mode, kind }: WaitAndReport,
  deps: CodecloudActionDeps,
  context: ActionContext,
): Promise<ActionOutcome> {
  const { log, clock } = context;
  const deadline = clock.now() + settings.timeoutMs;
  const comment = await startComment(
    deps.comment,
    { names: jobs.map((job) => job.name), named, mode, kind, settings },
    context,
  );
  const results = await runTasks({
    jobs,
    maxParallel,
    wait: settings.wait,
    stopOnCancel: settings.stopOnCancel,
    deadline,
    timeoutMinutes: timeoutInMinutes(settings),
    maxTokens: settings.maxTokens,
    client: deps.client,
    cancelGraceMs: CANCEL_GRACE_MS,
    stopUrgently: (id) => deps.urgentClient.stopRun(id),
    clock,
    signal: context.signal,
    pollPolicy: scaled(DEFAULT_POLL_POLICY, context.pollScale),
    limitPolicy: scaled(DEFAULT_LIMIT_POLICY, context.pollScale),
    random: context.random,
    log: (task, line, level = 'info') => {
      const text = named ? `[${task}] ${line}` : line;
      if (level === 'warning') log.warning(text);
      else log.info(text);
    },
    onPullRequest: (task, url, title) => log.notice(url, named ? `${task}: ${title}` : title),
    onActiveRuns: (runs) => context.onActiveRuns(runs),
    onPendingCreates: (creates) => context.onPendingCreates?.(creates),
    notice: (task, text) => log.notice(named ? `[${task}] ${text}` : text),
    onUpdate: (task, result) => comment?.update(task, result),
    ...appWaiting(settings, deadline, deps, context),
  });
  const commentUrl = await comment?.finish(results);
  if (named) for (const task of results) log.group(`${task.name}: ${task.status}`, groupLines(task));
  else if (results[0]?.run?.plan) log.group('Plan', results[0].run.plan.split('\n'));
  else if (results[0]?.run?.result) log.group('Result', results[0].run.result.split('\n'));

  const outputs = named ? tasksOutputs(results) : singleRunOutputs(results[0]!);
  if (commentUrl !== undefined) outputs['comment-url'] = commentUrl;
  return {
    outputs,
    summary: renderRunsSummary(heading, results, named),
    failure: failureOf(results, settings, context.signal.aborted),
  };
}

/** `app-url`: the wait through the App for `runTasks`, or nothing (polling) with a notice saying why. */
function appWaiting(
  settings: CommonSettings,
  deadline: number,
  deps: CodecloudActionDeps,
  context: ActionContext,
): Pick<RunTasksOptions, 'waitViaApp'> {
  const { appUrl } = settings;
  if (appUrl === undefined || !settings.wait || deps.app === undefined) return {};
  const { tokens, fetch } = deps.app;
  if (tokens instanceof OidcRequestError) {
    context.log.notice(`Waiting by polling the codecloud API, not through the App: ${tokens.message}`);
    return {};
  }
  context.log.info(`Waiting through the App at ${appUrl} (its completion webhook ends the wait)`);
  return {
    waitViaApp: (runId, knownStatus, hooks) =>
      waitViaApp({
        appUrl,
        runId,
        knownStatus,
        deadline,
        tokens,
        fetch,
        clock: context.clock,
        scale: context.pollScale,
        ...hooks,
        signal: hooks.signal ? AbortSignal.any([context.signal, hooks.signal]) : context.signal,
      }),
  };
}

function groupLines(task: TaskResult): string[] {
  const lines = [...task.lines];
  const text = task.run?.plan ?? task.run?.result;
  if (text) lines.push('', ...text.split('\n'));
  return lines;
}

function failureOf(
  results: readonly TaskResult[],
  settings: CommonSettings,
  cancelled: boolean,
): string | undefined {
  if (cancelled) return 'The step was cancelled';
  const bad = results.filter((task) => !['completed', 'queued', 'running'].includes(task.status));
  if (bad.length === 0) return undefined;
  const timedOut = bad.filter((task) => task.status === 'timed-out' || task.overMaxTokens);
  if (timedOut.length === 0 && !settings.failOnError) return undefined;
  if (results.length === 1) {
    const task = bad[0]!;
    // Never created: the error (the API's answer, or why it never started) says it all.
    if (!task.runId) return task.error ?? 'The run could not be started';
    return `Run ${task.runId} ${task.status === 'timed-out' ? 'timed out' : task.status}: ${task.error ?? 'no error message'}`;
  }
  const list = bad
    .map((task) => `${task.name} (${task.status}${task.error ? `: ${task.error}` : ''})`)
    .join('; ');
  return `${bad.length} of ${results.length} tasks did not complete: ${list}`;
}

async function stopCommand(settings: StopSettings, deps: CodecloudActionDeps, context: ActionContext) {
  const answer = await deps.client.stopRun(settings.runId);
  context.log.info(`Run ${answer.id}: ${answer.message} (status ${answer.status})`);
  return {
    outputs: { 'run-id': answer.id, status: answer.status },
    summary: renderFactsSummary('codecloud: stop', [
      ['run', `\`${answer.id}\``],
      ['status', answer.status],
      ['answer', answer.message],
    ]),
  };
}

async function statusCommand(settings: StatusSettings, deps: CodecloudActionDeps, context: ActionContext) {
  const run = await deps.client.getRun(settings.runId);
  context.log.info(`Run ${run.id}${run.title ? ` "${run.title}"` : ''}: ${run.status}`);
  const task: TaskResult = {
    name: 'status',
    runId: run.id,
    status: run.status,
    run,
    error: run.error,
    lines: [],
  };
  return { outputs: singleRunOutputs(task), summary: renderRunsSummary('codecloud: status', [task], false) };
}

async function scheduleCommand(
  settings: ScheduleSettings,
  deps: CodecloudActionDeps,
  context: ActionContext,
) {
  const what = settings.schedule.cron
    ? `cron '${settings.schedule.cron}' (UTC)`
    : `once at ${settings.schedule.run_at}`;
  // A re-run of the workflow must not add a second schedule: an active one with the same prompt, repository and
  // timing is kept. (The API reports no branch, model or mode for a schedule, so those cannot be compared.)
  const { schedules } = await deps.client.listSchedules({ status: 'active', limit: 100 });
  const request = settings.schedule;
  const existing = schedules.find(
    (s) =>
      s.prompt === request.prompt &&
      s.repo === request.repo &&
      s.type === request.type &&
      (request.type === 'recurring'
        ? s.cron === request.cron
        : s.next_run_at !== undefined && Date.parse(s.next_run_at) === Date.parse(request.run_at ?? '')),
  );
  const created = existing
    ? { id: existing.id, next_run_at: existing.next_run_at ?? '' }
    : await deps.client.createSchedule(request);
  context.log.info(
    existing
      ? `Schedule ${created.id} already exists with the same prompt, repository and ${what}: kept it, created none`
      : `Schedule ${created.id} created: ${what}; next run at ${created.next_run_at}`,
  );
  return {
    outputs: { 'schedule-id': created.id, 'next-run-at': created.next_run_at },
    summary: renderFactsSummary(
      existing ? 'codecloud: schedule already exists' : 'codecloud: schedule created',
      [
        ['schedule', `\`${created.id}\``],
        ['when', what],
        ['next run', created.next_run_at],
        ['repository', settings.schedule.repo],
        ['prompt', settings.schedule.prompt],
      ],
    ),
  };
}

async function unscheduleCommand(
  settings: UnscheduleSettings,
  deps: CodecloudActionDeps,
  context: ActionContext,
) {
  const deleted = await deps.client.deleteSchedule(settings.scheduleId);
  context.log.info(`Schedule ${deleted.id}: ${deleted.message}`);
  return {
    outputs: { 'schedule-id': deleted.id },
    summary: renderFactsSummary('codecloud: schedule deleted', [
      ['schedule', `\`${deleted.id}\``],
      ['status', deleted.status],
    ]),
  };
}

/**
 * The Action on the Cloud Coding backend (`run` and `follow-up`): one `POST /invoke/stdout`, its stdout streamed
 * into the log as it arrives, then outputs, a job summary and the step's verdict. The adapter in
 * `action/backends/cloudcoding.ts` builds the client and the live log; everything here runs with fakes too.
 *
 * Live log: a single task streams inside one log group (opened at the start, closed at the end); parallel tasks
 * cannot share a group, so their lines are prefixed `[task]` as they interleave, and each task gets a group with its
 * output at the end. Every line that came from the API goes through `live.untrusted` (it cannot act as a workflow
 * command) and the credential redactor.
 *
 * Ending it: `timeout-minutes` and cancellation (SIGINT/SIGTERM) close the stream. The API has no stop call, so
 * closing the stream is the cancellation; nothing is left for the post step to stop.
 */
import type { CloudCodingClient } from '../cloudcoding/client.js';
import type { CloudCodingEvent } from '../cloudcoding/events.js';
import { formatLiveLine, type LiveLine, LiveLines } from '../cloudcoding/live-output.js';
import { runCloudCoding } from '../cloudcoding/run-cloud-coding.js';
import { redactSecrets } from '../redact.js';
import type { ActionContext, ActionOutcome } from './action-context.js';
import {
  type CloudCodingActionStatus,
  NO_STOP_CALL,
  type ReportedTask,
  reportCloudCoding,
  type StreamEnding,
  taskGroupLines,
} from './cloudcoding-report.js';
import { type CloudCodingPlan, planCloudCoding } from './cloudcoding-request.js';
import { type StatusCommentDeps, startComment } from './comment-session.js';
import { ActionInputError } from './inputs.js';
import type { TaskResult } from './run-tasks.js';
import { type ActionSettings, timeoutInMinutes } from './settings.js';

/** The log as the stream needs it: untrusted lines, and a group that stays open while lines arrive. */
export interface CloudCodingLiveLog {
  /** Lines that came from the API or the agent: printed so that none of them can act as a workflow command. */
  untrusted(lines: readonly string[]): void;
  startGroup(title: string): void;
  endGroup(): void;
}

export interface CloudCodingActionDeps {
  client: CloudCodingClient;
  live: CloudCodingLiveLog;
  /** `$GITHUB_SERVER_URL` (the `repo_url` host); default `https://github.com`. */
  serverUrl: string | undefined;
  /** `comment`: the status comment's GitHub side, or why there is none. */
  comment?: StatusCommentDeps | { unavailable: string } | undefined;
}

export async function runCloudCodingAction(
  settings: ActionSettings,
  deps: CloudCodingActionDeps,
  context: ActionContext,
): Promise<ActionOutcome> {
  const planned = planCloudCoding(settings, deps.serverUrl);
  if (!planned.ok) throw new ActionInputError(planned.problems);
  const { plan } = planned;
  const { log, clock } = context;
  for (const warning of plan.warnings) log.warning(warning);

  const secrets = [settings.apiKey, settings.githubToken].filter((s): s is string => !!s);
  const clean = (text: string) => redactSecrets(text, secrets);
  const untrusted = (lines: readonly string[]) => {
    if (lines.length > 0) deps.live.untrusted(lines.map(clean));
  };
  const timeoutMinutes = timeoutInMinutes(settings);
  const title = firstLine(plan.command === 'follow-up' ? `follow-up: ${promptOf(plan)}` : promptOf(plan));

  log.info(describeStart(plan, settings.apiUrl, timeoutMinutes));
  // The stream is the run: it runs from the moment it opens.
  const comment = await startComment(
    deps.comment,
    { names: plan.names, named: plan.parallel, mode: 'execute', kind: plan.command, settings },
    context,
  );
  for (const name of plan.names) comment?.update(name, taskResult(name, 'running'));

  // Closing the stream is the only way to end a Cloud Coding run early.
  const stream = new AbortController();
  let ending: StreamEnding;
  const close = (why: Exclude<StreamEnding, undefined>, message: string) => {
    if (ending !== undefined || stream.signal.aborted) return;
    ending = why;
    log.info(`${message}: closing the Cloud Coding stream (${NO_STOP_CALL})`);
    stream.abort(
      new Error(
        why === 'timed-out' ? `timeout-minutes (${timeoutMinutes}) reached` : 'the step was cancelled',
      ),
    );
  };
  const onCancel = () => close('stopped', 'The step is being cancelled');
  if (context.signal.aborted) onCancel();
  else context.signal.addEventListener('abort', onCancel, { once: true });
  const timer = new AbortController();
  void clock.sleep(settings.timeoutMs, timer.signal).then(() => {
    if (!timer.signal.aborted) close('timed-out', `Did not finish within ${timeoutMinutes} minutes`);
  });

  const startedAt = clock.now();
  const taskEnded = new Map<string | undefined, number>();
  const lines = new LiveLines();
  const lastSaid = new Map<string | undefined, string>();
  let threadLogged = settings.threadId;
  const show = (line: LiveLine) => (plan.parallel ? formatLiveLine(line) : line.line);
  const prefix = (task: string | undefined) => (plan.parallel && task !== undefined ? `[${task}] ` : '');

  const onEvent = (event: CloudCodingEvent) => {
    if (event.threadId && event.threadId !== threadLogged) {
      threadLogged = event.threadId;
      untrusted([`Cloud Coding thread: ${event.threadId}`]);
    }
    switch (event.kind) {
      case 'stdout':
        untrusted(lines.push(event.taskName, event.text).map(show));
        break;
      case 'update':
        if (
          event.text !== undefined &&
          event.text.trim() !== '' &&
          lastSaid.get(event.taskName) !== event.text
        ) {
          lastSaid.set(event.taskName, event.text);
          untrusted(event.text.split(/\r?\n/).map((line) => `${prefix(event.taskName)}» ${line}`));
        }
        break;
      case 'error':
        untrusted([`${prefix(event.taskName)}error: ${event.message}`]);
        break;
      case 'end':
        if (event.taskName !== undefined) {
          taskEnded.set(event.taskName, clock.now() - startedAt);
          if (plan.parallel) untrusted([`${prefix(event.taskName)}(task finished)`]);
        }
        break;
      default:
        break;
    }
  };

  if (!plan.parallel) deps.live.startGroup(`Cloud Coding: ${title}`);
  let state: Awaited<ReturnType<typeof runCloudCoding>>;
  try {
    state = await runCloudCoding(deps.client, plan.request, { signal: stream.signal, onEvent });
  } finally {
    timer.abort();
    context.signal.removeEventListener('abort', onCancel);
    untrusted(lines.flush().map(show));
    if (!plan.parallel) deps.live.endGroup();
  }
  const durationMs = clock.now() - startedAt;

  const report = reportCloudCoding({
    plan,
    state,
    ending,
    timeoutMinutes,
    failOnError: settings.failOnError,
    durationMs,
    taskDurationMs: taskEnded,
    title,
  });
  if (plan.parallel) {
    for (const task of report.tasks) {
      const taskState = state.tasks.find((t) => (t.name ?? '(untagged)') === task.name);
      log.group(`${task.name}: ${task.status}`, taskGroupLines(task, taskState).map(clean));
    }
  }
  untrusted([
    `Cloud Coding run ${report.status}${state.threadId ? ` (thread ${state.threadId})` : ''} after ${seconds(durationMs)}`,
  ]);
  if (report.warning) log.warning(clean(report.warning));
  // A task the stream never spoke of must not stay "Running".
  const unheard = plan.names.filter((name) => !report.tasks.some((task) => task.name === name));
  const commentUrl = await comment?.finish([
    ...report.tasks.map(finishedTask),
    ...unheard.map((name) => taskResult(name, report.status === 'completed' ? 'failed' : report.status)),
  ]);
  const outputs =
    commentUrl === undefined ? report.outputs : { ...report.outputs, 'comment-url': commentUrl };
  return { outputs, summary: report.summary, failure: report.failure };
}

/** A Cloud Coding task as the status comment shows it (the API has no run id, PRs or tokens). */
function taskResult(name: string, status: TaskResult['status'], task?: ReportedTask): TaskResult {
  return {
    name,
    runId: undefined,
    status,
    run: task
      ? {
          id: '',
          status: status === 'completed' ? 'completed' : 'failed',
          prompt: '',
          ...(task.output ? { result: task.output } : {}),
          prs: [],
          createdAt: '',
        }
      : undefined,
    error: task?.error,
    lines: [],
  };
}

function finishedTask(task: ReportedTask): TaskResult {
  const status: CloudCodingActionStatus = task.status;
  return taskResult(task.name, status, task);
}

function promptOf(plan: CloudCodingPlan): string {
  if (plan.request.parallel_tasks) return plan.names.join(', ');
  return plan.request.messages?.[0]?.content ?? '';
}

function describeStart(plan: CloudCodingPlan, apiUrl: string, timeoutMinutes: number): string {
  const what = plan.parallel
    ? `${plan.names.length} task${plan.names.length === 1 ? '' : 's'} in parallel (${plan.names.join(', ')})`
    : plan.command === 'follow-up'
      ? `a follow-up on thread ${plan.request.thread_id ?? ''}`
      : 'one task';
  const where = `${plan.repo}${plan.branch ? `@${plan.branch}` : ''}`;
  return `Cloud Coding: running ${what} on ${where} (POST ${apiUrl}/invoke/stdout${plan.request.haiku ? ', haiku' : ''}; time-out ${timeoutMinutes} min)`;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

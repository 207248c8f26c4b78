/**
 * A finished Cloud Coding invocation as the Action reports it: the step outputs (docs/action.md, Outputs), the job summary, the
 * per-task log groups and whether the step fails. Pure.
 *
 * Statuses: `completed`; `failed` (an API error, an agent error, or a stream that was cut: the agent may still be
 * working but its result is unknown, so it is never success); `timed-out` (`timeout-minutes` closed the stream);
 * `stopped` (the step was cancelled and closed the stream). Cloud Coding has no run ids and no stop call: `run-id`
 * stays empty (`results[].run-id` is null) and `thread-id` is what a later `follow-up` continues.
 */
import {
  type CloudCodingRunState,
  type CloudCodingTaskState,
  keepTail,
} from '../cloudcoding/run-recorder.js';
import { codeBlock } from '../render/markdown.js';
import type { ActionOutcome } from './action-context.js';
import type { CloudCodingPlan } from './cloudcoding-request.js';
import type { ActionOutputs } from './input-names.js';
import { RESULTS_TEXT_LIMIT, type ResultsEntry } from './outputs.js';
import { escapeHtml } from './summary.js';
import { elapsed } from './wait-for-run.js';

export type CloudCodingActionStatus = 'completed' | 'failed' | 'timed-out' | 'stopped';

/** Why the Action itself closed the stream, if it did. */
export type StreamEnding = 'timed-out' | 'stopped' | undefined;

/** `result` output: the collected output of every task, newest text kept. */
export const RESULT_OUTPUT_LIMIT = 60_000;
const SUMMARY_TEXT_LIMIT = 800_000;
const FOLD_LIMIT = 20_000;

export const NO_STOP_CALL =
  'the Cloud Coding API has no stop call: closing the stream is how a run is cancelled';

export interface CloudCodingReportInput {
  plan: CloudCodingPlan;
  state: CloudCodingRunState;
  ending: StreamEnding;
  timeoutMinutes: number;
  failOnError: boolean;
  /** ms from the invocation to the end of the stream, and to each task's own `end` event. */
  durationMs: number;
  taskDurationMs: ReadonlyMap<string | undefined, number>;
  /** The heading's title for a single run (its prompt's first line). */
  title: string;
}

export interface ReportedTask {
  name: string;
  status: CloudCodingActionStatus;
  /** The task's collected output (else the agent's last message), newest kept. */
  output: string;
  lastMessage: string | undefined;
  error: string | undefined;
  durationMs: number;
}

export interface CloudCodingReport extends ActionOutcome {
  status: CloudCodingActionStatus;
  tasks: ReportedTask[];
  /** Set when the run did not complete but `fail-on-error: false` keeps the step green: say it as a warning. */
  warning: string | undefined;
}

export function reportCloudCoding(input: CloudCodingReportInput): CloudCodingReport {
  const { plan, state } = input;
  const runError = runLevelError(input);
  const tasks = reportedTasks(input, runError);
  const status = aggregate(tasks.map((task) => task.status));

  const outputs: ActionOutputs = {
    status,
    results: JSON.stringify(tasks.map(resultsEntry)),
  };
  if (state.threadId) outputs['thread-id'] = state.threadId;
  const result = plan.parallel ? combined(tasks) : (tasks[0]?.output ?? '');
  if (result !== '') outputs.result = keepTail(result, RESULT_OUTPUT_LIMIT);
  const problem = failureText(tasks, runError, status);
  if (problem !== undefined) outputs.error = problem;

  const mustFail =
    status === 'timed-out' || status === 'stopped' || (status === 'failed' && input.failOnError);
  const failure =
    status === 'stopped'
      ? 'The step was cancelled; closed the Cloud Coding stream'
      : mustFail
        ? problem
        : undefined;
  return {
    status,
    tasks,
    outputs,
    summary: renderCloudCodingSummary(input, tasks, status),
    failure,
    warning: !mustFail && problem !== undefined ? problem : undefined,
  };
}

/** The lines of a task's log group (parallel runs): its output, the agent's last message, its error. */
export function taskGroupLines(task: ReportedTask, state: CloudCodingTaskState | undefined): string[] {
  const lines: string[] = [];
  if (state && state.omittedChars > 0) {
    lines.push(`[… ${state.omittedChars} earlier characters not kept here; they are in the live log above]`);
  }
  const output = state?.output ?? '';
  if (output !== '') lines.push(...output.replace(/\r?\n$/, '').split(/\r?\n/));
  if (task.lastMessage) lines.push('', 'Agent:', ...task.lastMessage.split(/\r?\n/));
  if (task.error) lines.push('', `Error: ${task.error}`);
  return lines;
}

function runLevelError(input: CloudCodingReportInput): string | undefined {
  const minutes = input.timeoutMinutes;
  if (input.ending === 'timed-out')
    return `Did not finish within ${minutes} minutes; closed the stream (${NO_STOP_CALL})`;
  if (input.ending === 'stopped') return `The step was cancelled; closed the stream (${NO_STOP_CALL})`;
  const { state } = input;
  if (state.status === 'completed') return undefined;
  if (state.status === 'disconnected') {
    return `The stream was cut before the run finished (${state.reason ?? 'connection lost'}); the agent may still be working, but its result is unknown`;
  }
  return state.reason ?? `The stream ended with status ${state.status}`;
}

function mapStatus(task: CloudCodingTaskState['status'], ending: StreamEnding): CloudCodingActionStatus {
  if (task === 'completed') return 'completed';
  if (task === 'cancelled' || ending !== undefined) return ending ?? 'stopped';
  return 'failed';
}

function reportedTasks(input: CloudCodingReportInput, runError: string | undefined): ReportedTask[] {
  const { plan, state, ending } = input;
  const duration = (name: string | undefined) => input.taskDurationMs.get(name) ?? input.durationMs;
  if (!plan.parallel) {
    // One task: everything the stream said belongs to it, whatever it was tagged with.
    const output = state.tasks.map((task) => task.output).join('');
    const lastMessage = [...state.tasks].reverse().find((task) => task.lastMessage)?.lastMessage;
    const taskErrors = state.tasks.flatMap((task) => (task.error ? [task.error] : []));
    const status: CloudCodingActionStatus =
      ending ??
      (state.status === 'completed' && taskErrors.length === 0
        ? 'completed'
        : mapStatus(state.status, undefined));
    return [
      {
        name: plan.names[0] ?? 'run',
        status,
        output: output !== '' ? output : (lastMessage ?? ''),
        lastMessage,
        error: status === 'completed' ? undefined : (runError ?? (taskErrors.join('; ') || undefined)),
        durationMs: input.durationMs,
      },
    ];
  }
  return state.tasks.map((task) => {
    // A task whose own `end` arrived completed, even when the Action closed the stream afterwards.
    const status = task.status === 'completed' ? 'completed' : (ending ?? mapStatus(task.status, undefined));
    return {
      name: task.name ?? '(untagged)',
      status,
      output: task.output !== '' ? task.output : (task.lastMessage ?? ''),
      lastMessage: task.lastMessage,
      error: status === 'completed' ? undefined : (task.error ?? runError),
      durationMs: duration(task.name),
    };
  });
}

function aggregate(statuses: readonly CloudCodingActionStatus[]): CloudCodingActionStatus {
  for (const status of ['stopped', 'timed-out', 'failed'] as const)
    if (statuses.includes(status)) return status;
  return 'completed';
}

function failureText(
  tasks: readonly ReportedTask[],
  runError: string | undefined,
  status: CloudCodingActionStatus,
): string | undefined {
  if (status === 'completed') return undefined;
  const bad = tasks.filter((task) => task.status !== 'completed');
  const verb = status === 'timed-out' ? 'timed out' : status;
  // One run, or a problem of the whole stream (an API error, a cut stream): one message says it.
  if (tasks.length <= 1 || (runError !== undefined && bad.every((task) => task.error === runError))) {
    return `Cloud Coding run ${verb}: ${runError ?? bad[0]?.error ?? 'no error message'}`;
  }
  const list = bad
    .map((task) => `${task.name} (${task.status}${task.error ? `: ${task.error}` : ''})`)
    .join('; ');
  return `${bad.length} of ${tasks.length} Cloud Coding tasks did not complete: ${list}`;
}

function resultsEntry(task: ReportedTask): ResultsEntry {
  return {
    name: task.name,
    'run-id': null,
    status: task.status,
    'pr-url': null,
    result: task.output === '' ? null : keepTail(task.output, RESULTS_TEXT_LIMIT),
    error: task.error ?? null,
    // Cloud Coding's stream reports no token counts.
    'input-tokens': null,
    'output-tokens': null,
  };
}

function combined(tasks: readonly ReportedTask[]): string {
  const withText = tasks.filter((task) => task.output !== '');
  if (withText.length === 0) return '';
  const share = Math.max(200, Math.floor(RESULT_OUTPUT_LIMIT / withText.length) - 50);
  return withText.map((task) => `## ${task.name}\n${keepTail(task.output, share)}`).join('\n\n');
}

const ICONS: Record<CloudCodingActionStatus, string> = {
  completed: '✅',
  failed: '❌',
  stopped: '⏹️',
  'timed-out': '⌛',
};

function renderCloudCodingSummary(
  input: CloudCodingReportInput,
  tasks: readonly ReportedTask[],
  status: CloudCodingActionStatus,
): string {
  const { plan, state } = input;
  const heading = plan.command === 'follow-up' ? 'Cloud Coding follow-up' : 'Cloud Coding';
  const where = `\`${cell(plan.repo)}\`${plan.branch ? ` on \`${cell(plan.branch)}\`` : ''}`;
  const facts = [
    `${ICONS[status]} ${status} · ${where}`,
    state.threadId ? `thread \`${cell(state.threadId)}\`` : 'no thread id received',
    `${state.events} events in ${elapsed(input.durationMs)}`,
  ];
  const lines = [
    `### ${escapeHtml(heading)}`,
    '',
    facts.join(' · '),
    '',
    '| task | status | output | duration |',
    '| --- | --- | --- | --- |',
  ];
  for (const task of tasks) {
    const name = plan.parallel ? task.name : input.title;
    const size =
      task.output === '' ? '—' : `${task.output.split('\n').filter((l) => l.trim() !== '').length} lines`;
    lines.push(
      `| ${cell(name)} | ${ICONS[task.status]} ${task.status} | ${size} | ${elapsed(task.durationMs)} |`,
    );
  }
  lines.push('');
  const body = lines.join('\n');
  const foldLimit = Math.max(
    1_000,
    Math.min(FOLD_LIMIT, Math.floor(SUMMARY_TEXT_LIMIT / Math.max(1, tasks.length * 2))),
  );
  let folded = '';
  for (const task of tasks) {
    const name = plan.parallel ? task.name : 'run';
    const folds: Array<[string, string, boolean]> = [];
    if (task.output !== '' && task.output !== task.lastMessage) folds.push(['output', task.output, true]);
    if (task.lastMessage) folds.push(["agent's last message", task.lastMessage, false]);
    if (task.error) folds.push(['error', task.error, false]);
    for (const [label, text, code] of folds) {
      const kept = keepTail(text, foldLimit);
      const shown = code ? codeBlock(kept.replace(/\n$/, ''), 'text') : escapeHtml(kept);
      folded += `<details><summary><b>${escapeHtml(name)}</b>: ${label}</summary>\n\n${shown}\n\n</details>\n\n`;
    }
  }
  return folded ? `${body}\n${folded}` : body;
}

/** A table cell: one line, pipes escaped, no HTML. */
function cell(text: string): string {
  return escapeHtml(text.replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');
}

/** Step outputs (docs/action.md, Outputs) from the Action's results. Every value is a string; JSON values are compact. */
import type { PullRequestRef, RunDetail } from '../codecloud/schemas.js';
import { definedProps } from '../objects.js';
import type { ActionOutputs } from './input-names.js';
import type { TaskResult } from './run-tasks.js';

/** Longest `result` kept per entry of the `results` output (the full text stays in the single-run outputs). */
export const RESULTS_TEXT_LIMIT = 20_000;

export interface ResultsEntry {
  name: string;
  'run-id': string | null;
  status: string;
  'pr-url': string | null;
  result: string | null;
  error: string | null;
  'input-tokens': number | null;
  'output-tokens': number | null;
}

export function resultsEntry(task: TaskResult): ResultsEntry {
  const text = task.run?.result ?? task.run?.plan;
  return {
    name: task.name,
    'run-id': task.runId ?? null,
    status: task.status,
    'pr-url': prUrl(task.run) ?? null,
    result: text === undefined ? null : clip(text, RESULTS_TEXT_LIMIT),
    error: task.error ?? null,
    'input-tokens': task.run?.input_tokens ?? null,
    'output-tokens': task.run?.output_tokens ?? null,
  };
}

/** Outputs of one run (a single `prompt`, a follow-up, `status`), plus `results` with its one entry. */
export function singleRunOutputs(task: TaskResult): ActionOutputs {
  const run = task.run;
  const outputs: ActionOutputs = {
    status: task.status,
    results: JSON.stringify([resultsEntry(task)]),
    prs: JSON.stringify(run?.prs.map(prJson) ?? []),
  };
  set(outputs, 'run-id', task.runId);
  set(outputs, 'title', run?.title);
  set(outputs, 'result', run?.result);
  set(outputs, 'plan', run?.plan);
  set(outputs, 'error', task.error);
  set(outputs, 'pr-url', prUrl(run));
  set(outputs, 'pr-number', prNumber(run));
  set(outputs, 'pr-branch', run?.prs[0]?.branch);
  set(outputs, 'input-tokens', run?.input_tokens);
  set(outputs, 'output-tokens', run?.output_tokens);
  return outputs;
}

/**
 * Outputs of `tasks`: `results` (one entry per task), `prs` (every PR), token sums, and `status` (see
 * {@link aggregateStatus}). The single-run outputs stay empty.
 */
export function tasksOutputs(tasks: readonly TaskResult[]): ActionOutputs {
  const prs = tasks.flatMap((task) => task.run?.prs ?? []);
  const sum = (pick: (run: RunDetail) => number | undefined) =>
    tasks.reduce((total, task) => total + (task.run ? (pick(task.run) ?? 0) : 0), 0);
  return {
    status: aggregateStatus(tasks),
    results: JSON.stringify(tasks.map(resultsEntry)),
    prs: JSON.stringify(prs.map(prJson)),
    'input-tokens': String(sum((run) => run.input_tokens)),
    'output-tokens': String(sum((run) => run.output_tokens)),
  };
}

/**
 * The `status` of `tasks`, as the Cloud Coding backend reports it: `completed` when every task completed; else the
 * first of `stopped` (the step was cancelled), `timed-out`, `failed` that some task has; else `running`/`queued`
 * (`wait: false`).
 */
function aggregateStatus(tasks: readonly TaskResult[]): string {
  if (tasks.every((task) => task.status === 'completed')) return 'completed';
  for (const status of ['stopped', 'timed-out', 'failed'] as const)
    if (tasks.some((task) => task.status === status)) return status;
  return tasks.some((task) => task.status === 'running') ? 'running' : 'queued';
}

export function prUrl(run: RunDetail | undefined): string | undefined {
  return run?.pr_url ?? run?.prs[0]?.url;
}

function prNumber(run: RunDetail | undefined): number | undefined {
  return run?.pr_number ?? run?.prs[0]?.number;
}

function prJson(pr: PullRequestRef): Record<string, string | number> {
  return definedProps({ url: pr.url, number: pr.number, branch: pr.branch, repo: pr.repo, title: pr.title });
}

function set(outputs: ActionOutputs, name: keyof ActionOutputs, value: string | number | undefined): void {
  if (value !== undefined) outputs[name] = String(value);
}

export function clip(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}\n… (truncated: ${text.length - limit} more characters)`;
}

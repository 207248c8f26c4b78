/**
 * The Action's status comment (`comment`): the App's status comment renderer (`src/render/status-comment.ts`) for
 * each run, under one hidden marker that names the workflow, the job and the step's runs (the prompt, or the
 * `tasks` names), so a re-run of the same job finds and edits the same comment. Pure.
 */
import { createHash } from 'node:crypto';
import type { RunDetail } from '../codecloud/schemas.js';
import { definedProps } from '../objects.js';
import { GITHUB_COMMENT_LIMIT, inlineCode, truncateMarkdown } from '../render/markdown.js';
import {
  type RunOutcome,
  renderStatusComment,
  STATUS_COMMENT_MAX,
  type StatusState,
} from '../render/status-comment.js';
import type { RunMode } from '../vocabulary.js';
import type { Env } from './default-branch.js';
import type { TaskResult } from './run-tasks.js';

/** Who and what the comment is for: what the marker is made of. */
export interface CommentIdentity {
  /** `GITHUB_WORKFLOW_REF` without the ref (or `GITHUB_WORKFLOW`). */
  workflow: string;
  /** `GITHUB_JOB` */
  job: string;
  /** The runs of the step: the prompt, or the `tasks` names (a matrix of jobs differs by its prompts). */
  runs: readonly string[];
}

export function commentIdentity(env: Env, runs: readonly string[]): CommentIdentity {
  const ref = env.GITHUB_WORKFLOW_REF;
  return {
    workflow: (ref ? ref.replace(/@.*$/, '') : undefined) ?? env.GITHUB_WORKFLOW ?? 'workflow',
    job: env.GITHUB_JOB ?? 'job',
    runs,
  };
}

/** `<!-- codecloud:action=<workflow>/<job>/<hash of the runs> -->`: hidden, and never closable from inside. */
export function actionMarker(identity: CommentIdentity): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._/-]/g, '_').slice(0, 120);
  const runs = createHash('sha256').update(JSON.stringify(identity.runs)).digest('hex').slice(0, 12);
  return `<!-- codecloud:action=${safe(identity.workflow)}:${safe(identity.job)}:${runs} -->`;
}

export interface CommentTask {
  name: string;
  result: Readonly<TaskResult>;
  /** When the step first saw the run running (ms), if the API gives no `startedAt`. */
  runningSince?: number | undefined;
}

export interface ActionCommentInput {
  identity: CommentIdentity;
  tasks: readonly CommentTask[];
  /** Tasks from the `tasks` input: each gets a heading with its name. */
  named: boolean;
  mode: RunMode;
  kind: 'run' | 'follow-up';
  /** `GITHUB_ACTOR` */
  requestedBy: string;
  timeoutMinutes: number;
  knownSecrets: readonly string[];
}

const TIMEOUT_HINT = `Raise the step's ${inlineCode('timeout-minutes')} or split the task.`;

export function renderActionComment(input: ActionCommentInput, now: number): string {
  const marker = actionMarker(input.identity);
  const budget = Math.floor((STATUS_COMMENT_MAX - marker.length) / Math.max(1, input.tasks.length)) - 100;
  const sections = input.tasks.map((task) => {
    const body = renderStatusComment(
      definedProps({
        requestedBy: input.requestedBy,
        mode: task.result.run?.mode ?? input.mode,
        kind: input.kind,
        remoteRunId: task.result.runId,
        state: stateOf(task, input.timeoutMinutes, now),
        knownSecrets: input.knownSecrets,
        writer: { marker: '', timeoutHint: TIMEOUT_HINT },
      }),
      now,
    );
    const text = input.named ? `### ${inlineCode(task.name)}\n\n${body}` : body;
    return truncateMarkdown(text, Math.max(2_000, budget), 'cut to fit in a comment');
  });
  const body = [marker, ...sections].join('\n\n');
  return body.length < GITHUB_COMMENT_LIMIT ? body : truncateMarkdown(body, STATUS_COMMENT_MAX, 'cut to fit');
}

function stateOf(task: CommentTask, timeoutMinutes: number, now: number): StatusState {
  const { result } = task;
  const run = result.run;
  const startedAt = time(run?.startedAt) ?? task.runningSince;
  const finishedAt = time(run?.completedAt) ?? (startedAt === undefined ? undefined : now);
  const span = definedProps({ startedAt, finishedAt });
  const outcome = run ? outcomeOf(run) : undefined;
  switch (result.status) {
    case 'queued':
      return result.runId === undefined ? { status: 'starting' } : { status: 'queued' };
    case 'running':
      return { status: 'running', startedAt: startedAt ?? now };
    case 'completed':
      return { status: 'completed', ...span, outcome: outcome ?? {} };
    case 'failed':
      return definedProps({ status: 'failed', ...span, error: result.error, hint: '', outcome });
    case 'stopped':
      return definedProps({ status: 'stopped', ...span, outcome });
    case 'timed-out':
      return definedProps({ status: 'timed_out', timeoutMinutes, ...span, outcome });
  }
}

function outcomeOf(run: RunDetail): RunOutcome {
  return definedProps({
    title: run.title,
    result: run.result,
    plan: run.plan,
    prs: run.prs.map((pr) => ({ url: pr.url, number: pr.number, branch: pr.branch })),
    inputTokens: run.input_tokens,
    outputTokens: run.output_tokens,
  });
}

function time(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

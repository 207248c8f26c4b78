/**
 * The one status comment per run (docs/app.md, What you see), as a pure function of a plain state object
 * and `now`.
 *
 * Layout: a headline with a status emoji, a small grey line saying who asked (and the run id), then what the
 * state has to say (progress while running; result or plan, PR links, branch, tokens and duration once done; the
 * error and what to do next on failure). Long output folds into `<details>`. Agent text never pings anyone
 * (mentions are neutralised), every credential is redacted, and the body stays under GitHub's 65,536-character
 * limit by cutting the result with a visible note.
 */
import { redactSecrets } from '../redact.js';
import type { RunMode } from '../vocabulary.js';
import {
  codeBlock,
  details,
  excerpt,
  formatCount,
  formatDuration,
  GITHUB_COMMENT_LIMIT,
  inlineCode,
  mentionUser,
  neutralizeMentions,
  truncateMarkdown,
} from './markdown.js';
import { pendingMarker, runMarker } from './markers.js';

/** Stay this far under GitHub's limit, for redaction growing a body and for multi-unit characters. */
export const STATUS_COMMENT_MAX = GITHUB_COMMENT_LIMIT - 1_536;
/** A result or plan longer than this (or than 25 lines) is folded into `<details>`. */
const FOLD_OVER_CHARS = 1_500;
const FOLD_OVER_LINES = 25;
const MAX_TITLE = 200;
const MAX_ERROR = 4_000;
const MAX_THINKING = 280;
const MAX_TOOL_CALLS = 5;
const SECTION_OVERHEAD = 300;

export interface ProgressToolCall {
  name: string;
  status: 'pending' | 'running' | 'completed' | 'error';
  /** The call's arguments, as reported; one short, telling value is shown (a command, a path…). */
  arguments?: Readonly<Record<string, unknown>> | undefined;
}

export interface RunProgress {
  /** The latest tool calls, oldest first; the last few are shown. */
  toolCalls?: readonly ProgressToolCall[];
  /** The agent's latest text; a short excerpt is shown. */
  thinking?: string;
}

export interface PullRequestLink {
  url: string;
  number?: number;
  /** The PR's head branch; the first PR's is shown when the outcome has no `branch`. */
  branch?: string;
}

/** What a finished (or stopped) run produced. Everything optional: a run may stop before producing anything. */
export interface RunOutcome {
  title?: string;
  result?: string;
  plan?: string;
  prs?: readonly PullRequestLink[];
  branch?: string;
  inputTokens?: number;
  outputTokens?: number;
}

export type StatusState =
  /**
   * Held by the app: `max_concurrent_runs` is reached, or (`reason: 'plan-limit'`) codecloud said the plan's limit of
   * concurrent runs is reached.
   */
  | { status: 'waiting'; ahead?: number; reason?: 'plan-limit' }
  /** A slot is held and the run is being created. */
  | { status: 'starting' }
  /** The backend accepted the run and has not started it yet. */
  | { status: 'queued' }
  | { status: 'running'; startedAt: number; progress?: RunProgress }
  | { status: 'completed'; startedAt?: number; finishedAt?: number; outcome: RunOutcome }
  /** `hint` replaces the default "what you can do" line. */
  | {
      status: 'failed';
      error?: string;
      hint?: string;
      startedAt?: number;
      finishedAt?: number;
      outcome?: RunOutcome;
    }
  | {
      status: 'stopped';
      stoppedBy?: string;
      startedAt?: number;
      finishedAt?: number;
      outcome?: RunOutcome;
      /** Why the app stopped it itself (a limit): the comment ends with it. */
      note?: string;
    }
  | {
      status: 'timed_out';
      timeoutMinutes: number;
      startedAt?: number;
      finishedAt?: number;
      outcome?: RunOutcome;
    };

export type StatusName = StatusState['status'];

export interface StatusCommentInput {
  /** Goes into `<!-- codecloud:run=<id> -->`. Leave out before any id exists and give `pendingId`. */
  runId?: string;
  /** The app's local id, for `<!-- codecloud:pending=<id> -->` while `runId` is unknown. */
  pendingId?: string;
  /** The backend's run id, shown to the user (e.g. to look the run up in the codecloud dashboard). */
  remoteRunId?: string;
  requestedBy: string;
  mode: RunMode;
  /** `follow-up` for a message sent to an existing session. Default `run`. */
  kind?: 'run' | 'follow-up';
  /** The command word, for the hints (`/codecloud stop`). Default `/codecloud`. */
  trigger?: string;
  /** A line under the byline about what this run is (e.g. that it continues a Cloud Coding conversation). */
  note?: string;
  state: StatusState;
  /** Values that must never be shown (the app's API keys), on top of the credential patterns. */
  knownSecrets?: readonly string[];
  /**
   * Written by someone else than the app (the Action's `comment`): its own marker instead of the run marker (`''`
   * for none), and no hints to comment commands, which only the app answers. Default: the app's comment.
   */
  writer?: { marker: string; timeoutHint: string };
}

const HEADLINE: Record<StatusName, string> = {
  waiting: '⏳ **Waiting for a free slot**',
  starting: '⏳ **Starting**',
  queued: '⏳ **Queued**',
  running: '🏃 **Running**',
  completed: '✅ **Completed**',
  failed: '❌ **Failed**',
  stopped: '⏹️ **Stopped**',
  timed_out: '⌛ **Timed out**',
};

/** ` (2 ahead)`: where a run waiting for one of the installation's slots is in line. */
function waitingLine(ahead: number | undefined): string {
  if (ahead === undefined) return '';
  return ahead === 0 ? ' (next in line)' : ` (${ahead} ahead)`;
}

/** The one argument of a tool call worth showing: a command, a path, a pattern, a URL… */
function toolArgument(args: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (args === undefined) return undefined;
  for (const key of [
    'command',
    'cmd',
    'file_path',
    'filePath',
    'path',
    'pattern',
    'query',
    'url',
    'description',
  ]) {
    const value = args[key];
    if (typeof value === 'string' && value.trim() !== '') return excerpt(value, 80);
  }
  return undefined;
}

const TOOL_STATUS: Record<ProgressToolCall['status'], string> = {
  pending: '⏳',
  running: '▶️',
  completed: '✔️',
  error: '⚠️',
};

function progressSection(progress: RunProgress | undefined): string[] {
  if (progress === undefined) return [];
  const out: string[] = [];
  const calls = (progress.toolCalls ?? []).slice(-MAX_TOOL_CALLS);
  if (calls.length > 0) {
    out.push(
      calls
        .map((call) => {
          const arg = toolArgument(call.arguments);
          return `- ${TOOL_STATUS[call.status]} ${inlineCode(call.name)}${arg === undefined ? '' : ` ${inlineCode(arg)}`}`;
        })
        .join('\n'),
    );
  }
  const thinking = progress.thinking?.trim();
  if (thinking !== undefined && thinking !== '') {
    out.push(`> ${neutralizeMentions(excerpt(thinking, MAX_THINKING))}`);
  }
  return out;
}

function prLines(prs: readonly PullRequestLink[] | undefined): string[] {
  // GitHub turns a bare pull request URL into a rich link with its number and state.
  return (prs ?? []).map((pr) => `🔀 **Pull request:** ${pr.url}`);
}

/** `branch · tokens · duration`, in a small grey line. */
function factsLine(outcome: RunOutcome | undefined, took: number | undefined): string {
  const facts: string[] = [];
  const branch = outcome?.branch ?? outcome?.prs?.[0]?.branch;
  if (branch !== undefined) facts.push(`branch ${inlineCode(branch)}`);
  if (outcome?.inputTokens !== undefined || outcome?.outputTokens !== undefined) {
    facts.push(
      `${formatCount(outcome.inputTokens ?? 0)} tokens in / ${formatCount(outcome.outputTokens ?? 0)} out`,
    );
  }
  if (took !== undefined) facts.push(`took ${formatDuration(took)}`);
  return facts.length === 0 ? '' : `<sub>${facts.join(' · ')}</sub>`;
}

const tookOf = (state: { startedAt?: number; finishedAt?: number }): number | undefined =>
  state.startedAt !== undefined && state.finishedAt !== undefined
    ? state.finishedAt - state.startedAt
    : undefined;

/** The result or plan: shown as is when short, folded when long; `budget` caps it (the rest of the body is small). */
function outputSection(label: string, text: string, budget: number, open: boolean): string {
  const body = truncateMarkdown(
    neutralizeMentions(text.trim()),
    Math.max(1_000, budget),
    'cut to fit in a comment',
  );
  const long = body.length > FOLD_OVER_CHARS || body.split('\n').length > FOLD_OVER_LINES;
  return long ? details(`<b>${label}</b>`, body, open) : `**${label}**\n\n${body}`;
}

/** Result and plan of an outcome; the plan comes first for plan-mode runs, open since it is what was asked for. */
function outcomeSections(
  input: StatusCommentInput,
  outcome: RunOutcome | undefined,
  budget: number,
): string[] {
  if (outcome === undefined) return [];
  const out: string[] = [];
  const plan = outcome.plan?.trim();
  const result = outcome.result?.trim();
  const hasPlan = plan !== undefined && plan !== '';
  const hasResult = result !== undefined && result !== '' && result !== plan;
  // Each section adds a truncation note and a <details> wrapper on top of its share.
  const share = (hasPlan && hasResult ? Math.floor(budget / 2) : budget) - SECTION_OVERHEAD;
  if (hasPlan) out.push(outputSection('Plan', plan, share, input.mode === 'plan'));
  if (hasResult) out.push(outputSection('Result', result, share, false));
  return out;
}

function headline(input: StatusCommentInput, now: number): string {
  const { state } = input;
  const head = HEADLINE[state.status];
  switch (state.status) {
    case 'waiting':
      return `${head}${waitingLine(state.ahead)}`;
    case 'starting':
      return `${head} the agent…`;
    case 'queued':
      return `${head}: the agent will start shortly`;
    case 'running':
      return `${head} for ${formatDuration(now - state.startedAt)}`;
    case 'completed': {
      const title = state.outcome.title?.trim();
      const what = input.mode === 'plan' ? '📋 **Plan ready**' : head;
      return title ? `${what}: ${neutralizeMentions(excerpt(title, MAX_TITLE))}` : what;
    }
    case 'failed':
      return head;
    case 'stopped':
      return state.stoppedBy === undefined ? head : `${head} by ${mentionUser(state.stoppedBy)}`;
    case 'timed_out':
      return `${head} after ${state.timeoutMinutes} minute${state.timeoutMinutes === 1 ? '' : 's'}`;
  }
}

function byline(input: StatusCommentInput): string {
  const what = input.kind === 'follow-up' ? 'follow-up' : input.mode === 'plan' ? 'plan' : 'run';
  const run = input.remoteRunId === undefined ? '' : ` · run ${inlineCode(input.remoteRunId)}`;
  return `<sub>codecloud ${what} requested by ${mentionUser(input.requestedBy)}${run}</sub>`;
}

/**
 * The status comment body for `input` at time `now` (epoch ms). Pure: the same input and `now` give the same body,
 * so the caller can skip an edit when nothing changed.
 */
export function renderStatusComment(input: StatusCommentInput, now: number): string {
  const trigger = input.trigger ?? '/codecloud';
  const { state, writer } = input;
  const marker =
    writer !== undefined
      ? writer.marker
      : input.runId !== undefined
        ? runMarker(input.runId)
        : pendingMarker(input.pendingId ?? 'unknown');
  // Hints to comment commands: only the app answers them.
  const hint = (text: string): string => (writer === undefined ? text : '');
  const top = `${headline(input, now)}\n${byline(input)}`;

  const sections: string[] = [];
  if (input.note) sections.push(`<sub>${neutralizeMentions(input.note)}</sub>`);
  let outcome: RunOutcome | undefined;
  let took: number | undefined;
  switch (state.status) {
    case 'waiting':
      if (state.reason === 'plan-limit') {
        sections.push(
          "codecloud's plan limit of concurrent runs is reached: the agent starts as soon as codecloud has a free slot.",
        );
      }
      sections.push(`<sub>Comment ${inlineCode(`${trigger} stop`)} to cancel.</sub>`);
      break;
    case 'starting':
    case 'queued':
      sections.push(hint(`<sub>Comment ${inlineCode(`${trigger} stop`)} to cancel.</sub>`));
      break;
    case 'running':
      sections.push(...progressSection(state.progress));
      sections.push(hint(`<sub>Comment ${inlineCode(`${trigger} stop`)} to stop it.</sub>`));
      break;
    case 'completed':
      outcome = state.outcome;
      took = tookOf(state);
      break;
    case 'failed': {
      outcome = state.outcome;
      took = tookOf(state);
      const error = state.error?.trim() || 'The run failed without an error message.';
      sections.push(codeBlock(neutralizeMentions(truncateMarkdown(error, MAX_ERROR, 'cut'))));
      sections.push(
        state.hint ??
          hint(
            `Comment ${inlineCode(`${trigger} <instruction>`)} to try again, or ${inlineCode(`${trigger} help`)} for the options.`,
          ),
      );
      break;
    }
    case 'stopped':
      outcome = state.outcome;
      took = tookOf(state);
      sections.push(
        `The agent was stopped before it finished.${hint(` Comment ${inlineCode(`${trigger} <instruction>`)} to start again.`)}`,
      );
      break;
    case 'timed_out':
      outcome = state.outcome;
      took = tookOf(state);
      sections.push(
        `The run did not finish within ${state.timeoutMinutes} minutes and was stopped. ` +
          (writer?.timeoutHint ??
            `Raise ${inlineCode('timeout_minutes')} in ${inlineCode('.github/codecloud.yml')} or split the task.`),
      );
      break;
  }

  const tail: string[] = [...prLines(outcome?.prs)];
  if (state.status === 'completed' && input.mode === 'plan' && writer === undefined) {
    tail.push(
      `Comment ${inlineCode(`${trigger} approve`)} to carry out this plan, or ${inlineCode(`${trigger} plan <changes>`)} for a different one.`,
    );
  }
  const facts = factsLine(outcome, took);
  if (facts !== '') tail.push(facts);
  if (state.status === 'stopped' && state.note) tail.push(state.note);

  // Everything but the output is small; the output gets what is left of the budget.
  const fixed = redactSecrets([marker, top, ...sections, ...tail].join('\n\n'), input.knownSecrets);
  const budget = STATUS_COMMENT_MAX - fixed.length - 200;
  const output = outcomeSections(input, outcome, budget);
  const body = redactSecrets(
    [marker, top, ...sections, ...output, ...tail].filter((part) => part !== '').join('\n\n'),
    input.knownSecrets,
  );
  // Only reachable with a pathological input (the output was already cut to its budget).
  return body.length <= STATUS_COMMENT_MAX
    ? body
    : truncateMarkdown(body, STATUS_COMMENT_MAX - 200, 'cut to fit');
}

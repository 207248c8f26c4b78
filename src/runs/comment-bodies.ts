/**
 * The status comment body of a run: the store's `Run` mapped onto the status-comment renderer's state (which
 * redacts credentials and keeps the body under GitHub's 65,536-character limit).
 */

import { autofixContextLine } from '../autofix/context-line.js';
import { definedProps } from '../objects.js';
import type { ProgressToolCall, RunOutcome, RunProgress, StatusState } from '../render/status-comment.js';
import { renderStatusComment } from '../render/status-comment.js';
import { DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import type { StoredRunProgress } from '../store/run-options.js';
import type { Run } from '../store/store.js';
import { conversationNote } from './cloudcoding-conversation.js';

/** Why a waiting run waits: how many runs are ahead of it, and whether codecloud's plan limit holds them all. */
export interface WaitingFor {
  ahead: number;
  planLimit?: boolean | undefined;
}

export interface StatusExtras {
  now: number;
  /** A waiting run that has to wait (for one of `max_concurrent_runs` slots, or codecloud's plan limit). */
  waitingFor?: WaitingFor | undefined;
  /** For a follow-up's status comment. */
  kind?: 'run' | 'follow-up' | undefined;
  trigger?: string | undefined;
  /** Values never to show (the app's API keys). */
  knownSecrets?: readonly string[] | undefined;
}

/** The prompt's own opening (the API may take the first words of the prompt as the run's title). */
const PROMPT_OPENING = 'You are working on the GitHub repository';

/**
 * The headline title: the API's title, unless it is just the start of the prompt we sent (boilerplate), or this is
 * a follow-up (the API's title describes the original run); then the title derived from the request.
 */
export function headlineTitle(
  run: Pick<Run, 'result' | 'prompt' | 'options' | 'followUpCount'>,
): string | undefined {
  const derived = run.options.headline || undefined;
  if (run.followUpCount > 0 && derived) return derived;
  const title = run.result.title?.trim();
  if (!title) return derived;
  const stem = title.replace(/(\.\.\.|…)$/, '').trim();
  const echoesPrompt =
    stem.length > 0 && (run.prompt.trim().startsWith(stem) || stem.startsWith(PROMPT_OPENING));
  return echoesPrompt ? derived : title;
}

/** A one-line title from the user's instruction (or the title when there is none). */
export function titleFromRequest(instruction: string, fallback: string): string {
  const line =
    instruction
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const chosen = line === '' ? fallback.trim() : line;
  return chosen.length > 100 ? `${chosen.slice(0, 99).trimEnd()}…` : chosen;
}

function outcomeOf(run: Run): RunOutcome {
  const r = { ...run.result };
  const title = headlineTitle(run);
  if (title === undefined) delete r.title;
  else r.title = title;
  const prs = (r.prs ?? [])
    .filter((pr) => pr.url !== undefined)
    .map((pr) => definedProps({ url: pr.url ?? '', number: pr.number, branch: pr.branch || undefined }));
  return definedProps({
    title: r.title,
    result: r.result,
    plan: r.plan,
    prs: prs.length > 0 ? prs : undefined,
    branch: r.branch || undefined,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
  });
}

/** The stored progress (parsed where the run was read) as the renderer takes it. */
export function progressOf(progress: StoredRunProgress | null): RunProgress | undefined {
  if (!progress) return undefined;
  const toolCalls: ProgressToolCall[] = (progress.toolCalls ?? []).map((call) =>
    definedProps({ name: call.name, status: call.status, arguments: call.arguments }),
  );
  return definedProps({
    toolCalls: toolCalls.length > 0 ? toolCalls : undefined,
    thinking: progress.thinking,
  });
}

function stateOf(run: Run, extras: StatusExtras): StatusState {
  const times = definedProps({
    startedAt: run.startedAt ?? undefined,
    finishedAt: run.finishedAt ?? undefined,
  });
  switch (run.status) {
    case 'waiting':
      // Waiting only for its turn with a slot free: about to start, so "Queued" rather than "Waiting for a slot".
      return extras.waitingFor === undefined
        ? { status: 'queued' }
        : definedProps({
            status: 'waiting',
            ahead: extras.waitingFor.ahead,
            reason: extras.waitingFor.planLimit ? 'plan-limit' : undefined,
          });
    case 'starting':
      return { status: 'starting' };
    case 'queued':
      return { status: 'queued' };
    case 'running': {
      const progress = run.options.progress === false ? undefined : progressOf(run.progress);
      return definedProps({
        status: 'running',
        startedAt: run.startedAt ?? run.createdAt,
        progress,
      });
    }
    case 'completed':
      return { status: 'completed', ...times, outcome: outcomeOf(run) };
    case 'failed':
      return definedProps({
        status: 'failed',
        ...times,
        error: run.result.error,
        outcome: outcomeOf(run),
      });
    case 'stopped':
      return definedProps({
        status: 'stopped',
        ...times,
        stoppedBy: run.stopRequestedBy || undefined,
        note: run.options.stopNote,
        outcome: outcomeOf(run),
      });
    case 'timed_out': {
      const minutes = run.options.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
      return { status: 'timed_out', timeoutMinutes: minutes, ...times, outcome: outcomeOf(run) };
    }
  }
}

export function statusCommentBody(run: Run, extras: StatusExtras): string {
  const kind = extras.kind ?? (run.followUpCount > 0 || run.options.continuesThread ? 'follow-up' : 'run');
  const trigger = extras.trigger ?? run.options.trigger;
  return renderStatusComment(
    {
      // The marker carries the backend's run id once there is one; before, the app's own id (as pending).
      ...(run.remoteRunId !== null
        ? { runId: run.remoteRunId, remoteRunId: run.remoteRunId }
        : { pendingId: run.id }),
      ...definedProps({
        requestedBy: run.options.requestedBy ?? run.requestedBy,
        mode: run.mode,
        kind,
        trigger: trigger || undefined,
        note:
          [
            run.options.autofix ? autofixContextLine(run.options.autofix) : undefined,
            conversationNote(run.options, trigger || '/codecloud'),
          ]
            .filter((line): line is string => Boolean(line))
            .join('\n\n') || undefined,
        state: stateOf(run, extras),
        knownSecrets: extras.knownSecrets,
      }),
    },
    extras.now,
  );
}

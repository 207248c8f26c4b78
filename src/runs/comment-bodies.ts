/**
 * The status comment body of a run: the store's `Run` mapped onto the status-comment renderer's state (which
 * redacts credentials and keeps the body under GitHub's 65,536-character limit).
 */
import type { ProgressToolCall, RunOutcome, RunProgress, StatusState } from '../render/status-comment.js';
import { renderStatusComment } from '../render/status-comment.js';
import type { JsonObject, Run } from '../store/store.js';

export interface StatusExtras {
  now: number;
  /** The run is held by codecloud's plan limit rather than by `max_concurrent_runs`. */
  waitingAhead?: number | undefined;
  /** For a follow-up's status comment. */
  kind?: 'run' | 'follow-up' | undefined;
  trigger?: string | undefined;
  /** Values never to show (the app's API keys). */
  knownSecrets?: readonly string[] | undefined;
}

function outcomeOf(run: Run): RunOutcome {
  const r = run.result;
  const prs = (r.prs ?? [])
    .filter((pr) => pr.url !== undefined)
    .map((pr) => ({
      url: pr.url ?? '',
      number: pr.number,
      ...(pr.branch ? { branch: pr.branch } : {}),
    }));
  return {
    ...(r.title !== undefined ? { title: r.title } : {}),
    ...(r.result !== undefined ? { result: r.result } : {}),
    ...(r.plan !== undefined ? { plan: r.plan } : {}),
    ...(prs.length > 0 ? { prs } : {}),
    ...(r.branch ? { branch: r.branch } : {}),
    ...(r.inputTokens !== undefined ? { inputTokens: r.inputTokens } : {}),
    ...(r.outputTokens !== undefined ? { outputTokens: r.outputTokens } : {}),
  };
}

/** The stored progress (a `RunProgress` written by `applyProgressEvent`) read back from JSON. */
export function progressOf(progress: JsonObject | null): RunProgress | undefined {
  if (!progress) return undefined;
  const calls = Array.isArray(progress.toolCalls) ? progress.toolCalls : [];
  const toolCalls: ProgressToolCall[] = [];
  for (const call of calls) {
    if (!call || typeof call !== 'object' || Array.isArray(call) || typeof call.name !== 'string') continue;
    const status = call.status;
    toolCalls.push({
      name: call.name,
      status: status === 'pending' || status === 'completed' || status === 'error' ? status : 'running',
      ...(call.arguments && typeof call.arguments === 'object' && !Array.isArray(call.arguments)
        ? { arguments: call.arguments }
        : {}),
    });
  }
  return {
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(typeof progress.thinking === 'string' ? { thinking: progress.thinking } : {}),
  };
}

function stateOf(run: Run, extras: StatusExtras): StatusState {
  const times = {
    ...(run.startedAt !== null ? { startedAt: run.startedAt } : {}),
    ...(run.finishedAt !== null ? { finishedAt: run.finishedAt } : {}),
  };
  switch (run.status) {
    case 'waiting':
      return {
        status: 'waiting',
        ...(extras.waitingAhead !== undefined ? { ahead: extras.waitingAhead } : {}),
      };
    case 'starting':
      return { status: 'starting' };
    case 'queued':
      return { status: 'queued' };
    case 'running': {
      const progress = run.options.progress === false ? undefined : progressOf(run.progress);
      return {
        status: 'running',
        startedAt: run.startedAt ?? run.createdAt,
        ...(progress ? { progress } : {}),
      };
    }
    case 'completed':
      return { status: 'completed', ...times, outcome: outcomeOf(run) };
    case 'failed':
      return {
        status: 'failed',
        ...times,
        ...(run.result.error !== undefined ? { error: run.result.error } : {}),
        outcome: outcomeOf(run),
      };
    case 'stopped':
      return {
        status: 'stopped',
        ...times,
        ...(run.stopRequestedBy ? { stoppedBy: run.stopRequestedBy } : {}),
        outcome: outcomeOf(run),
      };
    case 'timed_out': {
      const minutes = typeof run.options.timeoutMinutes === 'number' ? run.options.timeoutMinutes : 60;
      return { status: 'timed_out', timeoutMinutes: minutes, ...times, outcome: outcomeOf(run) };
    }
  }
}

export function statusCommentBody(run: Run, extras: StatusExtras): string {
  const kind = extras.kind ?? (run.followUpCount > 0 ? 'follow-up' : 'run');
  const trigger =
    extras.trigger ?? (typeof run.options.trigger === 'string' ? run.options.trigger : undefined);
  return renderStatusComment(
    {
      runId: run.id,
      ...(run.remoteRunId !== null ? { remoteRunId: run.remoteRunId } : {}),
      requestedBy: typeof run.options.requestedBy === 'string' ? run.options.requestedBy : run.requestedBy,
      mode: run.mode,
      kind,
      ...(trigger ? { trigger } : {}),
      state: stateOf(run, extras),
      ...(extras.knownSecrets ? { knownSecrets: extras.knownSecrets } : {}),
    },
    extras.now,
  );
}

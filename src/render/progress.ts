/**
 * Folds codecloud `agent.progress` events (one tool call or one piece of thinking text each) into the small
 * progress summary the status comment shows.
 */

import { definedProps } from '../objects.js';
import type { ProgressToolCall, RunProgress } from './status-comment.js';

/** How many tool calls are remembered (the status comment shows the last five). */
const PROGRESS_TOOL_CALLS_KEPT = 5;

export interface ProgressEventLike {
  thinking?: string | undefined;
  tool_call?: ProgressToolCall | undefined;
}

/**
 * `previous` with one progress event applied: new thinking text replaces the old; a tool call is appended, or
 * replaces the last one when it is that call's status update (same name, the last one still pending or running).
 */
export function applyProgressEvent(previous: RunProgress | undefined, event: ProgressEventLike): RunProgress {
  const calls = [...(previous?.toolCalls ?? [])];
  const call = event.tool_call;
  if (call !== undefined) {
    const last = calls.at(-1);
    const isUpdate =
      last !== undefined &&
      last.name === call.name &&
      (last.status === 'pending' || last.status === 'running');
    const merged: ProgressToolCall =
      isUpdate && call.arguments === undefined && last.arguments !== undefined
        ? { ...call, arguments: last.arguments }
        : call;
    if (isUpdate) calls[calls.length - 1] = merged;
    else calls.push(merged);
  }
  const thinking = event.thinking?.trim() ? event.thinking : previous?.thinking;
  const kept = calls.slice(-PROGRESS_TOOL_CALLS_KEPT);
  return definedProps({ toolCalls: kept.length > 0 ? kept : undefined, thinking });
}

/**
 * A finished run as plain per-task results (the Action's `results` output, a job summary row per task). Pure.
 */
import type { CloudCodingRunState, CloudCodingTaskStatus } from './run-recorder.js';

export interface CloudCodingTaskResult {
  /** The `task_name`, or `''` for a single run. */
  name: string;
  status: CloudCodingTaskStatus;
  /** The agent's last message when it gave one, else the task's output (newest text kept within `maxChars`). */
  result: string;
  /** Why it did not complete. */
  error: string | undefined;
}

export function taskResults(state: CloudCodingRunState, maxChars = 60_000): CloudCodingTaskResult[] {
  return state.tasks.map((task) => {
    const text = task.lastMessage ?? task.output;
    const result = text.length > maxChars ? `…${text.slice(text.length - maxChars + 1)}` : text;
    const error = task.error ?? (task.status === 'completed' ? undefined : state.reason);
    return { name: task.name ?? '', status: task.status, result, error };
  });
}

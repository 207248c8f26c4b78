/**
 * The run model both integrations use: a recorder that folds the stream's events into per-task output (capped, the
 * newest text kept), the agent's latest message, the thread id and, once the outcome is known, a final status per
 * task and for the run. Pure: no I/O, no clock.
 */
import type { CloudCodingOutcome, CloudCodingStatus } from './client.js';
import type { CloudCodingEvent } from './events.js';

export type CloudCodingTaskStatus = 'running' | CloudCodingStatus;

export interface CloudCodingTaskState {
  /** The `task_name`; undefined for a single run's output, or untagged output in a parallel run. */
  name: string | undefined;
  status: CloudCodingTaskStatus;
  /** The newest `maxOutputChars` characters of the task's stdout. */
  output: string;
  /** Characters dropped from the front of `output` to keep it under the cap. */
  omittedChars: number;
  /** The agent's latest message (from `updates` events), if any. */
  lastMessage: string | undefined;
  /** The error the stream reported for this task. */
  error: string | undefined;
  /** Events seen for this task. */
  events: number;
}

export interface CloudCodingRunState {
  status: CloudCodingTaskStatus;
  /** Why it did not complete (`failed`, `disconnected`, `cancelled`). */
  reason: string | undefined;
  threadId: string | undefined;
  /** Tasks in request order, then in order of first appearance; untagged output is its own entry (name undefined). */
  tasks: CloudCodingTaskState[];
  /** The task whose output or message came last (undefined: the untagged entry, or nothing yet). */
  latestTask: string | undefined;
  events: number;
  /** Events kept as raw text (not understood), counted so they are never silently lost. */
  rawEvents: number;
}

export interface RunRecorderOptions {
  /** The request's `task_name`s, so tasks that print nothing still get an entry, in request order. */
  taskNames?: readonly string[];
  /** Cap of each task's kept output (default 60 000 characters, under GitHub's 65 536 for a comment or output). */
  maxOutputChars?: number | undefined;
}

export const DEFAULT_MAX_OUTPUT_CHARS = 60_000;

class TaskBuffer {
  readonly name: string | undefined;
  #pieces: string[] = [];
  #length = 0;
  #omitted = 0;
  readonly #cap: number;
  lastMessage: string | undefined;
  error: string | undefined;
  /** The stream said this task ended (an `end` event tagged with its name). */
  ended = false;
  events = 0;

  constructor(name: string | undefined, cap: number) {
    this.name = name;
    this.#cap = cap;
  }

  append(text: string): void {
    if (text === '') return;
    this.#pieces.push(text);
    this.#length += text.length;
    if (this.#length > this.#cap * 2) this.#compact();
  }

  get output(): string {
    this.#compact();
    return this.#pieces[0] ?? '';
  }

  get omitted(): number {
    this.#compact();
    return this.#omitted;
  }

  #compact(): void {
    if (this.#pieces.length <= 1 && this.#length <= this.#cap) return;
    let text = this.#pieces.join('');
    if (text.length > this.#cap) {
      this.#omitted += text.length - this.#cap;
      text = text.slice(text.length - this.#cap);
    }
    this.#pieces = text === '' ? [] : [text];
    this.#length = text.length;
  }
}

export class CloudCodingRunRecorder {
  readonly #cap: number;
  readonly #tasks = new Map<string | undefined, TaskBuffer>();
  #threadId: string | undefined;
  #latestTask: string | undefined;
  #events = 0;
  #rawEvents = 0;
  #untaggedError = false;
  #outcome: CloudCodingOutcome | undefined;

  constructor(options: RunRecorderOptions = {}) {
    this.#cap = Math.max(1, options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS);
    for (const name of options.taskNames ?? []) this.#task(name);
  }

  apply(event: CloudCodingEvent): void {
    this.#events++;
    if (event.threadId) this.#threadId = event.threadId;
    const task = this.#task(event.taskName);
    task.events++;
    switch (event.kind) {
      case 'stdout':
        task.append(event.text);
        this.#latestTask = event.taskName;
        break;
      case 'update':
        if (event.text !== undefined) {
          task.lastMessage = event.text;
          this.#latestTask = event.taskName;
        }
        break;
      case 'error':
        task.error = task.error ? `${task.error}; ${event.message}` : event.message;
        if (event.taskName === undefined) this.#untaggedError = true;
        break;
      case 'end':
        if (event.taskName !== undefined) task.ended = true;
        break;
      case 'raw':
        this.#rawEvents++;
        break;
      default:
        break;
    }
  }

  /** Records how the stream ended; `snapshot()` then shows final statuses. */
  finish(outcome: CloudCodingOutcome): CloudCodingRunState {
    this.#outcome = outcome;
    if (outcome.threadId) this.#threadId = outcome.threadId;
    return this.snapshot();
  }

  snapshot(): CloudCodingRunState {
    const outcome = this.#outcome;
    const tasks = [...this.#tasks.values()]
      // The untagged entry exists for bookkeeping; show it only when it holds something or is the only one.
      .filter((task) => task.name !== undefined || this.#tasks.size === 1 || hasContent(task))
      .map((task) => ({
        name: task.name,
        status: this.#taskStatus(task, outcome),
        output: task.output,
        omittedChars: task.omitted,
        lastMessage: task.lastMessage,
        error: task.error,
        events: task.events,
      }));
    return {
      status: outcome?.status ?? 'running',
      reason: outcome && outcome.status !== 'completed' ? outcome.reason : undefined,
      threadId: this.#threadId,
      tasks,
      latestTask: this.#latestTask,
      events: this.#events,
      rawEvents: this.#rawEvents,
    };
  }

  #taskStatus(task: TaskBuffer, outcome: CloudCodingOutcome | undefined): CloudCodingTaskStatus {
    if (task.error !== undefined) return outcome ? 'failed' : 'running';
    if (task.ended) return 'completed';
    if (!outcome) return 'running';
    // Errors that named other tasks do not fail this one.
    if (outcome.status === 'failed' && outcome.error.kind === 'agent-error' && !this.#untaggedError) {
      return 'completed';
    }
    return outcome.status;
  }

  #task(name: string | undefined): TaskBuffer {
    let task = this.#tasks.get(name);
    if (!task) {
      task = new TaskBuffer(name, this.#cap);
      this.#tasks.set(name, task);
    }
    return task;
  }
}

function hasContent(task: TaskBuffer): boolean {
  return task.output !== '' || task.lastMessage !== undefined || task.error !== undefined;
}

/**
 * All tasks' output as one text under `maxChars` (the App's result of a run): a single task's output as is; several
 * under `## <task>` headings, each task cut to an equal share of the room, keeping its newest text.
 */
export function combinedOutput(state: CloudCodingRunState, maxChars = DEFAULT_MAX_OUTPUT_CHARS): string {
  const tasks = state.tasks.filter((task) => task.output !== '' || task.name !== undefined);
  if (tasks.length === 0) return '';
  const [only] = tasks;
  if (tasks.length === 1 && only !== undefined && only.name === undefined)
    return keepTail(only.output, maxChars);
  const share = Math.max(100, Math.floor(maxChars / tasks.length) - 50);
  const parts = tasks.map((task) => `## ${task.name ?? '(untagged)'}\n${keepTail(task.output, share)}`);
  return keepTail(parts.join('\n\n'), maxChars);
}

/** The newest `maxChars` characters of `text`, with a note that earlier ones were left out. */
export function keepTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = '[… earlier output omitted]\n';
  return `${note}${text.slice(text.length - Math.max(0, maxChars - note.length))}`;
}

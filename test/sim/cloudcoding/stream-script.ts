// What the simulated agent says: the events of one invocation, built from the request, its thread and the behaviour,
// and their framing as SSE text. Pure.
import type { InvocationBehaviour, ThreadMessage } from './types.js';

export interface SimTask {
  /** `''` for the single task of a `messages` run. */
  name: string;
  prompt: string;
}

export interface SimEvent {
  event: string;
  data: unknown;
}

export interface ScriptInput {
  repoUrl: string;
  branch: string | undefined;
  haiku: boolean;
  tasks: SimTask[];
  threadId: string;
  runId: string;
  /** Messages already on the thread before this invocation (empty for a new thread). */
  earlier: ThreadMessage[];
  behaviour: InvocationBehaviour;
}

/** The events in send order: metadata, the tasks' events interleaved round-robin, then `end`. */
export function buildEvents(input: ScriptInput): SimEvent[] {
  const { behaviour } = input;
  const parallel = input.tasks.length > 1 || input.tasks[0]?.name !== '';
  const perTask = input.tasks.map((task) => taskEvents(input, task, parallel));
  const events: SimEvent[] = [
    { event: 'metadata', data: { run_id: input.runId, thread_id: input.threadId } },
  ];
  for (let i = 0; perTask.some((list) => i < list.length); i++) {
    for (const list of perTask) {
      const event = list[i];
      if (event) events.push(event);
    }
  }
  const untaggedError = behaviour.errors?.[''];
  if (untaggedError !== undefined && parallel)
    events.push({ event: 'error', data: { message: untaggedError } });
  if (behaviour.endEvent !== false) events.push({ event: 'end', data: { thread_id: input.threadId } });
  return events;
}

function taskEvents(input: ScriptInput, task: SimTask, parallel: boolean): SimEvent[] {
  const { behaviour } = input;
  const tag = parallel ? { task_name: task.name } : {};
  const lines = behaviour.stdout?.[task.name] ?? defaultLines(input, task);
  const result = behaviour.result?.[task.name] ?? `Done: ${task.prompt}`;
  const events: SimEvent[] = [
    {
      event: 'updates',
      data: { ...tag, agent: { messages: [{ type: 'ai', content: `Working on: ${task.prompt}` }] } },
    },
    ...lines.map((line) => ({ event: 'custom', data: { ...tag, stdout: line } })),
  ];
  const error = behaviour.errors?.[task.name];
  if (error !== undefined) events.push({ event: 'error', data: { ...tag, message: error } });
  else
    events.push({
      event: 'updates',
      data: { ...tag, agent: { messages: [{ type: 'ai', content: result }] } },
    });
  return events;
}

function defaultLines(input: ScriptInput, task: SimTask): string[] {
  const lines = [
    `$ git clone ${input.repoUrl} --branch ${input.branch ?? 'main'}\n`,
    `model: ${input.haiku ? 'haiku' : 'default'}\n`,
  ];
  const earlierHuman = input.earlier.filter((m) => m.role === 'human');
  if (earlierHuman.length > 0) {
    lines.push(`Continuing thread ${input.threadId} (${input.earlier.length} earlier messages)\n`);
    for (const message of earlierHuman) lines.push(`  earlier: ${message.content}\n`);
  }
  lines.push(`Working on: ${task.prompt}\n`, '✓ checks passed\n');
  return lines;
}

/** One event as SSE text in the chosen framing. */
export function frameEvent(event: SimEvent, behaviour: InvocationBehaviour): string {
  const eol = behaviour.crlf ? '\r\n' : '\n';
  const comment = behaviour.comments ? `: keep-alive${eol}${eol}` : '';
  const body =
    behaviour.framing === 'sse'
      ? `event: ${event.event}${eol}data: ${JSON.stringify(event.data)}${eol}${eol}`
      : `data: ${JSON.stringify({ event: event.event, data: event.data })}${eol}${eol}`;
  return `${comment}${body}`;
}

/** The writes for one framed event under the behaviour's chunking. */
export function chunksOf(frame: string, chunking: InvocationBehaviour['chunking']): Buffer[] {
  const bytes = Buffer.from(frame, 'utf8');
  switch (chunking) {
    case 'bytes':
      return Array.from(bytes, (b) => Buffer.of(b));
    case 'split': {
      const multi = bytes.findIndex((b) => b >= 0xc0);
      const cut = multi >= 0 ? multi + 1 : Math.floor(bytes.length / 2);
      return [bytes.subarray(0, cut), bytes.subarray(cut)];
    }
    default:
      return [bytes];
  }
}

// The Cloud Coding API in the simulator (docs/cloud-coding.md): `POST /invoke/stdout` answered with
// Server-Sent Events.
// Single and parallel tasks (events interleaved round-robin, tagged with `task_name`), threads that carry a
// conversation across invocations, scripted output and faults (status answers, slow or awkwardly cut chunks, a
// mid-stream disconnect, a stall, a truncated event), and a record of every request for inspection.
import { randomUUID } from 'node:crypto';
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { SimExtension, SimExtensionContext, SimRequest } from '../types.js';
import { buildEvents, chunksOf, frameEvent, type SimTask } from './stream-script.js';
import {
  type CloudCodingSimControl,
  DEFAULT_CLOUDCODING_SIM_KEY,
  type InvocationBehaviour,
  type RecordedInvocation,
  type SimThread,
} from './types.js';

export const CLOUDCODING_EXTENSION_NAME = 'cloudcoding';
export const INVOKE_ROUTE = 'POST /invoke/stdout';

interface ValidBody {
  repo_url: string;
  github_token: string;
  tasks: SimTask[];
  branch: string | undefined;
  haiku: boolean;
  thread_id: string | undefined;
}

export interface CloudCodingExtension extends SimExtension {
  /** The same operations as `POST /_sim/ext/cloudcoding/<op>`, in-process. */
  simControl: CloudCodingSimControl;
  control(op: string, args: unknown[]): Promise<unknown>;
  /** Cuts every open stream. */
  close(): Promise<void>;
}

/** The extension factory for the simulator's `BUILT_IN_EXTENSIONS`. */
export function cloudCodingExtension(context: SimExtensionContext): CloudCodingExtension {
  let apiKeys = new Set([DEFAULT_CLOUDCODING_SIM_KEY]);
  let invocations: RecordedInvocation[] = [];
  let threads = new Map<string, SimThread>();
  let queue: InvocationBehaviour[] = [];
  let defaultBehaviour: InvocationBehaviour = {};
  const open = new Set<ServerResponse>();
  let seq = 0;

  const control: CloudCodingSimControl = {
    invocations: async () => structuredClone(invocations),
    threads: async () => structuredClone([...threads.values()]),
    thread: async (id) => structuredClone(threads.get(id)),
    queue: async (...behaviours) => {
      queue.push(...behaviours);
    },
    setDefault: async (behaviour) => {
      defaultBehaviour = behaviour;
    },
    setApiKeys: async (keys) => {
      apiKeys = new Set(keys);
    },
    reset: async () => {
      invocations = [];
      threads = new Map();
      queue = [];
      defaultBehaviour = {};
    },
  };

  const knownKey = (key: string | undefined) =>
    key !== undefined && (apiKeys.has(key) || context.planOf(key) !== undefined);

  async function handle(_route: string, req: SimRequest, res: ServerResponse): Promise<void> {
    const body = parseJson(req.rawBody);
    const record: RecordedInvocation = {
      seq: ++seq,
      at: new Date(context.now()).toISOString(),
      headers: flattenHeaders(req.headers),
      body,
      status: 0,
      events_sent: 0,
    };
    invocations.push(record);
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      record.ended = 'error';
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };

    const key = req.headers['x-api-key'];
    if (!knownKey(typeof key === 'string' ? key : undefined)) {
      answer(401, { detail: 'Invalid API key' });
      return;
    }
    const behaviour = queue.shift() ?? defaultBehaviour;
    if (behaviour.status !== undefined) {
      answer(behaviour.status, behaviour.body ?? { detail: STATUS_CODES[behaviour.status] ?? 'Error' }, {
        ...(behaviour.retryAfter !== undefined ? { 'retry-after': String(behaviour.retryAfter) } : {}),
      });
      return;
    }
    const valid = validate(body);
    if ('detail' in valid) {
      answer(422, valid);
      return;
    }

    let thread: SimThread;
    if (valid.thread_id !== undefined) {
      const found = threads.get(valid.thread_id);
      if (!found) {
        answer(404, { detail: `Thread '${valid.thread_id}' not found` });
        return;
      }
      thread = found;
    } else {
      thread = { id: `thread_${randomUUID()}`, messages: [], invocations: 0 };
      threads.set(thread.id, thread);
    }
    const earlier = structuredClone(thread.messages);
    thread.invocations++;
    for (const task of valid.tasks) {
      thread.messages.push({
        role: 'human',
        content: task.prompt,
        ...(task.name ? { task_name: task.name } : {}),
      });
    }
    record.thread_id = thread.id;

    const events = buildEvents({
      repoUrl: valid.repo_url,
      branch: valid.branch,
      haiku: valid.haiku,
      tasks: valid.tasks,
      threadId: thread.id,
      runId: `run_${randomUUID()}`,
      earlier,
      behaviour,
    });
    for (const task of valid.tasks) {
      if (behaviour.errors?.[task.name] !== undefined) continue;
      const content = behaviour.result?.[task.name] ?? `Done: ${task.prompt}`;
      thread.messages.push({ role: 'ai', content, ...(task.name ? { task_name: task.name } : {}) });
    }

    record.status = 200;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    open.add(res);
    let clientClosed = false;
    res.once('close', () => {
      clientClosed = true;
    });
    try {
      record.ended = await writeEvents(res, events, behaviour, record, () => clientClosed);
    } finally {
      open.delete(res);
    }
  }

  const operations: Record<string, (args: unknown[]) => Promise<unknown>> = {
    invocations: () => control.invocations(),
    threads: () => control.threads(),
    thread: (args) => control.thread(String(args[0])),
    queue: (args) => control.queue(...(args as InvocationBehaviour[])),
    setDefault: (args) => control.setDefault((args[0] ?? {}) as InvocationBehaviour),
    setApiKeys: (args) => control.setApiKeys((args[0] ?? []) as string[]),
    reset: () => control.reset(),
  };

  return {
    name: CLOUDCODING_EXTENSION_NAME,
    routes: [INVOKE_ROUTE],
    handle,
    simControl: control,
    async control(op, args) {
      const operation = operations[op];
      if (!operation) throw new Error(`unknown cloudcoding control operation '${op}'`);
      return operation(args);
    },
    reset() {
      void control.reset();
    },
    async close() {
      for (const res of open) res.destroy();
      open.clear();
    },
  };
}

async function writeEvents(
  res: ServerResponse,
  events: ReturnType<typeof buildEvents>,
  behaviour: InvocationBehaviour,
  record: RecordedInvocation,
  clientClosed: () => boolean,
): Promise<NonNullable<RecordedInvocation['ended']>> {
  const pause = () => (behaviour.delayMs ? sleep(behaviour.delayMs) : Promise.resolve());
  const frames = events.map((event) => frameEvent(event, behaviour));
  const faulty =
    behaviour.disconnectAfter !== undefined ||
    behaviour.stallAfter !== undefined ||
    behaviour.truncateAfter !== undefined;
  if (behaviour.chunking === 'whole' && !faulty) {
    await pause();
    res.end(frames.join(''));
    record.events_sent = frames.length;
    return 'completed';
  }
  for (const [index, frame] of frames.entries()) {
    if (clientClosed() || res.destroyed) return 'client-closed';
    if (behaviour.disconnectAfter !== undefined && index >= behaviour.disconnectAfter) {
      res.socket?.destroy();
      return 'disconnected';
    }
    if (behaviour.stallAfter !== undefined && index >= behaviour.stallAfter) {
      await new Promise<void>((resolve) => res.once('close', () => resolve()));
      return 'stalled';
    }
    if (behaviour.truncateAfter !== undefined && index >= behaviour.truncateAfter) {
      const bytes = Buffer.from(frame, 'utf8');
      res.end(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return 'truncated';
    }
    for (const chunk of chunksOf(frame, behaviour.chunking)) {
      await pause();
      if (clientClosed() || res.destroyed) return 'client-closed';
      // Wait until the bytes are handed to the socket, so a fault that follows cannot swallow them.
      await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    }
    record.events_sent = index + 1;
  }
  res.end();
  return 'completed';
}

function validate(body: unknown): ValidBody | { detail: Array<{ loc: string[]; msg: string }> } {
  const problems: Array<{ loc: string[]; msg: string }> = [];
  const problem = (field: string, msg: string) => problems.push({ loc: ['body', field], msg });
  if (typeof body !== 'object' || body === null)
    return { detail: [{ loc: ['body'], msg: 'a JSON object is required' }] };
  const b = body as Record<string, unknown>;
  if (typeof b.repo_url !== 'string' || b.repo_url === '') problem('repo_url', 'field required');
  if (typeof b.github_token !== 'string' || b.github_token === '') problem('github_token', 'field required');
  const tasks: SimTask[] = [];
  if (Array.isArray(b.messages) === Array.isArray(b.parallel_tasks)) {
    problem('messages', 'provide either messages or parallel_tasks');
  } else if (Array.isArray(b.messages)) {
    const contents = b.messages
      .filter((m): m is { type: string; content: string } => typeof m === 'object' && m !== null)
      .filter((m) => m.type === 'human' && typeof m.content === 'string');
    if (contents.length === 0) problem('messages', 'at least one human message is required');
    else tasks.push({ name: '', prompt: contents.map((m) => m.content).join('\n') });
  } else if (Array.isArray(b.parallel_tasks)) {
    for (const [i, t] of b.parallel_tasks.entries()) {
      const task = t as Record<string, unknown>;
      if (typeof task?.prompt !== 'string' || typeof task.task_name !== 'string' || task.task_name === '') {
        problem(`parallel_tasks.${i}`, 'prompt and task_name are required');
      } else tasks.push({ name: task.task_name, prompt: task.prompt });
    }
    if (tasks.length === 0 && problems.length === 0)
      problem('parallel_tasks', 'at least one task is required');
  }
  if (b.branch !== undefined && typeof b.branch !== 'string') problem('branch', 'must be a string');
  if (b.haiku !== undefined && typeof b.haiku !== 'boolean') problem('haiku', 'must be a boolean');
  if (b.thread_id !== undefined && typeof b.thread_id !== 'string') problem('thread_id', 'must be a string');
  if (problems.length > 0) return { detail: problems };
  return {
    repo_url: b.repo_url as string,
    github_token: b.github_token as string,
    tasks,
    branch: b.branch as string | undefined,
    haiku: b.haiku === true,
    thread_id: b.thread_id as string | undefined,
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flattenHeaders(headers: SimRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

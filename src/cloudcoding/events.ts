/**
 * What the Cloud Coding stream's events mean to us. The API's documentation shows `updates` and `custom` events
 * and leave the fields open, and they show two framings, so both are accepted:
 *
 * - SSE framing: `event: custom` + `data: {"task_name": "testing", "stdout": "…"}`;
 * - envelope framing (the documentation's example, and its sample reader that only looks at `data:` lines):
 *   `data: {"event": "custom", "data": {"task_name": "testing", "stdout": "…"}}`.
 *
 * An event name may carry a LangGraph-style namespace suffix (`custom|tasks:abc`): the part before `|` counts.
 * Understood, by event name:
 * - `custom`: `stdout` (string) is tool output → `stdout`; `stderr` (string) is appended to it; `task_name` tags it.
 *   A JSON string as the whole payload is stdout too. Anything else is kept as `custom` with its data.
 * - `updates`: kept as `update` with its data; `text` is the content of the last message found in a `messages`
 *   list (content as a string, or a list of `{type: "text", text}` parts), the agent's latest words.
 * - `metadata`: `thread_id`, `run_id`.
 * - `error`: `message`, `error` or `detail` (string), or the payload text → `error` (a failed run, or a failed task
 *   when it carries `task_name`).
 * - `end`, `done`, `complete`, `completed`, or a payload of `[DONE]` → `end`.
 * - No event name (or `message`) but a JSON object with a `stdout` string: read as `custom`.
 * - Any other event name, or a payload that is not JSON where JSON was needed, is kept as `raw` text: never a failure.
 *
 * A thread id is taken from wherever it appears: `thread_id` (or `threadId`) at the top of the payload, inside its
 * `data`, `metadata`, `configurable` or `config` objects (nested up to 4 deep), or the response's `x-thread-id`
 * header (read by the client).
 */
import { z } from 'zod';
import type { SseMessage } from './sse-reader.js';

interface EventBase {
  /** The thread id this event carries, if any. */
  threadId: string | undefined;
  /** The `task_name` it is tagged with (parallel runs), if any. */
  taskName: string | undefined;
}

export type CloudCodingEvent =
  | (EventBase & { kind: 'stdout'; text: string })
  | (EventBase & { kind: 'update'; data: unknown; text: string | undefined })
  | (EventBase & { kind: 'custom'; data: unknown })
  | (EventBase & { kind: 'metadata'; runId: string | undefined; data: unknown })
  | (EventBase & { kind: 'error'; message: string; data: unknown })
  | (EventBase & { kind: 'end'; data: unknown })
  | (EventBase & { kind: 'raw'; event: string | undefined; data: string });

/** `{event, data}`: the envelope framing. */
const Envelope = z.object({ event: z.string(), data: z.unknown() }).strict();

const CustomPayload = z.looseObject({
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  task_name: z.string().optional(),
});

const ErrorPayload = z.looseObject({
  message: z.string().optional(),
  error: z.union([z.string(), z.looseObject({ message: z.string().optional() })]).optional(),
  detail: z.string().optional(),
});

const MessagePart = z.looseObject({ type: z.string().optional(), text: z.string().optional() });
const ChatMessage = z.looseObject({ content: z.union([z.string(), z.array(MessagePart)]) });

const END_EVENTS = new Set(['end', 'done', 'complete', 'completed']);
const MAX_SEARCH_DEPTH = 4;

/** Interprets one SSE message. Never throws: what it does not understand comes back as `raw`. */
export function interpretSseMessage(message: SseMessage): CloudCodingEvent {
  const json = parseJson(message.data);
  let name = baseName(message.event);
  let payload: unknown = json.ok ? json.value : undefined;

  if (json.ok) {
    const envelope = Envelope.safeParse(json.value);
    if (
      envelope.success &&
      (name === undefined || name === 'message' || name === baseName(envelope.data.event))
    ) {
      name = baseName(envelope.data.event);
      payload = envelope.data.data;
    }
  }
  // No event name, but a payload with `stdout`: tool output all the same.
  if ((name === undefined || name === 'message') && isRecord(payload) && typeof payload.stdout === 'string') {
    name = 'custom';
  }
  if (message.data.trim() === '[DONE]') return { kind: 'end', data: '[DONE]', ...tags(undefined) };

  const base = tags(payload);
  switch (name) {
    case 'custom': {
      if (!json.ok) return { kind: 'stdout', text: message.data, ...base };
      if (typeof payload === 'string') return { kind: 'stdout', text: payload, ...base };
      const custom = CustomPayload.safeParse(payload);
      if (custom.success && (custom.data.stdout !== undefined || custom.data.stderr !== undefined)) {
        return { kind: 'stdout', text: `${custom.data.stdout ?? ''}${custom.data.stderr ?? ''}`, ...base };
      }
      return { kind: 'custom', data: payload, ...base };
    }
    case 'updates':
      if (!json.ok) break;
      return { kind: 'update', data: payload, text: latestMessageText(payload, 0), ...base };
    case 'metadata':
      if (!json.ok) break;
      return { kind: 'metadata', runId: findString(payload, ['run_id', 'runId'], 0), data: payload, ...base };
    case 'error':
      return {
        kind: 'error',
        message: errorMessage(json.ok ? payload : message.data),
        data: payload,
        ...base,
      };
    default:
      if (name !== undefined && END_EVENTS.has(name)) return { kind: 'end', data: payload, ...base };
  }
  return { kind: 'raw', event: message.event, data: message.data, ...base };
}

function baseName(event: string | undefined): string | undefined {
  if (event === undefined) return undefined;
  const name = event.split('|')[0]?.trim().toLowerCase();
  return name === '' ? undefined : name;
}

function tags(payload: unknown): EventBase {
  return {
    threadId: findThreadId(payload),
    taskName: isRecord(payload) && typeof payload.task_name === 'string' ? payload.task_name : undefined,
  };
}

/** `thread_id`/`threadId` at the top of a payload or in its `data`, `metadata`, `configurable` or `config` objects. */
function findThreadId(payload: unknown): string | undefined {
  return findString(payload, ['thread_id', 'threadId'], 0);
}

function findString(value: unknown, keys: readonly string[], depth: number): string | undefined {
  if (!isRecord(value) || depth > MAX_SEARCH_DEPTH) return undefined;
  for (const key of keys) {
    const found = value[key];
    if (typeof found === 'string' && found !== '') return found;
  }
  for (const nested of ['data', 'metadata', 'configurable', 'config']) {
    const found = findString(value[nested], keys, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The content of the last message of the first `messages` list found (depth-limited). */
function latestMessageText(value: unknown, depth: number): string | undefined {
  if (depth > MAX_SEARCH_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const text = latestMessageText(value[i], depth + 1);
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (Array.isArray(value.messages)) {
    for (let i = value.messages.length - 1; i >= 0; i--) {
      const message = ChatMessage.safeParse(value.messages[i]);
      if (!message.success) continue;
      const { content } = message.data;
      const text =
        typeof content === 'string'
          ? content
          : content
              .filter((part) => part.type === undefined || part.type === 'text')
              .map((part) => part.text ?? '')
              .join('');
      if (text.trim() !== '') return text;
    }
  }
  for (const nested of Object.values(value)) {
    if (typeof nested !== 'object' || nested === null) continue;
    const text = latestMessageText(nested, depth + 1);
    if (text !== undefined) return text;
  }
  return undefined;
}

function errorMessage(payload: unknown): string {
  if (typeof payload === 'string') return payload.trim() || 'the agent reported an error';
  const parsed = ErrorPayload.safeParse(payload);
  if (parsed.success) {
    const { message, error, detail } = parsed.data;
    const fromError = typeof error === 'string' ? error : error?.message;
    const text = message ?? fromError ?? detail;
    if (text !== undefined && text.trim() !== '') return text;
  }
  return payload === undefined ? 'the agent reported an error' : JSON.stringify(payload);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

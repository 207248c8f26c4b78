// The Cloud Coding simulator's public types: what an invocation does (script and faults), what it records, and the
// control interface, implemented in-process and over HTTP (`POST /_sim/ext/cloudcoding/<op>`, JSON array of args).

/** Key `''` is the single task of a `messages` run (or untagged output); otherwise a `task_name`. */
export type PerTask<T> = Record<string, T>;

/**
 * What the next invocation does. Every field is optional: the default is a quick successful run that prints a few
 * lines per task (interleaved across parallel tasks), sends the agent's final message as an `updates` event and ends
 * with an `end` event.
 */
export interface InvocationBehaviour {
  /** Answer with this HTTP status instead of a stream (e.g. 401, 429, 500, 503). */
  status?: number;
  /** The JSON body for `status` (default `{ "detail": <reason phrase> }`). */
  body?: unknown;
  /** `Retry-After` (seconds) with `status`. */
  retryAfter?: number;
  /**
   * `envelope` (default): `data: {"event": "custom", "data": {…}}`, as the API's documentation shows.
   * `sse`: `event: custom` + `data: {…}`.
   */
  framing?: 'envelope' | 'sse';
  /** Stdout lines per task, replacing the generated ones (each becomes one `custom` event). */
  stdout?: PerTask<string[]>;
  /** The agent's final message per task (default `Done: <prompt>`). */
  result?: PerTask<string>;
  /** Send an `error` event for these tasks after their output (key `''`: an untagged error). */
  errors?: PerTask<string>;
  /**
   * How the bytes are cut into writes: `events` (default, one write per event), `bytes` (one byte per write),
   * `split` (each event cut in two, inside a multi-byte character when it has one, else mid-data), `whole` (one
   * write for the whole stream).
   */
  chunking?: 'events' | 'bytes' | 'split' | 'whole';
  /** Real milliseconds between writes (slow chunks). */
  delayMs?: number;
  /** CRLF line ends instead of LF. */
  crlf?: boolean;
  /** A `: keep-alive` comment before every event. */
  comments?: boolean;
  /** Send the final `end` event (default true). */
  endEvent?: boolean;
  /** Destroy the connection after this many events (a mid-stream disconnect). */
  disconnectAfter?: number;
  /** After this many events, send nothing more and hold the connection open (for idle time-outs). */
  stallAfter?: number;
  /** After this many events, send half of the next one and end the response cleanly. */
  truncateAfter?: number;
}

export interface ThreadMessage {
  role: 'human' | 'ai';
  content: string;
  task_name?: string;
}

export interface SimThread {
  id: string;
  messages: ThreadMessage[];
  /** Invocations on this thread (1 for a new one). */
  invocations: number;
}

export interface RecordedInvocation {
  seq: number;
  at: string;
  /** Lower-case header names; `x-api-key` as sent. */
  headers: Record<string, string>;
  /** The parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
  status: number;
  /** The thread this invocation ran on (new or continued); undefined when it was refused. */
  thread_id?: string;
  /** Events written before the stream ended. */
  events_sent: number;
  /** How the answer ended: `error` (a status answer), `completed`, `disconnected`, `stalled`, `truncated`, `client-closed`. */
  ended?: 'error' | 'completed' | 'disconnected' | 'stalled' | 'truncated' | 'client-closed';
}

export interface CloudCodingSimControl {
  invocations(): Promise<RecordedInvocation[]>;
  threads(): Promise<SimThread[]>;
  thread(id: string): Promise<SimThread | undefined>;
  /** Behaviours for the next invocations, first in first out. */
  queue(...behaviours: InvocationBehaviour[]): Promise<void>;
  /** The behaviour used when the queue is empty. */
  setDefault(behaviour: InvocationBehaviour): Promise<void>;
  /** Replaces the accepted `x-api-key` values (keys the codecloud simulator knows are accepted too). */
  setApiKeys(keys: string[]): Promise<void>;
  /** Forgets invocations, threads, queued behaviours and the default (keys stay). */
  reset(): Promise<void>;
}

export const CLOUDCODING_CONTROL_OPERATIONS: ReadonlyArray<keyof CloudCodingSimControl> = [
  'invocations',
  'threads',
  'thread',
  'queue',
  'setDefault',
  'setApiKeys',
  'reset',
];

export const DEFAULT_CLOUDCODING_SIM_KEY = 'cc-test-key';

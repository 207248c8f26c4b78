/**
 * Typed client of the Cloud Coding streaming API (docs/cloud-coding.md): `POST /invoke/stdout` with
 * `x-api-key`, answered with Server-Sent Events. `invoke()` validates the body (nothing is sent when it is invalid),
 * opens the stream and hands back the events as they arrive plus a final outcome that says how the run ended:
 * `completed`, `failed` (with the reason), `disconnected` (the stream was lost: the agent may still be working, but
 * we cannot know) or `cancelled`. Reading never throws for an API or transport problem; the outcome carries it.
 *
 * Invoking starts an agent that pushes code, so it is not idempotent and is never retried blindly: only a refused
 * connection (the request never arrived) or a 429 (the API refused it) is tried again, with full-jitter back-off
 * that honours `Retry-After`.
 */
import type { z } from 'zod';
import { describeCause, messageOf } from '../error-messages.js';
import {
  type ApiClientOptions,
  type ApiClientSettings,
  apiClientSettings,
} from '../http/api-client-options.js';
import { nextRetryDelay, parseRetryAfter, type RetryBudget } from '../http/backoff.js';
import { redactSecrets } from '../redact.js';
import { describeZodIssues } from '../validation-error.js';
import { CloudCodingError, describeErrorBody } from './errors.js';
import { type CloudCodingEvent, interpretSseMessage } from './events.js';
import { CloudCodingRequest } from './request-schema.js';
import { describeAbortReason, readSse, type SseStreamEnd } from './sse-reader.js';

export const DEFAULT_CLOUDCODING_API_URL = 'https://api.cloudcoding.ai';
export const INVOKE_PATH = '/invoke/stdout';

export interface CloudCodingClientOptions extends ApiClientOptions {
  /** Default `https://api.cloudcoding.ai`. */
  baseUrl?: string | undefined;
  /** Time allowed until the response headers arrive (default 30 s). */
  connectTimeoutMs?: number;
  /** Longest silence allowed on an open stream, comments included (default 10 min). */
  idleTimeoutMs?: number;
  /** When true, a stream that closes without an `end`/`done` event is `disconnected` (default false: see docs/cloud-coding.md). */
  requireEndEvent?: boolean;
  /** Tries after the first, for a refused connection or a 429 only (default 2). */
  retries?: number;
  onRetry?: (notice: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface InvokeOptions {
  /** Aborting ends the stream; the outcome is then `cancelled` with the abort reason. */
  signal?: AbortSignal | undefined;
  /** Called once the API accepted the request (2xx, headers in), before any event: the agent is starting. */
  onOpen?: ((info: { status: number; threadId: string | undefined }) => void) | undefined;
}

interface OutcomeBase {
  /** The thread id, wherever it appeared (response header or any event); pass it back as `thread_id` to continue. */
  threadId: string | undefined;
  /** Events received. */
  events: number;
}

export type CloudCodingOutcome =
  | (OutcomeBase & {
      status: 'completed';
      /** Whether the stream sent an explicit `end`/`done` event (else it closed cleanly after its last event). */
      endEvent: boolean;
    })
  | (OutcomeBase & {
      status: 'failed' | 'disconnected' | 'cancelled';
      /** One line for people: `Cloud Coding API 401: Invalid API key`. Never holds the API key or GitHub token. */
      reason: string;
      error: CloudCodingError;
    });

export type CloudCodingStatus = CloudCodingOutcome['status'];

/** One invocation: iterate it for the events (once), then read `outcome`; or call `done()` to skip the events. */
export interface CloudCodingInvocation extends AsyncIterable<CloudCodingEvent> {
  /** Settles when the stream is over (never rejects). */
  readonly outcome: Promise<CloudCodingOutcome>;
  /** Reads what is left of the stream, discarding the events, and returns the outcome. */
  done(): Promise<CloudCodingOutcome>;
}

export class CloudCodingClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #requireEndEvent: boolean;
  readonly #retry: RetryBudget;
  readonly #sleep: ApiClientSettings['sleep'];
  readonly #now: () => number;
  readonly #onRetry: CloudCodingClientOptions['onRetry'];
  readonly #userAgent: string;

  constructor(options: CloudCodingClientOptions) {
    const settings = apiClientSettings(options, {
      baseUrl: DEFAULT_CLOUDCODING_API_URL,
      retries: 2,
      missingKeyMessage: 'Cloud Coding client: an API key is required (CLOUDCODING_API_KEY)',
    });
    this.baseUrl = settings.baseUrl;
    this.#apiKey = settings.apiKey;
    this.#fetch = settings.fetch;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
    this.#requireEndEvent = options.requireEndEvent ?? false;
    this.#retry = settings.retry;
    this.#sleep = settings.sleep;
    this.#now = settings.now;
    this.#onRetry = options.onRetry;
    this.#userAgent = settings.userAgent;
  }

  /**
   * `POST /invoke/stdout`. Throws `CloudCodingError` (kind `invalid-request`) at once when the body is invalid,
   * naming the field; everything after that is reported through the invocation's outcome.
   */
  invoke(request: z.input<typeof CloudCodingRequest>, options: InvokeOptions = {}): CloudCodingInvocation {
    const parsed = CloudCodingRequest.safeParse(request, { reportInput: true });
    const secrets = [
      this.#apiKey,
      typeof request.github_token === 'string' ? request.github_token : undefined,
    ];
    if (!parsed.success) {
      const details = describeZodIssues(parsed.error, { showsInput: (path) => path !== 'github_token' });
      throw new CloudCodingError(
        'invalid-request',
        redactSecrets(`Invalid Cloud Coding request: ${details}`, secrets),
      );
    }
    return new Invocation((state) => this.#run(parsed.data, options, state, secrets));
  }

  async *#run(
    body: CloudCodingRequest,
    options: InvokeOptions,
    state: RunState,
    secrets: ReadonlyArray<string | undefined>,
  ): AsyncGenerator<CloudCodingEvent, void, undefined> {
    const redact = (text: string) => redactSecrets(text, secrets);
    const callerSignal = options.signal;
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let finished = false;
    try {
      const opened = await this.#open(body, controller, redact);
      if ('failure' in opened) {
        state.fail(opened.failure);
        return;
      }
      const response = opened.response;
      state.noteThreadId(response.headers.get('x-thread-id') ?? undefined);

      const contentType = response.headers.get('content-type') ?? '';
      if (!response.body) {
        state.fail(new CloudCodingError('invalid-response', 'Cloud Coding API answered without a body'));
        return;
      }
      if (/json/i.test(contentType)) {
        const text = redact(await response.text().catch(() => ''));
        state.fail(
          new CloudCodingError(
            'invalid-response',
            `Cloud Coding API ${response.status} answered JSON instead of an event stream: ${describeErrorBody(text)}`,
            { status: response.status, body: text.slice(0, 500) },
          ),
        );
        return;
      }

      options.onOpen?.({ status: response.status, threadId: state.threadId });
      const stream = readSse(response.body, {
        idleTimeoutMs: this.#idleTimeoutMs,
        signal: controller.signal,
      });
      let end: SseStreamEnd | undefined;
      try {
        for (;;) {
          const next = await stream.next();
          if (next.done) {
            end = next.value;
            break;
          }
          const event = redactEvent(interpretSseMessage(next.value), redact);
          state.note(event);
          yield event;
        }
      } finally {
        // The consumer left early: close the reader too (it releases the body).
        if (end === undefined) await stream.return({ kind: 'aborted', reason: 'the reader stopped early' });
      }
      finished = true;
      state.finish(end, this.#requireEndEvent, redact);
    } catch (error) {
      finished = true;
      const detail = redact(messageOf(error));
      state.fail(new CloudCodingError('network', `Cloud Coding client error: ${detail}`));
    } finally {
      callerSignal?.removeEventListener('abort', onCallerAbort);
      if (!finished && !state.settled) {
        // The consumer stopped iterating (break/return) before the end.
        state.fail(
          new CloudCodingError('cancelled', 'Cloud Coding stream cancelled: the reader stopped early'),
        );
      }
      controller.abort();
    }
  }

  /** Sends the request; retries only what provably did not start an agent. */
  async #open(
    body: CloudCodingRequest,
    controller: AbortController,
    redact: (text: string) => string,
  ): Promise<{ response: Response } | { failure: CloudCodingError }> {
    const url = `${this.baseUrl}${INVOKE_PATH}`;
    for (let attempt = 0; ; attempt++) {
      if (controller.signal.aborted) return { failure: cancelled(controller.signal.reason) };
      const connectTimer = setTimeout(
        () => controller.abort(new ConnectTimeout(this.#connectTimeoutMs)),
        this.#connectTimeoutMs,
      );
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'text/event-stream',
            'x-api-key': this.#apiKey,
            'User-Agent': this.#userAgent,
          },
          body: JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (cause) {
        const reason = controller.signal.reason;
        if (reason instanceof ConnectTimeout) {
          return {
            failure: new CloudCodingError(
              'network',
              `Cloud Coding API did not answer within ${this.#connectTimeoutMs} ms (POST ${INVOKE_PATH})`,
            ),
          };
        }
        if (controller.signal.aborted) return { failure: cancelled(reason) };
        const detail = redact(describeCause(cause));
        const failure = new CloudCodingError('network', `Cloud Coding API unreachable: ${detail}`);
        const delayMs = /ECONNREFUSED/.test(detail)
          ? nextRetryDelay(attempt, undefined, this.#retry)
          : undefined;
        if (delayMs === undefined) return { failure };
        await this.#wait(attempt, delayMs, failure.message, controller.signal);
        continue;
      } finally {
        clearTimeout(connectTimer);
      }

      if (response.ok) return { response };
      const text = redact(await response.text().catch(() => ''));
      const failure = new CloudCodingError(
        'http',
        `Cloud Coding API ${response.status}: ${describeErrorBody(text)}`,
        { status: response.status, body: text.slice(0, 500) },
      );
      if (response.status !== 429) return { failure };
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      const delayMs = nextRetryDelay(attempt, retryAfterMs, this.#retry);
      if (delayMs === undefined) return { failure };
      await this.#wait(attempt, delayMs, failure.message, controller.signal);
    }
  }

  async #wait(attempt: number, delayMs: number, reason: string, signal: AbortSignal) {
    this.#onRetry?.({ attempt: attempt + 1, delayMs, reason });
    await this.#sleep(delayMs, signal);
  }
}

class ConnectTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function cancelled(reason: unknown): CloudCodingError {
  return new CloudCodingError('cancelled', `Cloud Coding run cancelled: ${describeAbortReason(reason)}`);
}

function redactEvent(event: CloudCodingEvent, redact: (text: string) => string): CloudCodingEvent {
  switch (event.kind) {
    case 'stdout':
      return { ...event, text: redact(event.text) };
    case 'raw':
      return { ...event, data: redact(event.data) };
    case 'update':
      return {
        ...event,
        data: redactData(event.data, redact),
        text: event.text === undefined ? undefined : redact(event.text),
      };
    case 'error':
      return { ...event, message: redact(event.message), data: redactData(event.data, redact) };
    default:
      return { ...event, data: redactData(event.data, redact) };
  }
}

/** Secrets and tokens hold no character JSON escapes, so masking the JSON text masks every string inside. */
function redactData(data: unknown, redact: (text: string) => string): unknown {
  if (data === undefined || data === null || typeof data === 'number' || typeof data === 'boolean')
    return data;
  const json = JSON.stringify(data);
  const masked = redact(json);
  return masked === json ? data : (JSON.parse(masked) as unknown);
}

/** What one invocation has seen so far; it settles the outcome exactly once. */
class RunState {
  threadId: string | undefined;
  events = 0;
  endEvent = false;
  errors: string[] = [];
  settled = false;
  readonly #resolve: (outcome: CloudCodingOutcome) => void;

  constructor(resolve: (outcome: CloudCodingOutcome) => void) {
    this.#resolve = resolve;
  }

  noteThreadId(id: string | undefined): void {
    if (id) this.threadId = id;
  }

  note(event: CloudCodingEvent): void {
    this.events++;
    this.noteThreadId(event.threadId);
    // A task's own end (tagged with `task_name`) is not the end of the stream.
    if (event.kind === 'end' && event.taskName === undefined) this.endEvent = true;
    if (event.kind === 'error') {
      this.errors.push(event.taskName ? `task '${event.taskName}': ${event.message}` : event.message);
    }
  }

  fail(error: CloudCodingError): CloudCodingOutcome {
    const status =
      error.kind === 'cancelled' ? 'cancelled' : error.kind === 'disconnected' ? 'disconnected' : 'failed';
    return this.#settle({
      status,
      reason: error.message,
      error,
      threadId: this.threadId,
      events: this.events,
    });
  }

  finish(end: SseStreamEnd, requireEndEvent: boolean, redact: (text: string) => string): CloudCodingOutcome {
    if (this.errors.length > 0) {
      return this.fail(
        new CloudCodingError('agent-error', `Cloud Coding agent error: ${this.errors.join('; ')}`),
      );
    }
    // After an explicit end event, whatever happens to the connection does not matter.
    if (this.endEvent) return this.#completed();
    switch (end.kind) {
      case 'ended':
        if (end.incomplete) {
          const cut = redact(end.incomplete.data.slice(0, 100));
          return this.#lost(`the stream stopped in the middle of an event ('${cut}')`);
        }
        if (this.events === 0) {
          return this.fail(
            new CloudCodingError(
              'invalid-response',
              'Cloud Coding API closed the stream without sending any event',
            ),
          );
        }
        if (requireEndEvent) return this.#lost('the stream closed without an end event');
        return this.#completed();
      case 'dropped':
        return this.#lost(`the connection dropped: ${redact(end.detail)}`);
      case 'idle-timeout':
        return this.#lost(`nothing received for ${end.idleMs} ms`);
      case 'protocol-error':
        return this.#lost(`unreadable event stream: ${end.detail}`);
      case 'aborted':
        return this.fail(
          new CloudCodingError('cancelled', `Cloud Coding run cancelled: ${redact(end.reason)}`),
        );
    }
  }

  #lost(why: string): CloudCodingOutcome {
    return this.fail(new CloudCodingError('disconnected', `Cloud Coding stream lost: ${why}`));
  }

  #completed(): CloudCodingOutcome {
    return this.#settle({
      status: 'completed',
      endEvent: this.endEvent,
      threadId: this.threadId,
      events: this.events,
    });
  }

  #settle(outcome: CloudCodingOutcome): CloudCodingOutcome {
    if (!this.settled) {
      this.settled = true;
      this.#resolve(outcome);
    }
    return outcome;
  }
}

class Invocation implements CloudCodingInvocation {
  readonly outcome: Promise<CloudCodingOutcome>;
  readonly #start: (state: RunState) => AsyncGenerator<CloudCodingEvent, void, undefined>;
  readonly #state: RunState;
  #started = false;

  constructor(start: (state: RunState) => AsyncGenerator<CloudCodingEvent, void, undefined>) {
    let resolve!: (outcome: CloudCodingOutcome) => void;
    this.outcome = new Promise((r) => {
      resolve = r;
    });
    this.#state = new RunState(resolve);
    this.#start = start;
  }

  [Symbol.asyncIterator](): AsyncIterator<CloudCodingEvent> {
    if (this.#started) throw new Error('Cloud Coding invocation: the events can be read only once');
    this.#started = true;
    return this.#start(this.#state);
  }

  async done(): Promise<CloudCodingOutcome> {
    if (!this.#started) for await (const _ of this) void _;
    return this.outcome;
  }
}

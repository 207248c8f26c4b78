/**
 * Typed client for the codecloud REST API v1 (its schemas are in `schemas.ts`). Bearer auth, a timeout on every
 * request, retries with full-jitter back-off that honour `Retry-After` for calls that are safe to repeat, and
 * look-up-before-resend for creates, which the API does not make idempotent.
 */
import type { z } from 'zod';
import { describeCause } from '../error-messages.js';
import {
  type ApiClientOptions,
  type ApiClientSettings,
  apiClientSettings,
} from '../http/api-client-options.js';
import { nextRetryDelay, parseRetryAfter, type RetryBudget, retryDelay } from '../http/backoff.js';
import { definedProps } from '../objects.js';
import { redactSecrets } from '../redact.js';
import { describeZodIssues } from '../validation-error.js';
import { answerMayBeLost, CodecloudError, isLimitAnswer } from './errors.js';
import {
  ApiErrorBody,
  type CreateAgentRunInput,
  CreateAgentRunRequest,
  CreateAgentRunResponse,
  type CreateScheduleInput,
  CreateScheduleRequest,
  CreateScheduleResponse,
  DeleteScheduleResponse,
  ListAgentRunsQuery,
  ListAgentRunsResponse,
  ListSchedulesQuery,
  ListSchedulesResponse,
  ModelsResponse,
  ProvidersResponse,
  ResumeAgentRunRequest,
  ResumeAgentRunResponse,
  type RunDetail,
  RunDetail as RunDetailSchema,
  ScheduleDetail,
  StopAgentRunResponse,
} from './schemas.js';

export const DEFAULT_CODECLOUD_API_URL = 'https://codecloud.dev';

export interface RetryNotice {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface CodecloudClientOptions extends ApiClientOptions {
  /** Default `https://codecloud.dev`. */
  baseUrl?: string | undefined;
  /** Per-request time limit (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt, for calls that are safe to repeat (default 3). */
  retries?: number;
  onRetry?: (notice: RetryNotice) => void;
}

/** A run created by `createRun`; `recovered` when the answer was lost and the run was found by look-up. */
export interface CreatedRun {
  id: string;
  title?: string | undefined;
  message: string;
  recovered: boolean;
}

export interface CreatedSchedule extends CreateScheduleResponse {
  recovered: boolean;
}

export interface CreateRunOptions {
  /** Aborts the create (and its look-up): the caller no longer waits, and nothing is sent again. */
  signal?: AbortSignal;
  /** Run ids the caller already owns (read at look-up time): a lost create's look-up never adopts one. */
  exclude?: ReadonlySet<string>;
}

/** What identifies the run a lost create made. `repo` is absent for blank-workspace runs. */
export interface LostCreateMatch {
  prompt: string;
  repo?: string | undefined;
  mode?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  /** When the create was sent (ms). */
  since: number;
  exclude?: ReadonlySet<string>;
}

export type LostCreateLookup =
  | { kind: 'found'; run: RunDetail }
  | { kind: 'none' }
  | { kind: 'ambiguous'; ids: string[] };

/** The match fields of a create request, as the API reports them back. */
export function lostCreateMatch(request: {
  prompt: string;
  repo?: string | undefined;
  blank_workspace?: boolean | undefined;
  mode?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
}): Omit<LostCreateMatch, 'since'> {
  return {
    prompt: request.prompt,
    // A blank-workspace run has no repo, whatever the request said (the API ignores it).
    repo: request.blank_workspace ? undefined : request.repo,
    mode: request.mode,
    model: request.model,
    provider: request.provider,
  };
}

/** A create's answer was lost and several runs look like the one it made: none is adopted, nothing is re-sent. */
export class LostCreateError extends Error {
  override readonly name = 'LostCreateError';
  constructor(readonly runIds: readonly string[]) {
    super(
      `The answer to creating the run was lost and ${runIds.length} runs match it (${runIds.join(', ')}); ` +
        'not adopting one of them nor sending the create again. Check these runs in the codecloud dashboard',
    );
  }
}

type Retry = 'safe' | 'never';

interface RequestOptions<T> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  headers?: Record<string, string>;
  retry: Retry;
  /** The caller's cancellation, on top of the per-request time-out. */
  signal?: AbortSignal;
  /** Told of every failed attempt, retried or not. */
  onAttemptFailed?: (error: CodecloudError) => void;
}

/** The most runs `GET /api/v1/agents` returns at once (it has no paging). */
const LIST_LIMIT = 100;
/** Run ids a client remembers having created (so a later lost create never adopts one of them). */
const MAX_CLAIMED = 1_000;

/** How far back a look-up searches for a create whose answer was lost (server clocks differ from ours). */
const LOOKUP_WINDOW_MS = 120_000;
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export class CodecloudClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retry: RetryBudget;
  readonly #sleep: ApiClientSettings['sleep'];
  readonly #now: () => number;
  readonly #onRetry: ((notice: RetryNotice) => void) | undefined;
  readonly #userAgent: string;
  readonly #claimed = new Set<string>();

  constructor(options: CodecloudClientOptions) {
    const settings = apiClientSettings(options, {
      baseUrl: DEFAULT_CODECLOUD_API_URL,
      retries: 3,
      missingKeyMessage: 'codecloud client: an API key is required',
    });
    this.baseUrl = settings.baseUrl;
    this.#apiKey = settings.apiKey;
    this.#fetch = settings.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = settings.retry;
    this.#sleep = settings.sleep;
    this.#now = settings.now;
    this.#onRetry = options.onRetry;
    this.#userAgent = settings.userAgent;
  }

  // ---- Agent runs ----

  /**
   * `POST /api/v1/agents`. Not retried blindly: when the answer is lost (no answer, time-out, 5xx) the recent runs
   * are searched for the one this request made (see {@link lookUpLostCreate}), and only when none is found is the
   * request sent again. When several runs match, the create fails with a {@link LostCreateError} naming them: it is
   * neither re-sent nor matched to a run that may belong to someone else.
   */
  async createRun(input: CreateAgentRunInput, options: CreateRunOptions = {}): Promise<CreatedRun> {
    const body = parseRequest(CreateAgentRunRequest, input, 'POST /api/v1/agents');
    const created = await this.#createWithLookup<CreatedRun>(
      async () => {
        const created = await this.#request(
          definedProps({
            method: 'POST',
            path: '/api/v1/agents',
            schema: CreateAgentRunResponse,
            body,
            retry: 'never',
            signal: options.signal,
          }),
        );
        return { id: created.id, title: created.title, message: created.message, recovered: false };
      },
      async (sentAt) => {
        const found = await this.lookUpLostCreate(
          definedProps({ ...lostCreateMatch(body), since: sentAt, exclude: options.exclude }),
        );
        if (found.kind === 'none') return undefined;
        if (found.kind === 'ambiguous') throw new LostCreateError(found.ids);
        return { id: found.run.id, title: found.run.title, message: 'Recovered by look-up', recovered: true };
      },
      options.signal,
    );
    this.#claim(created.id);
    return created;
  }

  /**
   * Looks for the run a create whose answer was lost may have made: created since `since` (ms, less a margin for
   * clock skew), with the same prompt, repo, mode, model and provider (every field the API reports back; it does
   * not report the branch), and not one this client already created or the caller lists in `exclude`. Searches the
   * newest 100 runs, the most the list endpoint returns (it has no paging).
   */
  async lookUpLostCreate(match: LostCreateMatch): Promise<LostCreateLookup> {
    const { runs } = await this.listRuns({ limit: LIST_LIMIT });
    const excluded = (id: string) => this.#claimed.has(id) || (match.exclude?.has(id) ?? false);
    const candidates = runs.filter(
      (run) =>
        !excluded(run.id) &&
        run.repo === match.repo &&
        Date.parse(run.createdAt) >= match.since - LOOKUP_WINDOW_MS &&
        sameWhenBothKnown(match.model, run.model) &&
        sameWhenBothKnown(match.provider, run.provider),
    );
    const found: RunDetail[] = [];
    for (const candidate of candidates) {
      const detail = await this.getRun(candidate.id);
      if (detail.prompt === match.prompt && sameWhenBothKnown(match.mode, detail.mode)) found.push(detail);
    }
    if (found.length === 0) return { kind: 'none' };
    if (found.length > 1) return { kind: 'ambiguous', ids: found.map((run) => run.id) };
    return { kind: 'found', run: found[0]! };
  }

  /** The one run {@link lookUpLostCreate} finds; `undefined` when none; throws {@link LostCreateError} when several. */
  async findRecentRun(match: LostCreateMatch): Promise<RunDetail | undefined> {
    const found = await this.lookUpLostCreate(match);
    if (found.kind === 'ambiguous') throw new LostCreateError(found.ids);
    return found.kind === 'found' ? found.run : undefined;
  }

  #claim(id: string): void {
    this.#claimed.add(id);
    // Only recent creates can be confused with a lost one: keep the set small in a long-running process.
    if (this.#claimed.size > MAX_CLAIMED) {
      const oldest = this.#claimed.values().next().value;
      if (oldest !== undefined) this.#claimed.delete(oldest);
    }
  }

  listRuns(query: ListAgentRunsQuery = {}): Promise<ListAgentRunsResponse> {
    const q = parseRequest(ListAgentRunsQuery, query, 'GET /api/v1/agents');
    return this.#request({
      method: 'GET',
      path: `/api/v1/agents${toQuery(q)}`,
      schema: ListAgentRunsResponse,
      retry: 'safe',
    });
  }

  getRun(id: string): Promise<RunDetail> {
    return this.#request({
      method: 'GET',
      path: `/api/v1/agents/run/${encodeURIComponent(id)}`,
      schema: RunDetailSchema,
      retry: 'safe',
    });
  }

  /**
   * `POST /api/v1/agents/run/{id}/message`. With an `idempotency_key` (sent in the body and as `Idempotency-Key`)
   * it is safe to repeat and is retried; without one it is sent once.
   */
  sendMessage(
    id: string,
    request: ResumeAgentRunRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResumeAgentRunResponse> {
    const body = parseRequest(ResumeAgentRunRequest, request, 'POST /api/v1/agents/run/{id}/message');
    const key = body.idempotency_key;
    return this.#request(
      definedProps({
        method: 'POST',
        path: `/api/v1/agents/run/${encodeURIComponent(id)}/message`,
        schema: ResumeAgentRunResponse,
        body,
        headers: key ? { 'Idempotency-Key': key } : undefined,
        signal: options.signal,
        retry: key ? 'safe' : 'never',
      }),
    );
  }

  /** `POST /api/v1/agents/run/{id}/stop`: stopping twice is harmless, so it is retried. */
  stopRun(id: string): Promise<StopAgentRunResponse> {
    return this.#request({
      method: 'POST',
      path: `/api/v1/agents/run/${encodeURIComponent(id)}/stop`,
      schema: StopAgentRunResponse,
      retry: 'safe',
    });
  }

  // ---- Schedules ----

  /** `POST /api/v1/schedules`, with the same look-up-before-resend as `createRun`. */
  async createSchedule(input: CreateScheduleInput): Promise<CreatedSchedule> {
    const body = parseRequest(CreateScheduleRequest, input, 'POST /api/v1/schedules');
    return this.#createWithLookup<CreatedSchedule>(
      async () => ({
        ...(await this.#request({
          method: 'POST',
          path: '/api/v1/schedules',
          schema: CreateScheduleResponse,
          body,
          retry: 'never',
        })),
        recovered: false,
      }),
      async (sentAt) => {
        const { schedules } = await this.listSchedules({ limit: 100, status: 'active' });
        const found = schedules.find(
          (s) =>
            s.prompt === body.prompt &&
            s.repo === body.repo &&
            s.type === body.type &&
            (s.cron ?? undefined) === body.cron &&
            Date.parse(s.created_at) >= sentAt - LOOKUP_WINDOW_MS,
        );
        if (!found) return undefined;
        return {
          id: found.id,
          type: found.type,
          status: 'active' as const,
          next_run_at: found.next_run_at ?? '',
          message: 'Recovered by look-up',
          recovered: true,
        };
      },
    );
  }

  listSchedules(query: ListSchedulesQuery = {}): Promise<ListSchedulesResponse> {
    const q = parseRequest(ListSchedulesQuery, query, 'GET /api/v1/schedules');
    return this.#request({
      method: 'GET',
      path: `/api/v1/schedules${toQuery(q)}`,
      schema: ListSchedulesResponse,
      retry: 'safe',
    });
  }

  getSchedule(id: string): Promise<ScheduleDetail> {
    return this.#request({
      method: 'GET',
      path: `/api/v1/schedules/${encodeURIComponent(id)}`,
      schema: ScheduleDetail,
      retry: 'safe',
    });
  }

  /** `DELETE /api/v1/schedules/{id}`; a 404 on a retry (the first attempt's answer was lost) counts as deleted. */
  async deleteSchedule(id: string): Promise<DeleteScheduleResponse> {
    const path = `/api/v1/schedules/${encodeURIComponent(id)}`;
    let lostAnswer = false;
    try {
      return await this.#request({
        method: 'DELETE',
        path,
        schema: DeleteScheduleResponse,
        retry: 'safe',
        onAttemptFailed: (error) => {
          if (answerMayBeLost(error)) lostAnswer = true;
        },
      });
    } catch (error) {
      if (lostAnswer && error instanceof CodecloudError && error.status === 404) {
        return { id, status: 'deleted', message: 'Schedule deleted (confirmed on retry)' };
      }
      throw error;
    }
  }

  // ---- Public endpoints ----

  listProviders(): Promise<ProvidersResponse> {
    return this.#request({
      method: 'GET',
      path: '/api/v1/providers',
      schema: ProvidersResponse,
      retry: 'safe',
    });
  }

  listModels(provider?: string): Promise<ModelsResponse> {
    return this.#request({
      method: 'GET',
      path: `/api/v1/models${provider ? toQuery({ provider }) : ''}`,
      schema: ModelsResponse,
      retry: 'safe',
    });
  }

  // ---- Transport ----

  async #createWithLookup<T>(
    send: () => Promise<T>,
    lookup: (sentAt: number) => Promise<T | undefined>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const sentAt = this.#now();
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof CodecloudError) || !answerMayBeLost(error) || signal?.aborted) throw error;
        // The look-up is a read, so a long Retry-After is not waited out in full: it is capped like any retry.
        const delayMs = Math.min(
          retryDelay(attempt, this.#retry.backoff, error.retryAfterMs, this.#retry.random),
          this.#retry.maxRetryAfterMs,
        );
        this.#onRetry?.({
          method: error.method,
          path: error.path,
          attempt: attempt + 1,
          delayMs,
          reason: `${error.message}; looking the run up before sending again`,
        });
        await this.#sleep(delayMs);
        if (signal?.aborted) throw error;
        let found: T | undefined;
        try {
          found = await lookup(sentAt);
        } catch (lookupError) {
          if (lookupError instanceof LostCreateError) throw lookupError;
          // The look-up failed too: we cannot know whether the create happened, so it is not sent again.
          throw error;
        }
        if (found !== undefined) return found;
        if (attempt >= this.#retry.retries || signal?.aborted) throw error;
      }
    }
  }

  async #request<T>(options: RequestOptions<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#send(options);
      } catch (error) {
        if (!(error instanceof CodecloudError)) throw error;
        options.onAttemptFailed?.(error);
        if (options.retry === 'never' || !error.retryable) throw error;
        const delayMs = nextRetryDelay(attempt, error.retryAfterMs, this.#retry);
        if (delayMs === undefined) throw error;
        this.#onRetry?.({
          method: options.method,
          path: options.path,
          attempt: attempt + 1,
          delayMs,
          reason: error.message,
        });
        await this.#sleep(delayMs);
      }
    }
  }

  async #send<T>(options: RequestOptions<T>): Promise<T> {
    const { method, path } = options;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
      ...options.headers,
      Authorization: `Bearer ${this.#apiKey}`,
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(this.#timeoutMs)])
          : AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      const cancelled = options.signal?.aborted === true;
      const timedOut =
        cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      throw new CodecloudError({
        kind: 'network',
        method,
        path,
        retryable: !cancelled,
        detail: cancelled
          ? 'cancelled before the answer arrived'
          : timedOut
            ? `no answer within ${this.#timeoutMs} ms`
            : `${this.#redact(describeCause(cause))} at ${safeBaseUrl(this.baseUrl)}`,
      });
    }

    if (!response.ok) {
      const parsed = ApiErrorBody.safeParse(safeJson(text));
      const apiMessage = parsed.success ? parsed.data.message : text.trim().slice(0, 200) || undefined;
      throw new CodecloudError({
        kind: 'http',
        method,
        path,
        status: response.status,
        error: parsed.success ? this.#redact(parsed.data.error) : undefined,
        apiMessage: apiMessage === undefined ? undefined : this.#redact(apiMessage),
        retryable: RETRYABLE_STATUSES.has(response.status),
        limitReached: isLimitAnswer(response.status, apiMessage),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#now()),
      });
    }

    const json = safeJson(text);
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      throw new CodecloudError({
        kind: 'invalid-response',
        method,
        path,
        status: response.status,
        retryable: false,
        detail: json === undefined ? 'not JSON' : describeZodIssues(parsed.error),
      });
    }
    return parsed.data;
  }

  #redact(text: string): string {
    return redactSecrets(text, [this.#apiKey]);
  }
}

function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid request for ${what}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

function toQuery(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The base URL as it can be shown: without user info, query or fragment. */
function safeBaseUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

/** Different only when both sides say: the API leaves out what was not set and may report its defaults. */
function sameWhenBothKnown(wanted: string | undefined, reported: string | undefined): boolean {
  return wanted === undefined || reported === undefined || wanted === reported;
}

// The codecloud REST API v1 (as documented, with schedules' `last_run_id`): route table and handlers returning answers.
import type { z } from 'zod';
import {
  CreateAgentRunRequest,
  CreateScheduleRequest,
  ResumeAgentRunRequest,
  RunStatus,
  ScheduleStatus,
} from '../../src/codecloud/schemas.js';
import { describeZodIssues } from '../../src/validation-error.js';
import { MODELS, MODELS_GENERATED_AT, PROVIDERS } from './catalog.js';
import { createRun, startFollowUp, stopRun } from './run-engine.js';
import { checkScheduleRequest, createSchedule, deleteSchedule } from './schedule-engine.js';
import type { ApiAnswer, SimState } from './sim-state.js';
import type { SimRouteId, SimRun, SimSchedule } from './types.js';

export interface ApiRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  params: Record<string, string>;
}

interface ApiRoute {
  id: SimRouteId;
  method: string;
  pattern: RegExp;
  /** Names of the pattern's groups, in order. */
  params: string[];
  public?: boolean;
  handle(state: SimState, request: ApiRequest, apiKey: string): ApiAnswer;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_LIST_LIMIT = 20;

export const error = (status: number, name: string, message: string, headers?: Record<string, string>) =>
  ({ status, body: { error: name, message }, ...(headers ? { headers } : {}) }) satisfies ApiAnswer;

const unauthorized = (): ApiAnswer => error(401, 'Unauthorized', 'Invalid or missing API key');
const validation = (message: string): ApiAnswer => error(400, 'Validation Error', message);

function limitReached(state: SimState, key: string): ApiAnswer {
  const plan = state.keys.get(key) ?? 'free';
  return error(
    429,
    'Too Many Requests',
    `Concurrent agent limit reached (${state.planLimits[plan]} for ${plan} plan)`,
    { 'retry-after': '30' },
  );
}

type Parsed<T> = { ok: true; value: T; raw: unknown } | { ok: false; answer: ApiAnswer };

function parseBody<S extends z.ZodType>(schema: S, rawBody: string): Parsed<z.output<S>> {
  let raw: unknown = {};
  if (rawBody.trim() !== '') {
    try {
      raw = JSON.parse(rawBody);
    } catch {
      return { ok: false, answer: validation('Invalid JSON body') };
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, answer: validation('Request body must be a JSON object') };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, answer: validation(describeZodIssues(parsed.error)) };
  return { ok: true, value: parsed.data, raw };
}

type ListQuery<S extends string> = { ok: true; limit: number; status?: S } | { ok: false; answer: ApiAnswer };

function parseListQuery<S extends string>(url: URL, statuses: readonly S[]): ListQuery<S> {
  const limitText = url.searchParams.get('limit');
  let limit = DEFAULT_LIST_LIMIT;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
      return {
        ok: false,
        answer: validation(`limit: limit must be an integer between 1 and 100, got ${limitText}`),
      };
    }
  }
  const status = url.searchParams.get('status');
  if (status === null) return { ok: true, limit };
  if (!(statuses as readonly string[]).includes(status)) {
    return {
      ok: false,
      answer: validation(`status: status must be one of ${statuses.join(', ')}, got ${status}`),
    };
  }
  return { ok: true, limit, status: status as S };
}

function findRun(state: SimState, id: string, apiKey: string): { run: SimRun } | { answer: ApiAnswer } {
  if (!RUN_ID.test(id)) return { answer: validation('Invalid run ID format') };
  const run = state.runs.get(id);
  if (!run || run.api_key !== apiKey) return { answer: error(404, 'Not Found', 'Run not found') };
  return { run };
}

function findSchedule(state: SimState, id: string, apiKey: string): SimSchedule | undefined {
  const schedule = state.schedules.get(id);
  return schedule && schedule.api_key === apiKey ? schedule : undefined;
}

export function runDetail(run: SimRun): Record<string, unknown> {
  const first = run.prs[0];
  return {
    id: run.id,
    title: run.title,
    status: run.status,
    mode: run.mode,
    model: run.model,
    provider: run.provider,
    ...(run.status === 'completed' && run.result !== undefined ? { result: run.result } : {}),
    ...(run.status === 'completed' && run.plan !== undefined ? { plan: run.plan } : {}),
    ...(run.status === 'failed' && run.error !== undefined ? { error: run.error } : {}),
    ...(run.repo !== undefined ? { repo: run.repo } : {}),
    prompt: run.prompt,
    ...(first ? { pr_url: first.url, pr_number: first.number } : {}),
    prs: run.prs.map((pr) => ({
      url: pr.url,
      number: pr.number,
      branch: pr.branch,
      repo: pr.repo,
      ...(pr.title !== undefined ? { title: pr.title } : {}),
    })),
    input_tokens: run.input_tokens,
    output_tokens: run.output_tokens,
    ...(run.schedule_id !== undefined ? { schedule_id: run.schedule_id } : {}),
    createdAt: run.created_at,
    ...(run.started_at !== undefined ? { startedAt: run.started_at } : {}),
    ...(run.completed_at !== undefined && (run.status === 'completed' || run.status === 'failed')
      ? { completedAt: run.completed_at }
      : {}),
  };
}

function runSummary(run: SimRun): Record<string, unknown> {
  return {
    id: run.id,
    title: run.title,
    status: run.status,
    model: run.model,
    provider: run.provider,
    ...(run.repo !== undefined ? { repo: run.repo } : {}),
    createdAt: run.created_at,
    ...(run.completed_at !== undefined && (run.status === 'completed' || run.status === 'failed')
      ? { completedAt: run.completed_at }
      : {}),
  };
}

function scheduleSummary(schedule: SimSchedule): Record<string, unknown> {
  return {
    id: schedule.id,
    type: schedule.type,
    status: schedule.status,
    prompt: schedule.prompt,
    ...(schedule.repo !== undefined ? { repo: schedule.repo } : {}),
    ...(schedule.cron !== undefined ? { cron: schedule.cron } : {}),
    ...(schedule.next_run_at !== undefined ? { next_run_at: schedule.next_run_at } : {}),
    total_runs: schedule.total_runs,
    total_skips: schedule.total_skips,
    ...(schedule.last_run_at !== undefined ? { last_run_at: schedule.last_run_at } : {}),
    created_at: schedule.created_at,
  };
}

const newestFirst = <T extends { created_at: string }>(items: Iterable<T>): T[] =>
  [...items].reverse().sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));

function headerValue(headers: ApiRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const API_ROUTES: ApiRoute[] = [
  {
    id: 'POST /api/v1/agents',
    method: 'POST',
    pattern: /^\/api\/v1\/agents$/,
    params: [],
    handle(state, request, apiKey) {
      const parsed = parseBody(CreateAgentRunRequest, request.rawBody);
      if (!parsed.ok) return parsed.answer;
      const body = parsed.value;
      if (!body.blank_workspace && body.repo === undefined) {
        return validation('repo: repo is required unless blank_workspace is true');
      }
      if (state.atLimit(apiKey)) return limitReached(state, apiKey);
      const run = createRun(state, apiKey, body, parsed.raw);
      return {
        status: 201,
        body: { id: run.id, title: run.title, status: 'queued', message: 'Agent run created successfully' },
      };
    },
  },
  {
    id: 'GET /api/v1/agents',
    method: 'GET',
    pattern: /^\/api\/v1\/agents$/,
    params: [],
    handle(state, request, apiKey) {
      const query = parseListQuery(request.url, RunStatus.options);
      if (!query.ok) return query.answer;
      const runs = newestFirst([...state.runs.values()].filter((run) => run.api_key === apiKey))
        .filter((run) => query.status === undefined || run.status === query.status)
        .slice(0, query.limit);
      return { status: 200, body: { runs: runs.map(runSummary) } };
    },
  },
  {
    id: 'GET /api/v1/agents/run/{id}',
    method: 'GET',
    pattern: /^\/api\/v1\/agents\/run\/([^/]+)$/,
    params: ['id'],
    handle(state, request, apiKey) {
      const found = findRun(state, request.params.id ?? '', apiKey);
      if ('answer' in found) return found.answer;
      return { status: 200, body: runDetail(found.run) };
    },
  },
  {
    id: 'POST /api/v1/agents/run/{id}/message',
    method: 'POST',
    pattern: /^\/api\/v1\/agents\/run\/([^/]+)\/message$/,
    params: ['id'],
    handle(state, request, apiKey) {
      const found = findRun(state, request.params.id ?? '', apiKey);
      if ('answer' in found) return found.answer;
      const parsed = parseBody(ResumeAgentRunRequest, request.rawBody);
      if (!parsed.ok) return parsed.answer;
      const body = parsed.value;
      const key = body.idempotency_key ?? headerValue(request.headers, 'idempotency-key');
      const scope = key === undefined ? undefined : `${apiKey}\u0000${key}`;
      if (scope !== undefined) {
        const earlier = state.recallIdempotent(scope);
        if (earlier) return earlier;
      }
      const { run } = found;
      if (run.status !== 'completed') {
        return error(
          400,
          'Bad Request',
          `Run must be completed to send a follow-up (current status: ${run.status})`,
        );
      }
      if (body.update_pr && (body.mode ?? run.mode) === 'plan') {
        return validation('update_pr: update_pr is only valid for execute mode');
      }
      if (state.atLimit(apiKey)) return limitReached(state, apiKey);
      startFollowUp(state, run, { ...body, ...(key !== undefined ? { idempotency_key: key } : {}) });
      const answer: ApiAnswer = {
        status: 200,
        body: { id: run.id, status: 'running', message: 'Follow-up scheduled' },
      };
      if (scope !== undefined) state.rememberIdempotent(scope, answer);
      return answer;
    },
  },
  {
    id: 'POST /api/v1/agents/run/{id}/stop',
    method: 'POST',
    pattern: /^\/api\/v1\/agents\/run\/([^/]+)\/stop$/,
    params: ['id'],
    handle(state, request, apiKey) {
      const found = findRun(state, request.params.id ?? '', apiKey);
      if ('answer' in found) return found.answer;
      const stop = stopRun(state, found.run);
      const stopped = stop.status_before === 'queued' || stop.status_before === 'running';
      return {
        status: 200,
        body: {
          id: found.run.id,
          status: found.run.status,
          message: stopped ? 'Run stopped' : `Run already ${found.run.status}`,
        },
      };
    },
  },
  {
    id: 'POST /api/v1/schedules',
    method: 'POST',
    pattern: /^\/api\/v1\/schedules$/,
    params: [],
    handle(state, request, apiKey) {
      const parsed = parseBody(CreateScheduleRequest, request.rawBody);
      if (!parsed.ok) return parsed.answer;
      const check = checkScheduleRequest(parsed.value, state.clock.now());
      if (!check.ok) return validation(check.message);
      if (state.keys.get(apiKey) === 'free') return error(403, 'Forbidden', 'Schedules require a paid plan');
      const schedule = createSchedule(state, apiKey, parsed.value, parsed.raw);
      return {
        status: 201,
        body: {
          id: schedule.id,
          type: schedule.type,
          status: 'active',
          next_run_at: schedule.next_run_at,
          message: 'Schedule created successfully',
        },
      };
    },
  },
  {
    id: 'GET /api/v1/schedules',
    method: 'GET',
    pattern: /^\/api\/v1\/schedules$/,
    params: [],
    handle(state, request, apiKey) {
      const query = parseListQuery(request.url, ScheduleStatus.options);
      if (!query.ok) return query.answer;
      const schedules = newestFirst([...state.schedules.values()].filter((s) => s.api_key === apiKey))
        .filter((s) => query.status === undefined || s.status === query.status)
        .slice(0, query.limit);
      return { status: 200, body: { schedules: schedules.map(scheduleSummary) } };
    },
  },
  {
    id: 'GET /api/v1/schedules/{id}',
    method: 'GET',
    pattern: /^\/api\/v1\/schedules\/([^/]+)$/,
    params: ['id'],
    handle(state, request, apiKey) {
      const schedule = findSchedule(state, request.params.id ?? '', apiKey);
      if (!schedule) return error(404, 'Not Found', 'Schedule not found');
      return {
        status: 200,
        body: {
          ...scheduleSummary(schedule),
          ...(schedule.last_run_id !== undefined ? { last_run_id: schedule.last_run_id } : {}),
        },
      };
    },
  },
  {
    id: 'DELETE /api/v1/schedules/{id}',
    method: 'DELETE',
    pattern: /^\/api\/v1\/schedules\/([^/]+)$/,
    params: ['id'],
    handle(state, request, apiKey) {
      const schedule = findSchedule(state, request.params.id ?? '', apiKey);
      if (!schedule || schedule.status === 'deleted') return error(404, 'Not Found', 'Schedule not found');
      deleteSchedule(state, schedule);
      return { status: 200, body: { id: schedule.id, status: 'deleted', message: 'Schedule deleted' } };
    },
  },
  {
    id: 'GET /api/v1/providers',
    method: 'GET',
    pattern: /^\/api\/v1\/providers$/,
    params: [],
    public: true,
    handle() {
      return { status: 200, body: { providers: PROVIDERS } };
    },
  },
  {
    id: 'GET /api/v1/models',
    method: 'GET',
    pattern: /^\/api\/v1\/models$/,
    params: [],
    public: true,
    handle(_state, request) {
      const provider = request.url.searchParams.get('provider');
      const models =
        provider === null
          ? MODELS
          : Object.fromEntries(Object.entries(MODELS).filter(([id]) => id === provider));
      return {
        status: 200,
        body: { generatedAt: MODELS_GENERATED_AT, source: 'https://models.dev', models },
      };
    },
  },
];

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface MatchedApiRoute {
  route: ApiRoute;
  params: Record<string, string>;
}

/** The route for a method and path; `methodMismatch` when the path exists under another method. */
export function matchApiRoute(
  method: string,
  path: string,
): { match: MatchedApiRoute } | { methodMismatch: true } | undefined {
  let pathKnown = false;
  for (const route of API_ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.params.forEach((name, index) => {
      params[name] = safeDecode(m[index + 1] ?? '');
    });
    return { match: { route, params } };
  }
  return pathKnown ? { methodMismatch: true } : undefined;
}

/** Bearer auth, then the handler. */
export function answerApi(state: SimState, matched: MatchedApiRoute, request: ApiRequest): ApiAnswer {
  let apiKey = '';
  if (!matched.route.public) {
    const auth = headerValue(request.headers, 'authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m || !state.keys.has(m[1]!)) return unauthorized();
    apiKey = m[1]!;
  }
  return matched.route.handle(state, { ...request, params: matched.params }, apiKey);
}

// The codecloud simulator: a real HTTP server on 127.0.0.1 serving the documented codecloud API v1,
// driven by per-run scripts on a controllable clock, with signed webhooks, schedules and fault injection.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiRequest, answerApi, error, matchApiRoute } from './api-routes.js';
import { handleControl } from './control-routes.js';
import { BUILT_IN_EXTENSIONS } from './extensions.js';
import { type ActiveRouteFault, FaultBook } from './faults.js';
import { parseApiKeys, parseRunScript } from './input-schemas.js';
import { SimClock } from './sim-clock.js';
import { createControl } from './sim-control.js';
import { type ApiAnswer, SimState } from './sim-state.js';
import type {
  RecordedRequest,
  SimExtension,
  SimExtensionContext,
  SimPlan,
  SimRouteId,
  Simulator,
  SimulatorOptions,
  WebhookAttempt,
} from './types.js';
import { WebhookSender } from './webhook-delivery.js';

export type * from './types.js';

export const DEFAULT_API_KEY = 'test-key';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, answer: ApiAnswer): void {
  if (res.destroyed || res.headersSent) return;
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(answer.headers ?? {}),
  });
  res.end(body);
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseMaybeJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function faultAnswer(fault: ActiveRouteFault): ApiAnswer {
  const status = fault.status ?? 500;
  return {
    status,
    body: fault.body ?? { error: REASONS[status] ?? 'Error', message: 'Simulated fault' },
    ...(fault.retryAfter !== undefined ? { headers: { 'retry-after': String(fault.retryAfter) } } : {}),
  };
}

function startTimeMs(start: SimulatorOptions['startTime']): number {
  if (start === undefined) return Date.now();
  const ms = start instanceof Date ? start.getTime() : typeof start === 'number' ? start : Date.parse(start);
  if (Number.isNaN(ms)) throw new Error(`codecloud simulator: startTime is not a date: ${String(start)}`);
  return ms;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const errors: unknown[] = [];
  const clock = new SimClock(startTimeMs(options.startTime), options.timeFactor ?? 1, (e) => {
    errors.push(e);
    process.stderr.write(
      `codecloud simulator: a timer failed: ${e instanceof Error ? e.stack : String(e)}\n`,
    );
  });
  const faults = new FaultBook(options.seed ?? 1);
  const attempts: WebhookAttempt[] = [];
  let state: SimState | undefined;
  const webhooks = new WebhookSender({
    clock,
    faults,
    attempts,
    secret: () => state?.secret ?? null,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
  });
  const sim = new SimState({
    clock,
    faults,
    webhooks,
    attempts,
    githubUrl: options.githubUrl ?? 'https://github.com',
    secret: options.webhookSecret ?? null,
    progress: options.progressWebhooks ?? true,
    defaultScript: parseRunScript(options.defaultScript ?? {}, 'defaultScript'),
    defaultFollowUpScript: parseRunScript(options.defaultFollowUpScript ?? {}, 'defaultFollowUpScript'),
    onPullRequest: options.onPullRequest,
  });
  state = sim;
  for (const [plan, limit] of Object.entries(options.planLimits ?? {})) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new Error(`planLimits.${plan} must be a positive integer, got ${String(limit)}`);
    sim.planLimits[plan as SimPlan] = limit;
  }
  const apiKeys = parseApiKeys(options.apiKeys ?? [{ key: DEFAULT_API_KEY, plan: 'pro' }]);
  for (const { key, plan } of apiKeys) sim.keys.set(key, plan);

  const extensionContext: SimExtensionContext = {
    now: () => clock.now(),
    at: (atMs, fn) => clock.at(atMs, fn),
    sleep: (ms) => clock.sleep(ms),
    timeFactor: () => clock.factor,
    planOf: (key) => sim.keys.get(key),
  };
  const extensions: SimExtension[] = [...BUILT_IN_EXTENSIONS, ...(options.extensions ?? [])].map((factory) =>
    factory(extensionContext),
  );
  const control = createControl(sim, () => {
    for (const extension of extensions) extension.reset?.();
  });
  let seq = 0;

  function findExtension(
    method: string,
    path: string,
  ): { extension: SimExtension; route: SimRouteId } | undefined {
    const id = `${method} ${path}`;
    for (const extension of extensions) if (extension.routes.includes(id)) return { extension, route: id };
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;

    if (path.startsWith('/_sim/')) {
      const answer = await handleControl(control, extensions, method, path, rawBody);
      sendJson(res, answer);
      return;
    }

    const api = matchApiRoute(method, path);
    const ext = api === undefined ? findExtension(method, path) : undefined;
    const routeId = api && 'match' in api ? api.match.route.id : ext?.route;
    const record: RecordedRequest = {
      seq: ++seq,
      at: clock.iso(),
      method,
      path,
      query: url.search.slice(1),
      route: routeId,
      headers: flatHeaders(req.headers),
      body: parseMaybeJson(rawBody),
      status: undefined,
    };
    sim.requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const fault = routeId === undefined ? undefined : faults.forRoute(routeId);
    if (fault) record.fault = { ...fault };
    const applyFault = async (): Promise<boolean> => {
      if (!fault) return false;
      if (fault.latencyMs) await realSleep(fault.latencyMs);
      if (fault.hang) return true; // the socket stays open until the client gives up or the server closes
      if (fault.reset) {
        req.socket.destroy();
        return true;
      }
      if (fault.status !== undefined) {
        sendJson(res, faultAnswer(fault));
        return true;
      }
      return false;
    };

    if ((fault?.phase ?? 'before') === 'before' && (await applyFault())) return;

    if (ext) {
      await ext.extension.handle(ext.route, { method, url, headers: req.headers, rawBody, raw: req }, res);
      return;
    }
    let answer: ApiAnswer;
    if (api === undefined) answer = error(404, 'Not Found', `No route for ${method} ${path}`);
    else if ('methodMismatch' in api)
      answer = error(405, 'Method Not Allowed', `${method} is not allowed on ${path}`);
    else {
      const request: ApiRequest = { method, url, headers: req.headers, rawBody, params: {} };
      answer = answerApi(sim, api.match, request);
    }
    if (fault?.phase === 'after' && (await applyFault())) return;
    sendJson(res, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      errors.push(e);
      process.stderr.write(`codecloud simulator: ${e instanceof Error ? e.stack : String(e)}\n`);
      sendJson(res, error(500, 'Internal Server Error', 'codecloud simulator crashed'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    control,
    async close() {
      if (closed) return;
      closed = true;
      clock.close();
      webhooks.close();
      for (const extension of extensions) await extension.close?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// A fake GitHub on 127.0.0.1: GitHub REST under /api/v3 (every request checked against GitHub's OpenAPI
// description), signed webhooks to the app, and a control API under /_fake (`control-routes.ts`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAppJwt, checkInstallationToken } from './auth.js';
import { streamJobLog } from './check-routes.js';
import { type ControlContext, handleControl, payloadBase } from './control-routes.js';
import { accessToken, authorize, FAKE_OAUTH_CLIENT, type OAuthClient } from './oauth.js';
import { checkAgainstOpenApi } from './openapi-check.js';
import type { AppInfo, Urls } from './payloads.js';
import {
  errorResponse,
  isAppJwtRoute,
  REST_ROUTES,
  type RestContext,
  type RestResponse,
  tokenAllows,
} from './rest-routes.js';
import { FakeState, type FakeToken } from './state.js';
import { USER_ROUTES } from './user-routes.js';
import { sendWebhook, type WebhookPoster, type WebhookTarget } from './webhook-sender.js';

export { generateAppKey } from './app-key.js';
export { type FakeGitHubControl, type FakeGitHubState, fakeGitHubControl } from './control-client.js';
export { FAKE_OAUTH_CLIENT } from './oauth.js';
export { signWebhook } from './webhook-sender.js';

export interface FakeGitHubOptions {
  port?: number;
  appId?: number;
  appSlug?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** When set, app JWTs must be RS256-signed with the matching private key. */
  appPublicKey?: string;
  /** Lifetime of installation tokens (default 1 hour, like GitHub). */
  tokenTtlMs?: number;
  /** Clock, for token expiry and timestamps (default Date.now). */
  now?: () => number;
  /** The App's OAuth client (default `FAKE_OAUTH_CLIENT`). */
  oauthClient?: OAuthClient;
  /** Who sends the webhooks (default `fetch` on this thread; `thread-poster.ts` sends from a thread of its own). */
  webhookPoster?: WebhookPoster;
}

export interface FakeGitHub {
  url: string;
  apiUrl: string;
  close(): Promise<void>;
  /** In-process access to the state (same data as GET /_fake/state). */
  state(): FakeState;
}

const API_PREFIX = '/api/v3';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, response: RestResponse): void {
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-github-request-id': Math.random().toString(16).slice(2, 10).toUpperCase(),
    ...(response.headers ?? {}),
  };
  if (response.raw !== undefined) {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    res.writeHead(response.status, headers);
    res.end(response.raw);
    return;
  }
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  headers['content-type'] ??= 'application/json; charset=utf-8';
  res.writeHead(response.status, headers);
  res.end(JSON.stringify(response.body));
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const app: AppInfo = { id: options.appId ?? 1, slug: options.appSlug ?? 'codecloud' };
  const nowMs = options.now ?? Date.now;
  const target: WebhookTarget = {
    url: options.webhookUrl,
    secret: options.webhookSecret,
    ...(options.webhookPoster ? { poster: options.webhookPoster } : {}),
  };
  const urls: Urls = { web: '', api: '' };
  let state = new FakeState();

  const control: ControlContext = {
    get state() {
      return state;
    },
    urls,
    app,
    target,
    nowMs,
    replaceState(next) {
      state = next;
    },
  };

  const rest: RestContext = {
    get state() {
      return state;
    },
    urls,
    app,
    nowMs,
    tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
    payloadBase: (repo, action, sender) => payloadBase(urls, state, repo, action, sender),
    async echo(event, payload) {
      if (state.echoBotComments) await sendWebhook(state, target, app.id, event, payload);
    },
  };

  /** The user a `ghu_` token from the OAuth flow belongs to, or undefined. */
  function userTokenLogin(header: string | undefined): string | undefined {
    const token = /^(?:bearer|token)\s+(\S+)$/i.exec(header?.trim() ?? '')?.[1];
    return token === undefined ? undefined : state.userTokens.get(token);
  }

  const oauthClient = options.oauthClient ?? FAKE_OAUTH_CLIENT;

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    rawBody: string,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = url.pathname.slice(API_PREFIX.length) || '/';
    const record = (status: number, extra: { operationId?: string; body?: unknown } = {}): void => {
      state.requests.push({
        method,
        path: pathname,
        ...(url.search ? { query: url.search.slice(1) } : {}),
        status,
        at: new Date(nowMs()).toISOString(),
        ...extra,
      });
    };
    const violation = (reason: string): void => {
      state.violations.push({ method, path: pathname, reason });
    };
    const reply = (response: RestResponse, extra: { operationId?: string; body?: unknown } = {}): void => {
      record(response.status, extra);
      send(res, response);
    };

    let body: Parameters<typeof checkAgainstOpenApi>[3] = { present: false };
    let json: unknown;
    if (rawBody.trim() !== '') {
      try {
        json = JSON.parse(rawBody);
        body = { present: true, json };
      } catch {
        body = { present: true, invalidJson: true };
      }
    }
    const check = checkAgainstOpenApi(method, pathname, url.searchParams, body);
    if (!check.ok) {
      violation(check.reason);
      const response =
        check.status === 404
          ? errorResponse(404, 'Not Found')
          : errorResponse(422, `Invalid request.\n\n${check.reason}`);
      reply(response, json !== undefined ? { body: json } : {});
      return;
    }
    for (const reason of check.violations) violation(reason);
    const extra = { operationId: check.operationId, ...(json !== undefined ? { body: json } : {}) };

    // GitHub refuses comment bodies over 65,536 characters (422); the app must never send one.
    const text = (json as { body?: unknown } | undefined)?.body;
    if ((method === 'POST' || method === 'PATCH') && typeof text === 'string' && text.length > 65_536) {
      violation(`comment body of ${text.length} characters (GitHub's limit is 65,536)`);
      reply(
        errorResponse(422, 'Validation Failed', {
          errors: [
            {
              resource: 'IssueComment',
              code: 'custom',
              field: 'body',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ],
        }),
        { operationId: check.operationId },
      );
      return;
    }
    const fault = state.faults.find(
      (f) => f.times > 0 && f.method === method && new RegExp(f.path).test(pathname),
    );
    if (fault) {
      fault.times -= 1;
      // `after`: the request is carried out below and only its answer is replaced ("created, answer lost").
      if (fault.phase !== 'after') {
        reply(
          {
            ...errorResponse(fault.status, fault.message ?? 'Injected fault (fake GitHub /_fake/faults)'),
            ...(fault.headers ? { headers: fault.headers } : {}),
          },
          extra,
        );
        return;
      }
    }
    const randomFault = state.pickRandomFault(method, pathname);
    if (randomFault) {
      reply(
        {
          ...errorResponse(
            randomFault.status,
            randomFault.message ?? 'Injected fault (fake GitHub /_fake/random-faults)',
          ),
          ...(randomFault.headers ? { headers: randomFault.headers } : {}),
        },
        extra,
      );
      return;
    }
    const userHandler = USER_ROUTES[`${method} ${check.template}`];
    if (userHandler) {
      const login = userTokenLogin(req.headers.authorization);
      if (login === undefined) {
        reply(errorResponse(401, 'Bad credentials'), extra);
        return;
      }
      reply(
        userHandler(
          rest,
          {
            method,
            template: check.template,
            params: check.params,
            query: url.searchParams,
            headers: req.headers,
            body: json,
          },
          login,
        ),
        extra,
      );
      return;
    }
    const handler = REST_ROUTES[`${method} ${check.template}`];
    if (!handler) {
      violation(`documented but not implemented by the fake GitHub: ${method} ${check.template}`);
      reply(errorResponse(501, `fake GitHub does not implement ${method} ${check.template}`), extra);
      return;
    }

    let token: FakeToken | undefined;
    if (isAppJwtRoute(check.template)) {
      const auth = checkAppJwt(req.headers.authorization, app.id, nowMs(), options.appPublicKey);
      if (auth.kind === 'error') {
        reply(errorResponse(401, auth.message), extra);
        return;
      }
    } else {
      const auth = checkInstallationToken(req.headers.authorization, state, nowMs());
      if (auth.kind === 'error') {
        reply(errorResponse(401, auth.message), extra);
        return;
      }
      if (auth.kind === 'installation') token = auth.token;
      if (token && check.params.owner !== undefined && check.params.repo !== undefined) {
        const repo = state.repo(`${check.params.owner}/${check.params.repo}`);
        const allowed = repo ? tokenAllows(token, repo, method, check.template) : 404;
        if (allowed !== 'ok') {
          reply(
            allowed === 404
              ? errorResponse(404, 'Not Found')
              : errorResponse(403, 'Resource not accessible by integration'),
            extra,
          );
          return;
        }
      }
    }

    const response = await handler(rest, {
      method,
      template: check.template,
      params: check.params,
      query: url.searchParams,
      headers: req.headers,
      body: json,
      ...(token ? { token } : {}),
    });
    if (fault?.phase === 'after') {
      reply(
        errorResponse(fault.status, 'Injected fault after the request was carried out (fake GitHub)'),
        extra,
      );
      return;
    }
    reply(response, extra);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/_download/') && streamJobLog(state, url.pathname, res)) return;
      const rawBody = await readBody(req);
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/login/oauth/authorize' && method === 'GET') {
        send(res, authorize(state, oauthClient, url.searchParams));
        return;
      }
      if (url.pathname === '/login/oauth/access_token' && method === 'POST') {
        const form = (req.headers['content-type'] ?? '').includes('json')
          ? new URLSearchParams(JSON.parse(rawBody || '{}') as Record<string, string>)
          : new URLSearchParams(rawBody);
        send(res, accessToken(state, oauthClient, form));
        return;
      }
      if (url.pathname === '/_fake/oauth-user' && method === 'POST') {
        const login = (JSON.parse(rawBody || '{}') as { login?: unknown }).login;
        state.oauthUser = typeof login === 'string' && login !== '' ? login : undefined;
        if (state.oauthUser) state.user(state.oauthUser);
        send(res, { status: 200, body: { oauthUser: state.oauthUser ?? null } });
        return;
      }
      if (url.pathname.startsWith('/_fake/')) {
        let parsed: unknown = {};
        try {
          parsed = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
        } catch {
          send(res, { status: 400, body: { message: 'control API bodies are JSON' } });
          return;
        }
        const response = await handleControl(control, method, url.pathname, parsed);
        send(res, { status: response.status, body: response.body });
        return;
      }
      if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
        await handleApi(req, res, url, rawBody);
        return;
      }
      state.violations.push({
        method,
        path: url.pathname,
        reason: 'not a GitHub REST path (expected /api/v3/...)',
      });
      state.requests.push({ method, path: url.pathname, status: 404, at: new Date(nowMs()).toISOString() });
      send(res, errorResponse(404, 'Not Found'));
    })().catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      state.violations.push({
        method: req.method ?? '?',
        path: req.url ?? '?',
        reason: `fake GitHub crashed: ${message}`,
      });
      if (!res.headersSent) send(res, { status: 500, body: { message: 'fake GitHub internal error' } });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  urls.web = `http://127.0.0.1:${port}`;
  urls.api = `${urls.web}${API_PREFIX}`;

  return {
    url: urls.web,
    apiUrl: urls.api,
    state: () => state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

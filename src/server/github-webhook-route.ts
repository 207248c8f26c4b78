/**
 * `POST /api/github/webhooks` (or `WEBHOOK_PATH`): GitHub's webhooks, answered by the app itself instead of by
 * Probot's webhook middleware, which builds an authenticated Octokit and a Context for every delivery before any
 * handler runs. Here a delivery costs only what it must: the body read (413 past GitHub's 25 MB cap, at once for a
 * larger `Content-Length`, never read whole), `X-Hub-Signature-256` checked (400), the JSON parsed (400), then
 * `receive` records it and the 200 follows. The answers are Probot's: 404 for another method, 415 for another
 * content type, 400 naming missing headers, a bad signature or a body that is not JSON, 500 when `receive` fails;
 * what the app does not handle is answered 200 and ignored by `receive`.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withLogFields } from '../log-context.js';
import type { WebhookMetrics, WebhookOutcome } from '../metrics/app-metrics.js';
import { sendJson } from './json-response.js';
import { readLimitedBody } from './read-body.js';

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const GITHUB_WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

/** One verified delivery: `X-GitHub-Delivery`, `X-GitHub-Event` and the parsed body. */
export interface GitHubDelivery {
  id: string;
  name: string;
  payload: unknown;
}

export interface GitHubWebhookRouteOptions {
  /** WEBHOOK_SECRET: every delivery must carry its HMAC. */
  secret: string;
  /** The path GitHub posts to; trailing slashes are ignored, as Probot does. */
  path: string;
  /** Records (or ignores) a verified delivery; resolves once it is safe to answer 2xx. */
  receive: (delivery: GitHubDelivery) => Promise<void>;
  log?: { warn(message: string): void; error(message: string): void };
  /** Larger bodies get 413 (default: GitHub's 25 MB). */
  maxBytes?: number;
  /** Told each answer's outcome and how long it took. */
  metrics?: WebhookMetrics;
}

const REQUIRED_HEADERS = ['x-github-event', 'x-hub-signature-256', 'x-github-delivery'] as const;
const JSON_CONTENT_TYPE = /^\s*application\/json\s*(?:;|$)/;
const OK = 'ok\n';

export function githubWebhookRoute(options: GitHubWebhookRouteOptions) {
  const webhookPath = withoutTrailingSlashes(options.path);
  const maxBytes = options.maxBytes ?? GITHUB_WEBHOOK_MAX_BYTES;
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = withoutTrailingSlashes(query === -1 ? url : url.slice(0, query));
    if (path !== webhookPath) return false;
    const started = performance.now();
    const outcome = await answer(req, res, path);
    options.metrics?.webhookAnswered(
      'github',
      header(req, 'x-github-event') ?? '',
      outcome,
      (performance.now() - started) / 1000,
    );
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, path: string): Promise<WebhookOutcome> {
    if (req.method !== 'POST') {
      sendJson(res, 404, { error: `Unknown route: ${req.method} ${path}` });
      return 'bad_request';
    }
    const contentType = req.headers['content-type'];
    if (typeof contentType !== 'string' || !JSON_CONTENT_TYPE.test(contentType)) {
      sendJson(res, 415, { error: 'Unsupported "Content-Type" header value. Must be "application/json"' });
      return 'bad_request';
    }
    const missing = REQUIRED_HEADERS.filter((name) => header(req, name) === undefined);
    if (missing.length > 0) {
      sendJson(res, 400, { error: `Required headers missing: ${missing.join(', ')}` });
      return 'bad_request';
    }
    const name = header(req, 'x-github-event') ?? '';
    const id = header(req, 'x-github-delivery') ?? '';
    const signature = header(req, 'x-hub-signature-256') ?? '';

    const read = await readLimitedBody(req, maxBytes);
    if (read.kind === 'closed') {
      options.log?.warn(
        `GitHub webhook ${name} delivery ${id}: the sender went away before the body was in; nothing recorded`,
      );
      res.destroy();
      return 'aborted';
    }
    if (read.kind === 'too-large') {
      // The rest of the body is discarded as it arrives, never kept; the connection is closed after the answer.
      res.setHeader('connection', 'close');
      sendJson(res, 413, {
        error: `Payload Too Large: GitHub webhooks are limited to ${Math.floor(maxBytes / (1024 * 1024))} MB`,
      });
      return 'too_large';
    }
    if (!signatureMatches(key, read.body, signature)) {
      options.log?.warn(`GitHub webhook ${name} delivery ${id} rejected: signature does not match`);
      sendJson(res, 400, { error: 'X-Hub-Signature-256: signature does not match event payload and secret' });
      return 'bad_signature';
    }
    if (!isUtf8(read.body)) {
      sendJson(res, 400, { error: 'body is not valid UTF-8' });
      return 'bad_request';
    }
    let payload: unknown;
    try {
      payload = JSON.parse(read.body.toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'Invalid JSON: the body is not JSON' });
      return 'bad_request';
    }
    try {
      await withLogFields({ delivery: id }, () => options.receive({ id, name, payload }));
    } catch (error) {
      options.log?.error(
        `GitHub webhook ${name} delivery ${id} not recorded: ${error instanceof Error ? error.message : String(error)}`,
      );
      sendJson(res, 500, { error: 'the delivery could not be recorded' });
      return 'failed';
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': OK.length });
    res.end(OK);
    return 'accepted';
  }
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * `X-Hub-Signature-256` is `sha256=` and the hex HMAC-SHA256 of the body's bytes as GitHub sent them, compared in
 * constant time. (`@octokit/webhooks-methods`, used for codecloud's signatures, takes the body as a string, so the
 * bytes would be decoded and encoded again to be hashed, and makes a key from the secret on every call; this route
 * hashes the bytes as received, with one key made when the route is.)
 */
function signatureMatches(key: KeyObject, body: Buffer, signature: string): boolean {
  const match = SIGNATURE.exec(signature);
  if (!match?.[1]) return false;
  return timingSafeEqual(createHmac('sha256', key).update(body).digest(), Buffer.from(match[1], 'hex'));
}

function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

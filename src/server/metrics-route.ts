/**
 * `GET /metrics`: the Prometheus text format. With `METRICS_TOKEN` set, only for `Authorization: Bearer <token>`
 * (401 otherwise), compared in constant time: both sides are hashed to equal-length digests first, so neither the
 * comparison nor its length check says how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageOf } from '../error-messages.js';
import { sendJson } from './json-response.js';

export interface MetricsRouteOptions {
  /** The Prometheus text (`AppMetrics.scrape`). */
  scrape: () => Promise<string>;
  /** Prometheus' content type for that text (the registry's `contentType`). */
  contentType: string;
  /** METRICS_TOKEN; unset: no token asked for. */
  token?: string | undefined;
  log?: { error(message: string): void };
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** True when `authorization` is `Bearer <token>`, compared in constant time. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const offered = match?.[1] ?? '';
  // Always compared (an empty offer too), so a missing header takes as long as a wrong one.
  return timingSafeEqual(digest(offered), digest(token)) && offered !== '';
}

export function metricsRoute(options: MetricsRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'Method Not Allowed' });
      return true;
    }
    if (options.token !== undefined && !bearerMatches(req.headers.authorization, options.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      sendJson(res, 401, {
        error: 'Unauthorized',
        message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
      });
      return true;
    }
    let text: string;
    try {
      text = await options.scrape();
    } catch (error) {
      options.log?.error(`GET /metrics failed: ${messageOf(error)}`);
      sendJson(res, 500, { error: 'Internal Server Error' });
      return true;
    }
    res.writeHead(200, { 'content-type': options.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}

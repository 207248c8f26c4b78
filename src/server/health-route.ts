/** `GET /healthz`: 200 `{"status":"ok"}` when the store answers, 503 otherwise. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageOf } from '../error-messages.js';
import { sendJson } from './json-response.js';

export function healthRoute(ping: () => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    try {
      await ping();
      sendJson(res, 200, { status: 'ok' });
    } catch (error) {
      sendJson(res, 503, {
        status: 'unavailable',
        error: messageOf(error),
      });
    }
    return true;
  };
}

/**
 * `POST /codecloud/webhook` (docs/operations.md, Routes): raw body up to 1 MiB (413 beyond: a larger
 * `Content-Length` at once, a streamed body as soon as it passes the limit, never read whole),
 * `X-Codecloud-Signature` checked against every configured secret (401), a body that is not a codecloud event (not
 * UTF-8, not JSON, nested deeper than 64 levels, an unknown `event`, a missing field) gets 400 naming why, and 2xx
 * is sent only once `record` has durably stored the event. The event is a hint: whoever processes it reads the run back first.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CodecloudEvent, CodecloudEvent as CodecloudEventSchema } from '../codecloud/webhook-events.js';
import { verifyCodecloudSignature } from '../codecloud/webhook-signature.js';
import { messageOf } from '../error-messages.js';
import { withLogFields } from '../log-context.js';
import type { WebhookMetrics, WebhookOutcome } from '../metrics/app-metrics.js';
import { describeZodIssues } from '../validation-error.js';
import { sendJson } from './json-response.js';
import { parseJsonBody } from './parse-json-body.js';
import { readLimitedBody } from './read-body.js';

const CODECLOUD_WEBHOOK_PATH = '/codecloud/webhook';
const CODECLOUD_WEBHOOK_MAX_BYTES = 1024 * 1024;

export interface CodecloudWebhookRouteOptions {
  /** Secrets from CODECLOUD_WEBHOOK_SECRET (rotation: any may match). Empty: signatures are not required. */
  secrets: readonly string[];
  /** Stores the event durably; resolves once it is safe to answer 2xx. */
  record: (event: CodecloudEvent, deliveryId: string | undefined) => Promise<void>;
  log?: { warn(message: string): void; error(message: string): void };
  /** Told each answer's outcome (with the event, once parsed) and how long it took. */
  metrics?: WebhookMetrics;
}

interface Answered {
  outcome: WebhookOutcome;
  event?: string;
}

export function codecloudWebhookRoute(options: CodecloudWebhookRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== CODECLOUD_WEBHOOK_PATH) return false;
    const started = performance.now();
    const { outcome, event } = await answer(req, res);
    options.metrics?.webhookAnswered('codecloud', event ?? '', outcome, (performance.now() - started) / 1000);
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<Answered> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJson(res, 405, { error: 'Method Not Allowed' });
      return { outcome: 'bad_request' };
    }
    const read = await readLimitedBody(req, CODECLOUD_WEBHOOK_MAX_BYTES);
    if (read.kind === 'closed') {
      options.log?.warn('codecloud webhook: the sender went away before the body was in; nothing recorded');
      res.destroy();
      return { outcome: 'aborted' };
    }
    if (read.kind === 'too-large') {
      // The rest of the body is discarded as it arrives, never kept; the connection is closed after the answer.
      res.setHeader('connection', 'close');
      sendJson(res, 413, { error: 'Payload Too Large', message: 'codecloud webhooks are limited to 1 MiB' });
      return { outcome: 'too_large' };
    }
    // Checked before the signature, which is computed over the text: a lossy decoding would only say "mismatch".
    if (!isUtf8(read.body)) {
      sendJson(res, 400, { error: 'Bad Request', message: 'body is not valid UTF-8' });
      return { outcome: 'bad_request' };
    }
    const signature = header(req, 'x-codecloud-signature');
    const deliveryId = header(req, 'x-codecloud-delivery');
    if (
      options.secrets.length > 0 &&
      !(await verifyCodecloudSignature(options.secrets, read.body, signature))
    ) {
      options.log?.warn(
        `codecloud webhook rejected: ${signature ? 'signature does not match' : 'no signature'}`,
      );
      sendJson(res, 401, {
        error: 'Unauthorized',
        message: 'X-Codecloud-Signature is missing or does not match',
      });
      return { outcome: 'bad_signature' };
    }
    const json = parseJsonBody(read.body);
    if (json.kind === 'invalid') {
      sendJson(res, 400, { error: 'Bad Request', message: json.message });
      return { outcome: 'bad_request' };
    }
    const parsed = CodecloudEventSchema.safeParse(json.value);
    if (!parsed.success) {
      sendJson(res, 400, {
        error: 'Bad Request',
        message: `not a codecloud event: ${describeZodIssues(parsed.error)}`,
      });
      return { outcome: 'bad_request' };
    }
    try {
      await withLogFields({ delivery: deliveryId }, () => options.record(parsed.data, deliveryId));
    } catch (error) {
      options.log?.error(`codecloud webhook not recorded: ${messageOf(error)}`);
      sendJson(res, 503, {
        error: 'Service Unavailable',
        message: 'the event could not be stored; retry later',
      });
      return { outcome: 'failed', event: parsed.data.event };
    }
    sendJson(res, 202, { status: 'accepted' });
    return { outcome: 'accepted', event: parsed.data.event };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How a Cloud Coding invocation can fail, and the redaction every message goes through: neither the API key nor the
 * GitHub token ever appears in an error, an outcome or collected output.
 */

export type CloudCodingFailureKind =
  /** The API answered 4xx/5xx before any stream: `Cloud Coding API 401: Invalid API key`. */
  | 'http'
  /** No answer at all: connection refused, DNS, or no response headers within the connect time-out. */
  | 'network'
  /** A 2xx answer that is not an event stream. */
  | 'invalid-response'
  /** The request body failed validation: nothing was sent. */
  | 'invalid-request'
  /** The stream reported an `error` event. */
  | 'agent-error'
  /** The stream broke: connection dropped, idle time-out, or it stopped in the middle of an event. */
  | 'disconnected'
  /** The caller aborted. */
  | 'cancelled';

export class CloudCodingError extends Error {
  override readonly name = 'CloudCodingError';
  readonly kind: CloudCodingFailureKind;
  /** HTTP status for `http` (and `invalid-response`). */
  readonly status: number | undefined;
  /** The answer's body (redacted, at most 500 characters) for `http` and `invalid-response`. */
  readonly body: string | undefined;

  constructor(kind: CloudCodingFailureKind, message: string, init: { status?: number; body?: string } = {}) {
    super(message);
    this.kind = kind;
    this.status = init.status;
    this.body = init.body;
  }
}

/** The one redactor (`src/render/redact.ts`): known secrets and every token-shaped string become `[redacted]`. */
export { redactSecrets } from '../render/redact.js';

/** The message of a JSON error body (`detail`, `message` or `error`; FastAPI's list of `{loc, msg}` too), else text. */
export function describeErrorBody(text: string, maxChars = 500): string {
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return clip(trimmed, maxChars) || 'no body';
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    for (const key of ['detail', 'message', 'error']) {
      const value = record[key];
      if (typeof value === 'string' && value.trim() !== '') return clip(value.trim(), maxChars);
      if (Array.isArray(value)) {
        const parts = value.map((item) => {
          if (typeof item !== 'object' || item === null) return String(item);
          const entry = item as { loc?: unknown; msg?: unknown };
          const loc = Array.isArray(entry.loc) ? entry.loc.map(String).join('.') : undefined;
          const msg = typeof entry.msg === 'string' ? entry.msg : JSON.stringify(item);
          return loc ? `${loc}: ${msg}` : msg;
        });
        if (parts.length > 0) return clip(parts.join('; '), maxChars);
      }
    }
  }
  return clip(trimmed, maxChars) || 'no body';
}

function clip(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

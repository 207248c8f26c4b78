/** The one error type of the codecloud client. It never carries the API key or request headers. */

export type CodecloudErrorKind =
  /** The API answered with a 4xx/5xx. */
  | 'http'
  /** No answer: connection refused, reset, or the request timed out. */
  | 'network'
  /** The API answered 2xx with a body that does not match the documented schema. */
  | 'invalid-response';

export interface CodecloudErrorInit {
  kind: CodecloudErrorKind;
  method: string;
  path: string;
  status?: number | undefined;
  error?: string | undefined;
  apiMessage?: string | undefined;
  retryable: boolean;
  limitReached?: boolean;
  retryAfterMs?: number | undefined;
  cause?: unknown;
  detail?: string;
}

const LIMIT_WORDS = /\b(limit|concurrent|quota|too many)\b/i;

/** 429, or a 400/403 whose message speaks of a limit: the plan's concurrent-run limit (undocumented). */
export function isLimitAnswer(status: number, message: string | undefined): boolean {
  if (status === 429) return true;
  return (status === 400 || status === 403) && message !== undefined && LIMIT_WORDS.test(message);
}

export class CodecloudError extends Error {
  override readonly name = 'CodecloudError';
  readonly kind: CodecloudErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  /** The API's `error` field, e.g. "Validation Error". */
  readonly error: string | undefined;
  /** The API's `message` field, e.g. "repo: repo must be in format: owner/repo". */
  readonly apiMessage: string | undefined;
  readonly retryable: boolean;
  /** The plan's concurrent-run limit (or a rate limit) was reached: wait for a slot, don't loop. */
  readonly limitReached: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(init: CodecloudErrorInit) {
    super(CodecloudError.describe(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.error = init.error;
    this.apiMessage = init.apiMessage;
    this.retryable = init.retryable;
    this.limitReached = init.limitReached ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }

  private static describe(init: CodecloudErrorInit): string {
    const where = `${init.method} ${init.path}`;
    switch (init.kind) {
      case 'http':
        return `codecloud API ${init.status}: ${init.apiMessage ?? init.error ?? 'no error message'} (${where})`;
      case 'network':
        return `codecloud API unreachable: ${init.detail ?? 'no answer'} (${where})`;
      case 'invalid-response':
        return `codecloud API answered ${where} with an unexpected body: ${init.detail ?? ''}`;
    }
  }
}

/**
 * A request that failed this way may still have been carried out: no answer arrived, or a 5xx came after the server
 * may have acted. A 4xx (limit, validation) means it was not.
 */
export function answerMayBeLost(error: unknown): boolean {
  if (!(error instanceof CodecloudError)) return false;
  return error.kind === 'network' || (error.kind === 'http' && (error.status ?? 0) >= 500);
}

export const isCodecloudError = (value: unknown): value is CodecloudError => value instanceof CodecloudError;

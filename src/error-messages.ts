/** How a caught value reads in one line of a log, a reply or an error: plain text, no stack. Pure. */

/** The message of a thrown `Error`, else the thrown value as text: `messageOf(new Error('boom'))` → `boom`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The message and what caused it, as Node's `fetch` (undici) reports a transport failure:
 * `fetch failed: connect ECONNREFUSED 127.0.0.1:9`, `terminated: other side closed (UND_ERR_SOCKET)`. The cause's
 * `code` is added when its message does not already say it.
 */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause === undefined || cause === null) return error.message;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const code = typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
  let text = causeMessage ? `${error.message}: ${causeMessage}` : error.message;
  if (code && !(causeMessage ?? '').includes(code)) text += ` (${code})`;
  return text;
}

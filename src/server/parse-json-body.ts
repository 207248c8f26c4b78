/**
 * A request body as JSON, refusing what no honest sender produces before anything else looks at it: bytes that are
 * not UTF-8 (a lenient decoder would quietly turn them into U+FFFD), and nesting deeper than any event needs
 * (`JSON.parse` copes, but storing the value would overflow the stack on `JSON.stringify`).
 */

/** Objects and arrays nested deeper than this are refused. */
export const MAX_JSON_DEPTH = 64;

export type JsonBodyResult = { kind: 'ok'; value: unknown } | { kind: 'invalid'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The deepest nesting of `[`/`{` outside strings, stopping as soon as it passes `limit`. Linear, no recursion. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function parseJsonBody(body: Uint8Array): JsonBodyResult {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { kind: 'invalid', message: 'body is not valid UTF-8' };
  }
  if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return { kind: 'invalid', message: `body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels` };
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) };
  } catch {
    return { kind: 'invalid', message: 'body is not JSON' };
  }
}

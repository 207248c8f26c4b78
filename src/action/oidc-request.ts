/**
 * The job's GitHub Actions OIDC token for an audience: one request to the runner's `ACTIONS_ID_TOKEN_REQUEST_URL`
 * (with `&audience=…`) authorised by `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, as `core.getIDToken` does, without its HTTP
 * client (which the bundle leaves out). The runner sets both variables only when the job has
 * `permissions: id-token: write`. Tokens are reused until a minute before they expire.
 */
import { z } from 'zod';
import { messageOf } from '../error-messages.js';
import type { Env } from './default-branch.js';

/** Why no token could be had, worded for a notice ("… so the step polls"). */
export class OidcRequestError extends Error {
  override readonly name = 'OidcRequestError';
}

const TokenAnswer = z.object({ value: z.string().min(1) });
const Payload = z.object({ exp: z.number() });

/** Reuse a token until this long before its `exp`. */
const REFRESH_BEFORE_MS = 60_000;

export interface OidcTokenSource {
  /** A token for the audience; a fresh one with `fresh` (e.g. after the App said 401). */
  token(fresh?: boolean): Promise<string>;
}

export function oidcTokenSource(
  env: Env,
  audience: string,
  fetchImpl: typeof fetch,
  now: () => number,
): OidcTokenSource | OidcRequestError {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !requestToken) {
    return new OidcRequestError(
      'the job cannot get an OIDC token (add `permissions: id-token: write` to the job)',
    );
  }
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    async token(fresh = false) {
      if (!fresh && cached && cached.expiresAt - REFRESH_BEFORE_MS > now()) return cached.token;
      let answer: Response;
      try {
        answer = await fetchImpl(withAudience(url, audience), {
          headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        throw new OidcRequestError(`the runner's OIDC token request failed (${messageOf(error)})`);
      }
      if (!answer.ok)
        throw new OidcRequestError(`the runner's OIDC token request answered HTTP ${answer.status}`);
      const parsed = TokenAnswer.safeParse(await answer.json().catch(() => undefined));
      if (!parsed.success) throw new OidcRequestError(`the runner's OIDC token answer has no token`);
      const token = parsed.data.value;
      cached = { token, expiresAt: expiryOf(token) ?? now() + REFRESH_BEFORE_MS + 60_000 };
      return token;
    },
  };
}

/** The request URL (it already has `?api-version=…`) with `audience` added. */
function withAudience(url: string, audience: string): string {
  try {
    const parsed = new URL(url);
    parsed.searchParams.set('audience', audience);
    return parsed.toString();
  } catch {
    return `${url}${url.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
  }
}

/** The token's `exp` in ms (not verified: only to know when to ask again). */
function expiryOf(jwt: string): number | undefined {
  try {
    const payload = Payload.safeParse(
      JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')),
    );
    return payload.success ? payload.data.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

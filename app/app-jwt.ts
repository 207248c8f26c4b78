/**
 * The app's JWT (RS256, signed with its private key), reused while it has more than a minute left. Left to itself
 * @octokit/auth-app signs a fresh one for every installation-token request and every app-level call: an RSA
 * signature each time, though a JWT is valid for up to ten minutes. Given to auth-app as its `createJwt`.
 */
import githubAppJwt from 'universal-github-app-jwt';

/** A JWT with less than this left is not handed out again. */
const MIN_LEFT_SECONDS = 60;

export type CreateAppJwt = (
  appId: string | number,
  timeDifference?: number,
) => Promise<{ jwt: string; expiresAt: string }>;

type SignJwt = (options: {
  id: string;
  privateKey: string;
  now: number;
}) => Promise<{ token: string; expiration: number }>;

export function reusedAppJwt(
  appId: string,
  privateKey: string,
  now: () => number = Date.now,
  sign: SignJwt = githubAppJwt,
): CreateAppJwt {
  let cached: { jwt: string; expiration: number; timeDifference: number } | undefined;
  return async (_appId, timeDifference = 0) => {
    // auth-app passes the clock difference GitHub reported after refusing a JWT: one signed for another difference
    // is not reused.
    const nowSeconds = Math.floor(now() / 1000) + timeDifference;
    if (
      cached === undefined ||
      cached.timeDifference !== timeDifference ||
      cached.expiration - nowSeconds <= MIN_LEFT_SECONDS
    ) {
      const signed = await sign({ id: appId, privateKey, now: nowSeconds });
      cached = { jwt: signed.token, expiration: signed.expiration, timeDifference };
    }
    return { jwt: cached.jwt, expiresAt: new Date(cached.expiration * 1000).toISOString() };
  };
}

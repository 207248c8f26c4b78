/**
 * Verifies a GitHub Actions OIDC token (an RS256 JWT) with `jose`: the issuer's keys are found through its
 * `/.well-known/openid-configuration` (`jwks_uri`), then signature, expiry, issuer and audience are checked.
 * Nothing is verified by hand. The token's `repository` claim says which workflow's repository asks.
 */
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { messageOf } from '../error-messages.js';
import { describeZodIssues } from '../validation-error.js';

export const DEFAULT_ACTIONS_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** Why a token is refused: `401` a bad token, `503` the issuer's keys cannot be fetched right now. */
export class OidcTokenError extends Error {
  override readonly name = 'OidcTokenError';
  constructor(
    readonly status: 401 | 503,
    message: string,
  ) {
    super(message);
  }
}

export interface OidcClaims {
  /** `owner/repo` of the workflow run the token was issued to. */
  repository: string;
  /** GitHub's id of that repository (`repository_id`), when the token carries it (GitHub's always do). */
  repositoryId?: string;
}

export interface OidcVerifierOptions {
  /** `ACTIONS_OIDC_ISSUER` */
  issuer: string;
  /** What `aud` must be (the app's `PUBLIC_URL`; a trailing slash is ignored). */
  audience: string;
  fetch?: typeof fetch;
}

export type OidcVerifier = (token: string) => Promise<OidcClaims>;

const OpenIdConfiguration = z.object({ issuer: z.string(), jwks_uri: z.url() });
const Claims = z.object({
  repository: z.string().min(1),
  repository_id: z.union([z.string(), z.number()]).optional(),
});

const withoutSlash = (url: string): string => url.replace(/\/+$/, '');

export function oidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const issuer = withoutSlash(options.issuer);
  const audience = withoutSlash(options.audience);
  const fetchImpl = options.fetch ?? fetch;
  let keys: Promise<JWTVerifyGetKey> | undefined;

  const discover = async (): Promise<JWTVerifyGetKey> => {
    const where = `${issuer}/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const response = await fetchImpl(where, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw new OidcTokenError(503, `cannot read ${where}: ${messageOf(error)}`);
    }
    const parsed = OpenIdConfiguration.safeParse(body);
    if (!parsed.success)
      throw new OidcTokenError(
        503,
        `${where} is not an OpenID configuration: ${describeZodIssues(parsed.error)}`,
      );
    return createRemoteJWKSet(
      new URL(parsed.data.jwks_uri),
      options.fetch ? { [customFetch]: options.fetch } : {},
    );
  };

  return async (token) => {
    // The configuration is read once; a failed read is tried again on the next request.
    keys ??= discover().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    const getKey = await keys;
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: [issuer, `${issuer}/`],
        audience: [audience, `${audience}/`],
        algorithms: ['RS256'],
      });
      const claims = Claims.safeParse(payload);
      if (!claims.success) throw new OidcTokenError(401, 'the token has no repository claim');
      const id = claims.data.repository_id;
      return {
        repository: claims.data.repository,
        ...(id === undefined ? {} : { repositoryId: String(id) }),
      };
    } catch (error) {
      if (error instanceof OidcTokenError) throw error;
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
        throw new OidcTokenError(503, `the issuer's keys cannot be read: ${error.message}`);
      if (error instanceof errors.JOSEError) throw new OidcTokenError(401, describeJoseError(error));
      // Not jose's verdict on the token: the keys could not be fetched.
      throw new OidcTokenError(503, `the issuer's keys cannot be read: ${messageOf(error)}`);
    }
  };
}

function describeJoseError(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the token is for another audience';
    if (error.claim === 'iss') return 'the token is from another issuer';
    return `the token's ${error.claim} claim is not accepted: ${error.reason}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return 'the token is not signed by the issuer';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with RS256';
  return `the token is not valid: ${error.message}`;
}

/**
 * A fake GitHub Actions OIDC issuer on 127.0.0.1: an RS256 key pair, an OpenID configuration and a JWKS, plus the
 * runner's token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`, answered `{"value": <JWT>}` for the request token it
 * handed out). Tests sign tokens with any claims, expired ones, and ones signed by a key the issuer never published.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface TokenOptions {
  repository: string;
  audience: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Default the fake's own issuer URL. */
  issuer?: string;
  /** Sign with a key the issuer does not publish (a forged token). */
  forged?: boolean;
  claims?: JWTPayload;
}

export interface FakeOidc {
  /** The issuer (`ACTIONS_OIDC_ISSUER`). */
  url: string;
  sign(options: TokenOptions): Promise<string>;
  /**
   * The runner's side: `ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN` for a job of `repository`. Tokens it issues
   * expire after `expiresIn` seconds (default 300).
   */
  runnerEnv(repository: string, expiresIn?: number): Record<string, string>;
  /** Requests the runner's token endpoint answered, with the `audience` asked for. */
  tokenRequests(): Array<{ audience: string | null }>;
  close(): Promise<void>;
}

export async function startFakeOidc(): Promise<FakeOidc> {
  const keys = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'fake-key-1', alg: 'RS256', use: 'sig' };
  const jobs = new Map<string, { repository: string; expiresIn: number }>();
  const requests: Array<{ audience: string | null }> = [];
  let url = '';

  const sign = async (options: TokenOptions): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ repository: options.repository, ...options.claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-key-1', typ: 'JWT' })
      .setIssuer(options.issuer ?? url)
      .setAudience(options.audience)
      .setSubject(`repo:${options.repository}:ref:refs/heads/main`)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .sign(options.forged ? foreign.privateKey : keys.privateKey);
  };

  const server: Server = createServer((req, res) => {
    const reqUrl = new URL(req.url ?? '/', url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (reqUrl.pathname === '/.well-known/openid-configuration') {
      json(200, {
        issuer: url,
        jwks_uri: `${url}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
      return;
    }
    if (reqUrl.pathname === '/.well-known/jwks') {
      json(200, { keys: [publicJwk] });
      return;
    }
    if (reqUrl.pathname === '/_runner/token') {
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const job = bearer ? jobs.get(bearer) : undefined;
      if (!job) {
        json(401, { message: 'bad request token' });
        return;
      }
      const audience = reqUrl.searchParams.get('audience');
      requests.push({ audience });
      void sign({ repository: job.repository, audience: audience ?? url, expiresIn: job.expiresIn }).then(
        (value) => json(200, { count: 1, value }),
      );
      return;
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return url;
    },
    sign,
    runnerEnv(repository, expiresIn = 300) {
      const token = `request-${randomUUID()}`;
      jobs.set(token, { repository, expiresIn });
      return {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/_runner/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
      };
    },
    tokenRequests: () => [...requests],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

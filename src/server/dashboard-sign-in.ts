/**
 * Signing in to the dashboard with GitHub's OAuth web flow, as the App's OAuth client: `GET /dashboard/login` sends
 * the browser to GitHub with a random `state` and a PKCE S256 challenge (both kept only in the encrypted sign-in
 * cookie); `GET /dashboard/callback` checks the `state`, trades the code and the verifier for the user's token, and
 * sets the session cookie (`dashboard-session.ts`).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signInPage } from '../dashboard/layout.js';
import { messageOf } from '../error-messages.js';
import { type GitHubUserApi, UserTokenRejected } from '../github/github-user-api.js';
import type { Logger } from '../runs/run-deps.js';
import { redirect, safeReturnTo, sendPage } from './dashboard-http.js';
import {
  clearedCookie,
  DashboardCookies,
  LOGIN_COOKIE,
  randomToken,
  SESSION_TTL_MS,
  sameToken,
} from './dashboard-session.js';

export interface DashboardSignInOptions {
  clientId: string;
  clientSecret: string;
  webUrl: string;
  publicUrl: string | undefined;
  api: GitHubUserApi;
  log: Logger;
  now: () => number;
}

export function dashboardSignIn(options: DashboardSignInOptions) {
  const cookies = new DashboardCookies({ secret: options.clientSecret, now: options.now });
  const publicBase = options.publicUrl?.replace(/\/+$/, '');

  /** Cookies are `Secure` when the app is reached over https (`PUBLIC_URL`, else the proxy's header). */
  function secure(req: IncomingMessage): boolean {
    if (publicBase) return publicBase.startsWith('https:');
    return req.headers['x-forwarded-proto'] === 'https';
  }

  function callbackUrl(req: IncomingMessage): string {
    const base = publicBase ?? `${secure(req) ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
    return `${base}/dashboard/callback`;
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const attempt = {
      state: randomToken(),
      verifier: randomToken(48),
      returnTo: safeReturnTo(url.searchParams.get('return')),
    };
    const authorize = new URL(`${options.webUrl.replace(/\/+$/, '')}/login/oauth/authorize`);
    authorize.searchParams.set('client_id', options.clientId);
    authorize.searchParams.set('redirect_uri', callbackUrl(req));
    authorize.searchParams.set('state', attempt.state);
    authorize.searchParams.set(
      'code_challenge',
      createHash('sha256').update(attempt.verifier).digest('base64url'),
    );
    authorize.searchParams.set('code_challenge_method', 'S256');
    redirect(res, authorize.toString(), { cookies: [await cookies.loginCookie(attempt, secure(req))] });
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const attempt = await cookies.loginAttempt(req);
    const again = (status: number, message: string): void => {
      const page = signInPage({ returnTo: attempt?.returnTo ?? '/dashboard', message });
      sendPage(res, status, page, { 'set-cookie': [clearedCookie(LOGIN_COOKIE, secure(req))] });
    };
    const state = url.searchParams.get('state') ?? '';
    if (!attempt || !sameToken(state, attempt.state)) {
      again(400, 'That sign-in did not start here or took too long. Try again.');
      return;
    }
    const code = url.searchParams.get('code');
    if (!code) {
      again(400, `GitHub did not sign you in (${url.searchParams.get('error') ?? 'no code'}).`);
      return;
    }
    try {
      const { token, expiresInMs } = await options.api.exchangeCode({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        code,
        verifier: attempt.verifier,
        redirectUri: callbackUrl(req),
      });
      const login = await options.api.login(token);
      const session = await cookies.sessionCookie(
        { login, token, csrf: randomToken() },
        expiresInMs ?? SESSION_TTL_MS,
        secure(req),
      );
      redirect(res, attempt.returnTo, { cookies: [session, clearedCookie(LOGIN_COOKIE, secure(req))] });
    } catch (error) {
      if (!(error instanceof UserTokenRejected))
        options.log.warn(`dashboard sign-in failed: ${messageOf(error)}`);
      again(
        error instanceof UserTokenRejected ? 400 : 502,
        'GitHub did not complete the sign-in. Try again.',
      );
    }
  }

  return {
    cookies,
    secure,
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendPage(res, 405, 'Method Not Allowed');
      if (url.pathname === '/dashboard/login') return login(req, res, url);
      return callback(req, res, url);
    },
  };
}

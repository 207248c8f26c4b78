// GitHub's OAuth web flow for the App's client, as GitHub serves it at the host root (not under /api/v3):
// `GET /login/oauth/authorize` approves at once for the test user chosen with `POST /_fake/oauth-user` (or answers
// 403 when none is chosen), and `POST /login/oauth/access_token` trades a code for a user-to-server token, checking
// the client secret, the redirect URI and the PKCE verifier (S256) the way GitHub does.
import { createHash, randomBytes } from 'node:crypto';
import type { FakeState } from './state.js';

export interface OAuthClient {
  id: string;
  secret: string;
}

export const FAKE_OAUTH_CLIENT: OAuthClient = {
  id: 'Iv1.fakeclient0001',
  secret: 'fake-oauth-client-secret',
};

export interface OAuthAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
}

interface PendingCode {
  login: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
}

/** Codes handed out and not yet traded, per fake GitHub. */
const codes = new WeakMap<FakeState, Map<string, PendingCode>>();

function pendingCodes(state: FakeState): Map<string, PendingCode> {
  let map = codes.get(state);
  if (!map) {
    map = new Map();
    codes.set(state, map);
  }
  return map;
}

export function authorize(state: FakeState, client: OAuthClient, query: URLSearchParams): OAuthAnswer {
  const refuse = (reason: string): OAuthAnswer => {
    state.violations.push({ method: 'GET', path: '/login/oauth/authorize', reason });
    return { status: 400, raw: reason };
  };
  if (query.get('client_id') !== client.id) return refuse(`unknown client_id ${query.get('client_id')}`);
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return refuse('redirect_uri is required');
  const state_ = query.get('state');
  if (!state_) return refuse('state is required (CSRF protection)');
  const challenge = query.get('code_challenge');
  if (!challenge || query.get('code_challenge_method') !== 'S256') {
    return refuse('code_challenge with code_challenge_method=S256 is required (PKCE)');
  }
  if (!state.oauthUser) return { status: 403, raw: 'no test user signs in (POST /_fake/oauth-user first)' };
  const code = randomBytes(10).toString('hex');
  pendingCodes(state).set(code, { login: state.oauthUser, clientId: client.id, redirectUri, challenge });
  const back = new URL(redirectUri);
  back.searchParams.set('code', code);
  back.searchParams.set('state', state_);
  return { status: 302, headers: { location: back.toString() } };
}

export function accessToken(state: FakeState, client: OAuthClient, form: URLSearchParams): OAuthAnswer {
  const error = (code: string, description: string): OAuthAnswer => ({
    status: 200,
    body: { error: code, error_description: description },
  });
  if (form.get('client_id') !== client.id || form.get('client_secret') !== client.secret) {
    return error('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
  }
  const code = form.get('code') ?? '';
  const pending = pendingCodes(state).get(code);
  if (!pending) return error('bad_verification_code', 'The code passed is incorrect or expired.');
  pendingCodes(state).delete(code);
  if (form.get('redirect_uri') !== null && form.get('redirect_uri') !== pending.redirectUri) {
    return error('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL.');
  }
  const verifier = form.get('code_verifier') ?? '';
  if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) {
    return error('bad_verification_code', 'The code_verifier does not match the code_challenge.');
  }
  const token = `ghu_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
  state.userTokens.set(token, pending.login);
  return { status: 200, body: { access_token: token, token_type: 'bearer', scope: '', expires_in: 28_800 } };
}

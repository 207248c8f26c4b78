// The dashboard's routes in-process against the fake GitHub's OAuth flow: what a signed-out visitor gets, the
// sign-in redirect (state, PKCE S256), a callback that did not start here, and 404 everywhere without a client id.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDisabledRoute, dashboardRoute } from '../../../src/server/dashboard-route.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { FAKE_OAUTH_CLIENT, type FakeGitHub, startFakeGitHub } from '../../fake-github/fake-github.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function serve(
  route: ReturnType<typeof dashboardDisabledRoute>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void route(req, res).then((answered) => {
      if (!answered) res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('dashboard routes', () => {
  let github: FakeGitHub;
  let store: Store;
  let app: { url: string; server: Server };

  beforeAll(async () => {
    github = await startFakeGitHub();
    store = await openStore({ dataDir: 'memory://' });
    app = await serve(
      dashboardRoute({
        clientId: FAKE_OAUTH_CLIENT.id,
        clientSecret: FAKE_OAUTH_CLIENT.secret,
        webUrl: github.url,
        apiUrl: github.apiUrl,
        publicUrl: undefined,
        store,
        stop: async () => 'stopped',
        limits: {},
        log: silent,
      }),
    );
  });
  afterAll(async () => {
    app?.server.close();
    await store?.close();
    await github?.close();
  });

  it('shows a signed-out visitor the sign-in page only, under a strict CSP', async () => {
    for (const path of [
      '/dashboard',
      '/dashboard/usage',
      '/dashboard/runs/0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f',
    ]) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = await response.text();
      expect(body).toContain('Sign in with GitHub');
      expect(body).not.toContain('<table');
    }
    const post = await fetch(`${app.url}/dashboard/runs/0b6f6f57-3f5c-4a43-9d33-1c1f1f1f1f1f/stop`, {
      method: 'POST',
    });
    expect(post.status).toBe(401);
  });

  it('sends the browser to GitHub with a state and a PKCE S256 challenge kept in an encrypted cookie', async () => {
    const response = await fetch(`${app.url}/dashboard/login?return=//evil.example`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(location.searchParams.get('client_id')).toBe(FAKE_OAUTH_CLIENT.id);
    expect(location.searchParams.get('redirect_uri')).toBe(`${app.url}/dashboard/callback`);
    expect(location.searchParams.get('state')?.length).toBeGreaterThanOrEqual(43);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).not.toContain(location.searchParams.get('state') ?? '-');
  });

  it('refuses a callback whose state did not start here', async () => {
    const response = await fetch(`${app.url}/dashboard/callback?code=abc&state=forged`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('set-cookie') ?? '').not.toContain('codecloud_dashboard=ey');
  });

  it('has the fake GitHub refuse a code with the wrong PKCE verifier, and accept the right one once', async () => {
    const gh = github.state();
    gh.oauthUser = 'mona';
    const verifier = 'v'.repeat(64);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async () => {
      const query = new URLSearchParams({
        client_id: FAKE_OAUTH_CLIENT.id,
        redirect_uri: 'http://127.0.0.1:1/cb',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const response = await fetch(`${github.url}/login/oauth/authorize?${query}`, { redirect: 'manual' });
      return new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const exchange = async (code: string, codeVerifier: string) =>
      (await (
        await fetch(`${github.url}/login/oauth/access_token`, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            client_id: FAKE_OAUTH_CLIENT.id,
            client_secret: FAKE_OAUTH_CLIENT.secret,
            code,
            code_verifier: codeVerifier,
          }),
        })
      ).json()) as { access_token?: string; error?: string };
    expect((await exchange(await authorize(), 'w'.repeat(64))).error).toBe('bad_verification_code');
    const code = await authorize();
    const ok = await exchange(code, verifier);
    expect(ok.access_token).toMatch(/^ghu_/);
    expect((await exchange(code, verifier)).error).toBe('bad_verification_code');
    const user = await fetch(`${github.apiUrl}/user/installations`, {
      headers: { authorization: `Bearer ${ok.access_token}` },
    });
    expect(user.status).toBe(200);
    expect(github.state().violations).toEqual([]);
  });

  it('answers 404 on every dashboard path without GITHUB_CLIENT_ID, and leaves other paths alone', async () => {
    const disabled = await serve(dashboardDisabledRoute());
    try {
      for (const path of [
        '/dashboard',
        '/dashboard/',
        '/dashboard/login',
        '/dashboard/callback?code=1',
        '/dashboard/x',
      ]) {
        expect((await fetch(`${disabled.url}${path}`)).status).toBe(404);
      }
      expect((await fetch(`${disabled.url}/dashboards`)).status).toBe(418);
    } finally {
      disabled.server.close();
    }
  });
});

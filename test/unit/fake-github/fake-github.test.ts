import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { Probot } from 'probot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeGitHub,
  type FakeGitHubControl,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = 'fake-secret';
const APP_ID = 4242;

let fake: FakeGitHub;
let control: FakeGitHubControl;
let receiver: Server;
let received: Received[] = [];
let probot: Probot;

beforeAll(async () => {
  const key = generateAppKey();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  fake = await startFakeGitHub({
    appId: APP_ID,
    appPublicKey: key.publicKey,
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    webhookSecret: SECRET,
  });
  control = fakeGitHubControl(fake.url);
  probot = new Probot({ appId: APP_ID, privateKey: key.privateKey, baseUrl: fake.apiUrl, logLevel: 'fatal' });
});

afterAll(async () => {
  await fake.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

beforeEach(async () => {
  received = [];
  await control.reset();
  await control.echoBotComments(false);
  await control.createRepo({ owner: 'acme', name: 'widgets' });
});

describe('fake GitHub REST, checked against the OpenAPI description', () => {
  it('serves documented routes to Probot with app and installation auth', async () => {
    const appOctokit = await probot.auth();
    const { data: app } = await appOctokit.request('GET /app');
    expect(app?.id).toBe(APP_ID);

    const octokit = await probot.auth(1);
    const { number } = await control.openIssue({
      repo: 'acme/widgets',
      title: 'Bug',
      body: 'It breaks',
      user: 'alice',
    });
    const { data: comment } = await octokit.request(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      {
        owner: 'acme',
        repo: 'widgets',
        issue_number: number,
        body: 'on it',
      },
    );
    expect(comment.user?.login).toBe('codecloud[bot]');
    expect(comment.user?.type).toBe('Bot');
    expect(comment.performed_via_github_app?.slug).toBe('codecloud');

    const reaction = await octokit.request(
      'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      {
        owner: 'acme',
        repo: 'widgets',
        comment_id: comment.id,
        content: 'eyes',
      },
    );
    expect(reaction.status).toBe(201);
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner: 'acme',
      repo: 'widgets',
      comment_id: comment.id,
      body: 'done',
    });

    await control.setPermission({ repo: 'acme/widgets', user: 'alice', permission: 'maintain' });
    const { data: permission } = await octokit.request(
      'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
      { owner: 'acme', repo: 'widgets', username: 'alice' },
    );
    expect(permission).toMatchObject({ permission: 'write', role_name: 'maintain' });

    const state = await control.state();
    expect(state.violations).toEqual([]);
    expect(state.comments.find((c) => c.id === comment.id)).toMatchObject({ body: 'done', edits: 1 });
    expect(state.reactions).toEqual([
      { subject: 'comment', id: comment.id, repo: 'acme/widgets', content: 'eyes', user: 'codecloud[bot]' },
    ]);
    expect(state.tokens).toHaveLength(1);
    expect(state.tokens[0]?.token).toMatch(/^ghs_/);
    expect(received).toHaveLength(1); // issues.opened only: the bot's own comment is not echoed by default
  });

  it('serves .github/codecloud.yml to Probot config loading, with the org .github repo fallback', async () => {
    const octokit = await probot.auth(1);
    await control.createRepo({ owner: 'acme', name: '.github' });
    await control.putFile({ repo: 'acme/.github', path: '.github/codecloud.yml', content: 'trigger: /cc\n' });
    const fromOrg = await octokit.config.get({
      owner: 'acme',
      repo: 'widgets',
      path: '.github/codecloud.yml',
    });
    expect(fromOrg.config).toEqual({ trigger: '/cc' });

    await control.putFile({ repo: 'acme/widgets', path: '.github/codecloud.yml', content: 'mode: plan\n' });
    const fromRepo = await octokit.config.get({
      owner: 'acme',
      repo: 'widgets',
      path: '.github/codecloud.yml',
    });
    expect(fromRepo.config).toEqual({ mode: 'plan' });

    const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: 'acme',
      repo: 'widgets',
      path: '.github/codecloud.yml',
    });
    expect(Array.isArray(data) ? undefined : data.type).toBe('file');
    expect((await control.state()).violations).toEqual([]);
  });

  it('records an undocumented route and an invalid body as violations, answering like GitHub', async () => {
    const octokit = await probot.auth(1);
    await control.openIssue({ repo: 'acme/widgets', title: 'x', user: 'alice' });
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'widgets' }),
    ).rejects.toMatchObject({ status: 404 });
    // Routes typed as plain strings so the deliberately wrong parameters compile.
    const commentsRoute: string = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
    const reactionsRoute: string = 'POST /repos/{owner}/{repo}/issues/{issue_number}/reactions';
    await expect(
      octokit.request(commentsRoute, {
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        text: 'wrong field',
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      octokit.request(reactionsRoute, {
        owner: 'acme',
        repo: 'widgets',
        issue_number: 1,
        content: 'thumbsup',
      }),
    ).rejects.toMatchObject({ status: 422 });

    const { violations } = await control.state();
    expect(violations.map((v) => v.path)).toEqual([
      '/repos/acme/widgets/no-such-thing',
      '/repos/acme/widgets/issues/1/comments',
      '/repos/acme/widgets/issues/1/reactions',
    ]);
    expect(violations[1]?.reason).toContain("required property 'body'");
  });

  it('rejects wrong and expired tokens with 401 and app routes without a JWT for the app', async () => {
    const unauthenticated = await fetch(`${fake.apiUrl}/repos/acme/widgets`, {
      headers: { authorization: 'token ghs_notarealtoken' },
    });
    expect(unauthenticated.status).toBe(401);
    const wrongJwt = await fetch(`${fake.apiUrl}/app`, { headers: { authorization: 'Bearer a.b.c' } });
    expect(wrongJwt.status).toBe(401);

    // A raw token rather than Probot's cached one: auth-app retries a fresh token's 401 for 5 s.
    const appOctokit = await probot.auth();
    const { data } = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: 1,
    });
    const headers = { authorization: `token ${data.token}` };
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets`, { headers })).status).toBe(200);
    expect(await control.expireTokens(data.token)).toEqual({ expired: 1 });
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets`, { headers })).status).toBe(401);
  });

  it('honours permissions and repositories requested for an installation token', async () => {
    await control.createRepo({ owner: 'acme', name: 'other' });
    const appOctokit = await probot.auth();
    const { data } = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: 1,
      repositories: ['widgets'],
      permissions: { issues: 'read' },
    });
    expect(data.permissions).toEqual({ issues: 'read' });
    expect(data.repositories?.map((r) => r.full_name)).toEqual(['acme/widgets']);
    await control.openIssue({ repo: 'acme/widgets', title: 'x', user: 'alice' });
    const headers = { authorization: `token ${data.token}`, 'content-type': 'application/json' };
    const read = await fetch(`${fake.apiUrl}/repos/acme/widgets/issues/1`, { headers });
    expect(read.status).toBe(200);
    const write = await fetch(`${fake.apiUrl}/repos/acme/widgets/issues/1/comments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ body: 'hi' }),
    });
    expect(write.status).toBe(403);
    const otherRepo = await fetch(`${fake.apiUrl}/repos/acme/other`, { headers });
    expect(otherRepo.status).toBe(404);
  });

  it('injects GitHub errors: /_fake/faults fails the next N matching requests with the status', async () => {
    const appOctokit = await probot.auth();
    const { data } = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: 1,
    });
    await control.openIssue({ repo: 'acme/widgets', title: 'x', user: 'alice' });
    const headers = { authorization: `token ${data.token}` };
    await control.fault({ method: 'get', path: '^/repos/acme/widgets/issues/\\d+$', status: 502, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await fetch(`${fake.apiUrl}/repos/acme/widgets/issues/1`, { headers })).status);
    }
    expect(statuses).toEqual([502, 502, 200]);
    await expect(control.fault({ method: 'GET', path: '(', status: 500 })).rejects.toThrow(
      'regular expression',
    );
  });
});

describe('fake GitHub webhooks', () => {
  it('sends signed issue_comment.created with GitHub-shaped payloads, and redelivers with the same id', async () => {
    const { number: pr } = await control.openPull({
      repo: 'acme/widgets',
      title: 'Feature',
      head: 'feature',
      user: 'bob',
    });
    received = [];
    const { id, deliveryId } = await control.comment({
      repo: 'acme/widgets',
      number: pr,
      user: 'bob',
      body: '/codecloud go',
    });
    expect(received).toHaveLength(1);
    const [delivery] = received;
    if (!delivery) throw new Error('no delivery');
    expect(delivery.headers['x-github-event']).toBe('issue_comment');
    expect(delivery.headers['x-github-delivery']).toBe(deliveryId);
    const signature = String(delivery.headers['x-hub-signature-256']);
    expect(await verify(SECRET, delivery.body, signature)).toBe(true);
    expect(await verify('other-secret', delivery.body, signature)).toBe(false);

    const payload = JSON.parse(delivery.body);
    expect(payload).toMatchObject({
      action: 'created',
      installation: { id: 1 },
      repository: {
        full_name: 'acme/widgets',
        name: 'widgets',
        owner: { login: 'acme' },
        default_branch: 'main',
        private: false,
      },
      sender: { login: 'bob', type: 'User' },
      issue: { number: pr, title: 'Feature', state: 'open', user: { login: 'bob' } },
      comment: { id, body: '/codecloud go', user: { login: 'bob' }, performed_via_github_app: null },
    });
    expect(payload.issue.pull_request.url).toContain(`/pulls/${pr}`);

    await control.redeliver(deliveryId);
    expect(received).toHaveLength(2);
    expect(received[1]?.headers['x-github-delivery']).toBe(deliveryId);
  });

  it('sends review comments with path, line and diff_hunk, and echoes bot comments only when enabled', async () => {
    const { number: pr } = await control.openPull({
      repo: 'acme/widgets',
      title: 'F',
      head: 'f',
      user: 'bob',
    });
    received = [];
    await control.reviewComment({
      repo: 'acme/widgets',
      number: pr,
      user: 'bob',
      body: '/codecloud rename this',
      path: 'src/a.ts',
      line: 3,
      diff_hunk: '@@ -1,3 +1,3 @@',
    });
    const payload = JSON.parse(received[0]?.body ?? '{}');
    expect(received[0]?.headers['x-github-event']).toBe('pull_request_review_comment');
    expect(payload.comment).toMatchObject({ path: 'src/a.ts', line: 3, diff_hunk: '@@ -1,3 +1,3 @@' });
    expect(payload.pull_request).toMatchObject({ number: pr, head: { ref: 'f' }, base: { ref: 'main' } });

    await control.echoBotComments(true);
    received = [];
    const octokit = await probot.auth(1);
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: 'acme',
      repo: 'widgets',
      issue_number: pr,
      body: 'bot says hi',
    });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '{}').comment.user).toMatchObject({
      login: 'codecloud[bot]',
      type: 'Bot',
    });
  });
});

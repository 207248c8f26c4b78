import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigPush } from '../../../app/config-cache.js';
import { githubWebhookDispatch } from '../../../app/github-webhook-dispatch.js';
import { recordCommandTrigger, recordPush } from '../../../src/runs/intake.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';

const repository = { name: 'App', owner: { login: 'Acme' }, default_branch: 'main' };
const sender = { login: 'alice', type: 'User' };
const installation = { id: 7 };
const issue = { number: 4, title: 't', body: 'b', user: { login: 'alice' } };
const issueComment = (body: string) => ({
  action: 'created',
  repository,
  installation,
  sender,
  issue,
  comment: {
    id: 10,
    body,
    html_url: 'https://github.com/Acme/App/issues/4#c10',
    created_at: '2026-01-01T00:00:00Z',
  },
});

describe('GitHub webhook dispatch (delivery → job)', () => {
  let store: Store;
  const pushes: ConfigPush[] = [];
  const warnings: string[] = [];
  const accepted: number[] = [];
  let receive: ReturnType<typeof githubWebhookDispatch>;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await store.migrate();
    const deps = { store, botLogin: 'codecloud[bot]', wake: () => undefined };
    receive = githubWebhookDispatch({
      recordCommand: (trigger) => recordCommandTrigger(deps, trigger),
      recordPush: (push) => recordPush(deps, push),
      configPushed: (push) => void pushes.push(push),
      permissionsAccepted: async (installationId) => void accepted.push(installationId),
      log: { warn: (message) => void warnings.push(message) },
    });
  });
  afterAll(async () => {
    await store.close();
  });
  const jobKeys = async () => (await store.claimJobs(100, 60_000)).map((job) => job.dedupeKey);

  it('records a command once per trigger: a redelivery, or the body replayed under another id, is a duplicate', async () => {
    const delivery = { id: 'd-1', name: 'issue_comment', payload: issueComment('/codecloud fix it') };
    await receive(delivery);
    await receive(delivery);
    await receive({ ...delivery, id: 'd-1-replayed' });
    expect(await jobKeys()).toEqual(['github:issue_comment:10']);
  });

  it('ignores events and actions the app does not handle, and payloads of another shape (logged)', async () => {
    await receive({ id: 'd-2', name: 'ping', payload: { zen: 'hi' } });
    await receive({
      id: 'd-3',
      name: 'issue_comment',
      payload: { ...issueComment('/codecloud x'), action: 'edited' },
    });
    await receive({
      id: 'd-4',
      name: 'issue_comment',
      payload: { ...issueComment('/codecloud x'), comment: 'text' },
    });
    await receive({ id: 'd-5', name: 'issue_comment', payload: 'not an object' });
    expect(await jobKeys()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/ignoring issue_comment delivery d-4: unexpected payload \(comment/);
  });

  it('maps each handled event: issues opened and labeled, reviews, review comments', async () => {
    await receive({
      id: 'd-6',
      name: 'issues',
      payload: { action: 'opened', repository, installation, sender, issue },
    });
    await receive({
      id: 'd-7',
      name: 'issues',
      payload: { action: 'labeled', repository, installation, sender, issue, label: { name: 'codecloud' } },
    });
    const pull_request = { number: 5, title: 'p', body: null, user: { login: 'alice' } };
    await receive({
      id: 'd-8',
      name: 'pull_request_review',
      payload: {
        action: 'submitted',
        repository,
        installation,
        sender,
        pull_request,
        review: { id: 11, body: '/codecloud fix', html_url: 'https://x', submitted_at: null },
      },
    });
    await receive({
      id: 'd-9',
      name: 'pull_request_review_comment',
      payload: {
        action: 'created',
        repository,
        installation,
        sender,
        pull_request,
        comment: {
          id: 12,
          body: '/codecloud fix',
          html_url: 'https://x',
          created_at: '2026-01-01T00:00:00Z',
          path: 'a.ts',
          line: 3,
          diff_hunk: '@@',
        },
      },
    });
    // A label without the issue's `updated_at` (never so from GitHub) falls back to its delivery id.
    expect((await jobKeys()).sort()).toEqual([
      'github:d-7',
      'github:issue_body:acme/app#4',
      'github:review:11',
      'github:review_comment:12',
    ]);
  });

  it('a push updates the config cache, and is recorded only on the default branch', async () => {
    const push = (id: string, ref: string) => ({
      id,
      name: 'push',
      payload: { ref, repository, installation, commits: [{ modified: ['.github/codecloud.yml'] }] },
    });
    await receive(push('d-10', 'refs/heads/feature'));
    await receive(push('d-11', 'refs/heads/main'));
    expect(pushes.map((p) => p.ref)).toEqual(['refs/heads/feature', 'refs/heads/main']);
    expect(pushes[1]).toEqual({
      ref: 'refs/heads/main',
      repository: { name: 'App', owner: { login: 'Acme', name: null }, default_branch: 'main' },
      commits: [{ added: [], removed: [], modified: ['.github/codecloud.yml'] }],
    });
    expect(await jobKeys()).toEqual(['github:d-11']);
  });

  it('installation new_permissions_accepted → its installation id; other installation actions and a payload without id are not (logged)', async () => {
    const payload = {
      action: 'new_permissions_accepted',
      installation: { id: 42, account: { login: 'Acme' } },
      sender,
    };
    await receive({ id: 'd-20', name: 'installation', payload });
    await receive({ id: 'd-21', name: 'installation', payload: { ...payload, action: 'suspend' } });
    await receive({
      id: 'd-22',
      name: 'installation',
      payload: { action: 'new_permissions_accepted', sender },
    });
    expect(accepted).toEqual([42]);
    expect(warnings.at(-1)).toContain('ignoring installation delivery d-22');
    expect(warnings.at(-1)).toContain('installation');
    expect(await jobKeys()).toEqual([]);
  });
});

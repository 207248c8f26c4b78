import { describe, expect, it } from 'vitest';
import { type GitHubRequester, gitHubApi } from '../../../src/github/github-api.js';
import { mergeConfigs } from '../../../src/github/merge-configs.js';

function requester(
  answers: Record<string, unknown>,
  calls: Array<{ route: string; params: unknown }> = [],
): GitHubRequester {
  return {
    async request(route, params) {
      calls.push({ route, params });
      const answer = answers[route];
      if (answer instanceof Error) throw answer;
      return { status: 200, data: answer };
    },
  };
}

const ref = { owner: 'acme', repo: 'app' };

describe('gitHubApi', () => {
  it('reads the role from the collaborator-permission API; a 404 means none', async () => {
    const route = 'GET /repos/{owner}/{repo}/collaborators/{username}/permission';
    expect(
      await gitHubApi(requester({ [route]: { permission: 'write', role_name: 'maintain' } })).permissionOf(
        ref,
        'a',
      ),
    ).toBe('maintain');
    // A custom repository role counts as its base permission, not as `none`.
    expect(
      await gitHubApi(
        requester({ [route]: { permission: 'write', role_name: 'release-manager' } }),
      ).permissionOf(ref, 'a'),
    ).toBe('write');
    const notFound = Object.assign(new Error('Not Found'), { status: 404 });
    expect(await gitHubApi(requester({ [route]: notFound })).permissionOf(ref, 'a')).toBe('none');
    const boom = Object.assign(new Error('Server Error'), { status: 500 });
    await expect(gitHubApi(requester({ [route]: boom })).permissionOf(ref, 'a')).rejects.toThrow(
      'Server Error',
    );
  });

  it('tells fork pull requests apart and fails clearly on a surprising answer', async () => {
    const route = 'GET /repos/{owner}/{repo}/pulls/{pull_number}';
    const pull = (head: string | null) => ({
      number: 5,
      title: 'T',
      body: null,
      state: 'open',
      html_url: 'https://github.com/acme/app/pull/5',
      user: { login: 'bob' },
      head: { ref: 'feature', sha: 'abc', repo: head === null ? null : { full_name: head } },
      base: { ref: 'main', repo: { full_name: 'acme/app' } },
    });
    expect((await gitHubApi(requester({ [route]: pull('acme/app') })).getPull(ref, 5)).fromFork).toBe(false);
    expect((await gitHubApi(requester({ [route]: pull('bob/app') })).getPull(ref, 5)).fromFork).toBe(true);
    expect((await gitHubApi(requester({ [route]: pull(null) })).getPull(ref, 5)).fromFork).toBe(true);
    await expect(gitHubApi(requester({ [route]: { number: 5 } })).getPull(ref, 5)).rejects.toThrow(/title/);
  });

  it('sends reactions to the right endpoint for each target', async () => {
    const calls: Array<{ route: string; params: unknown }> = [];
    const api = gitHubApi(requester({}, calls));
    await api.react(ref, { kind: 'issue', number: 3 }, 'eyes');
    await api.react(ref, { kind: 'issue_comment', id: 4 }, 'rocket');
    await api.react(ref, { kind: 'review_comment', id: 5 }, 'confused');
    expect(calls.map((c) => c.route)).toEqual([
      'POST /repos/{owner}/{repo}/issues/{issue_number}/reactions',
      'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions',
    ]);
    expect(calls[2]?.params).toMatchObject({ comment_id: 5, content: 'confused' });
  });
});

describe('mergeConfigs (Probot context.config semantics)', () => {
  it('merges objects deeply, concatenates arrays, later files win', () => {
    expect(
      mergeConfigs([
        { model: 'a', allowed_bots: ['x'], nested: { a: 1, b: 1 } },
        null,
        { model: 'b', allowed_bots: ['y'], nested: { b: 2 } },
      ]),
    ).toEqual({ model: 'b', allowed_bots: ['x', 'y'], nested: { a: 1, b: 2 } });
  });
});

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

  it('lists the most recent comments up to the trigger time, reading the last pages of a long thread', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const comments = Array.from({ length: 250 }, (_, i) => ({
      id: i + 1,
      body: `c${i + 1}`,
      user: { login: 'bob', type: 'User' },
      created_at: new Date(t0 + i * 60_000).toISOString(),
    }));
    const pages: number[] = [];
    const paged: GitHubRequester = {
      async request(_route, params) {
        const page = Number((params as { page?: number }).page ?? 1);
        pages.push(page);
        return {
          status: 200,
          data: comments.slice((page - 1) * 100, page * 100),
          headers: page < 3 ? { link: '<https://x/comments?per_page=100&page=3>; rel="last"' } : {},
        };
      },
    };
    // The trigger is comment 240: comments 241..250 came later and are left out.
    const before = new Date(t0 + 239 * 60_000).toISOString();
    const got = await gitHubApi(paged).listComments(ref, 1, 30, { before });
    expect(got.map((c) => c.id)).toEqual(Array.from({ length: 30 }, (_, i) => 211 + i));
    expect(pages).toEqual([1, 3]);
    const all = await gitHubApi(paged).listComments(ref, 1, 5);
    expect(all.map((c) => c.id)).toEqual([246, 247, 248, 249, 250]);
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

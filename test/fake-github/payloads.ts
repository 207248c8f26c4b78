// GitHub-shaped JSON (REST responses and webhook payload parts) built from the fake's state.
import type { FakeComment, FakeIssue, FakeRepo, FakeState, FakeUser, Permission } from './state.js';

export interface Urls {
  /** e.g. http://127.0.0.1:PORT (plays github.com) */
  web: string;
  /** e.g. http://127.0.0.1:PORT/api/v3 */
  api: string;
}

export interface AppInfo {
  id: number;
  slug: string;
}

type J = Record<string, unknown>;

export function userJson(urls: Urls, user: FakeUser): J {
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    avatar_url: `${urls.web}/avatars/${encodeURIComponent(user.login)}`,
    gravatar_id: '',
    url: `${urls.api}/users/${encodeURIComponent(user.login)}`,
    html_url: `${urls.web}/${encodeURIComponent(user.login)}`,
    type: user.type,
    site_admin: false,
  };
}

export function repoJson(urls: Urls, state: FakeState, repo: FakeRepo): J {
  const owner = state.user(repo.owner);
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(urls, owner),
    html_url: `${urls.web}/${repo.fullName}`,
    description: null,
    fork: repo.isFork,
    url: `${urls.api}/repos/${repo.fullName}`,
    clone_url: `${urls.web}/${repo.fullName}.git`,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? 'private' : 'public',
    archived: false,
    disabled: false,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    pushed_at: '2024-01-01T00:00:00Z',
  };
}

export function authorAssociation(state: FakeState, repo: FakeRepo, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
  const permission: Permission = state.permission(repo, login);
  if (permission === 'admin' || permission === 'maintain' || permission === 'write') return 'COLLABORATOR';
  return 'NONE';
}

export function performedViaApp(urls: Urls, app: AppInfo): J {
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:App${app.id}`).toString('base64'),
    name: app.slug,
    owner: { login: 'codecloud', id: 1, type: 'Organization' },
    external_url: urls.web,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions: {},
    events: [],
  };
}

export function issueJson(urls: Urls, state: FakeState, repo: FakeRepo, issue: FakeIssue): J {
  const base = `${urls.api}/repos/${repo.fullName}/issues/${issue.number}`;
  const comments = state.comments.on('issue', repo.fullName, issue.number).length;
  return {
    url: base,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    comments_url: `${base}/comments`,
    html_url: `${urls.web}/${repo.fullName}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString('base64'),
    number: issue.number,
    title: issue.title,
    body: issue.body,
    user: userJson(urls, state.user(issue.user)),
    labels: issue.labels.map((name, i) => ({
      id: issue.id * 100 + i,
      name,
      color: 'ededed',
      default: false,
      description: null,
    })),
    state: issue.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: null,
    author_association: authorAssociation(state, repo, issue.user),
    ...(issue.pull
      ? {
          pull_request: {
            url: `${urls.api}/repos/${repo.fullName}/pulls/${issue.number}`,
            html_url: `${urls.web}/${repo.fullName}/pull/${issue.number}`,
            diff_url: `${urls.web}/${repo.fullName}/pull/${issue.number}.diff`,
            patch_url: `${urls.web}/${repo.fullName}/pull/${issue.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export function pullJson(urls: Urls, state: FakeState, repo: FakeRepo, issue: FakeIssue): J {
  const pull = issue.pull;
  if (!pull) throw new Error(`fake GitHub: #${issue.number} is not a pull request`);
  const headRepo = state.repo(pull.headRepo) ?? repo;
  const branch = (r: FakeRepo, ref: string, sha: string): J => ({
    label: `${r.owner}:${ref}`,
    ref,
    sha,
    user: userJson(urls, state.user(r.owner)),
    repo: repoJson(urls, state, r),
  });
  return {
    url: `${urls.api}/repos/${repo.fullName}/pulls/${issue.number}`,
    id: issue.id,
    node_id: Buffer.from(`011:PullRequest${issue.id}`).toString('base64'),
    html_url: `${urls.web}/${repo.fullName}/pull/${issue.number}`,
    diff_url: `${urls.web}/${repo.fullName}/pull/${issue.number}.diff`,
    issue_url: `${urls.api}/repos/${repo.fullName}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: userJson(urls, state.user(issue.user)),
    body: issue.body,
    labels: [],
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: null,
    merged_at: null,
    draft: false,
    head: branch(headRepo, pull.head, pull.headSha),
    base: branch(repo, pull.base, '0'.repeat(40)),
    author_association: authorAssociation(state, repo, issue.user),
    merged: false,
    mergeable: null,
    comments: 0,
    commits: 1,
    additions: 1,
    deletions: 0,
    changed_files: 1,
  };
}

/** Fields of a full pull request that GitHub leaves out of the pull request in review webhooks. */
const FULL_PULL_ONLY = [
  'merged',
  'mergeable',
  'comments',
  'commits',
  'additions',
  'deletions',
  'changed_files',
];

/** The pull request as review webhooks (`pull_request_review`, `pull_request_review_comment`) carry it. */
export function reviewEventPullJson(urls: Urls, state: FakeState, repo: FakeRepo, issue: FakeIssue): J {
  const full = pullJson(urls, state, repo, issue);
  return Object.fromEntries(Object.entries(full).filter(([key]) => !FULL_PULL_ONLY.includes(key)));
}

export function commentJson(urls: Urls, app: AppInfo, state: FakeState, repo: FakeRepo, c: FakeComment): J {
  const common = {
    id: c.id,
    node_id: Buffer.from(`012:Comment${c.id}`).toString('base64'),
    user: userJson(urls, state.user(c.user)),
    body: c.body,
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: authorAssociation(state, repo, c.user),
    performed_via_github_app: c.viaApp ? performedViaApp(urls, app) : null,
    reactions: reactionRollup(urls, state, c),
  };
  if (c.kind === 'issue') {
    const issue = state.issue(repo.fullName, c.number);
    return {
      url: `${urls.api}/repos/${repo.fullName}/issues/comments/${c.id}`,
      html_url: `${urls.web}/${repo.fullName}/${issue?.pull ? 'pull' : 'issues'}/${c.number}#issuecomment-${c.id}`,
      issue_url: `${urls.api}/repos/${repo.fullName}/issues/${c.number}`,
      ...common,
    };
  }
  return {
    url: `${urls.api}/repos/${repo.fullName}/pulls/comments/${c.id}`,
    html_url: `${urls.web}/${repo.fullName}/pull/${c.number}#discussion_r${c.id}`,
    pull_request_url: `${urls.api}/repos/${repo.fullName}/pulls/${c.number}`,
    pull_request_review_id: c.review_id ?? null,
    diff_hunk: c.diff_hunk ?? '',
    path: c.path ?? '',
    position: c.line ?? null,
    original_position: c.line ?? null,
    line: c.line ?? null,
    original_line: c.line ?? null,
    side: 'RIGHT',
    commit_id: c.commit_id ?? '0'.repeat(40),
    original_commit_id: c.commit_id ?? '0'.repeat(40),
    ...(c.in_reply_to !== undefined ? { in_reply_to_id: c.in_reply_to } : {}),
    _links: {
      self: { href: `${urls.api}/repos/${repo.fullName}/pulls/comments/${c.id}` },
      html: { href: `${urls.web}/${repo.fullName}/pull/${c.number}#discussion_r${c.id}` },
      pull_request: { href: `${urls.api}/repos/${repo.fullName}/pulls/${c.number}` },
    },
    ...common,
  };
}

function reactionRollup(urls: Urls, state: FakeState, c: FakeComment): J {
  const subject = c.kind === 'issue' ? 'comment' : 'review_comment';
  const mine = state.reactionsTo(subject, c.id);
  const count = (content: string): number => mine.filter((r) => r.content === content).length;
  return {
    url: `${urls.api}/repos/${c.repo}/${c.kind === 'issue' ? 'issues' : 'pulls'}/comments/${c.id}/reactions`,
    total_count: mine.length,
    '+1': count('+1'),
    '-1': count('-1'),
    laugh: count('laugh'),
    confused: count('confused'),
    heart: count('heart'),
    hooray: count('hooray'),
    eyes: count('eyes'),
    rocket: count('rocket'),
  };
}

export function installationJson(urls: Urls, app: AppInfo, state: FakeState, installationId: number): J {
  const repo = [...state.repos.values()].find((r) => r.installationId === installationId && !r.isFork);
  const account = state.user(repo?.owner ?? 'codecloud-test');
  return {
    id: installationId,
    account: userJson(urls, account),
    repository_selection: 'selected',
    access_tokens_url: `${urls.api}/app/installations/${installationId}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/settings/installations/${installationId}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: account.type === 'Bot' ? 'User' : 'Organization',
    permissions: state.installationPermissions.get(installationId) ?? defaultAppPermissions(),
    events: ['issues', 'issue_comment', 'pull_request', 'pull_request_review', 'pull_request_review_comment'],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}

export function defaultAppPermissions(): Record<string, string> {
  return {
    metadata: 'read',
    contents: 'write',
    issues: 'write',
    pull_requests: 'write',
    checks: 'write',
    actions: 'read',
  };
}

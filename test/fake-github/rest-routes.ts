// Stateful GitHub REST routes (only reached after the request passed the OpenAPI check and authentication).
import { createHash } from 'node:crypto';
import { newInstallationToken } from './auth.js';
import { CHECK_ROUTES } from './check-routes.js';
import {
  type AppInfo,
  commentJson,
  defaultAppPermissions,
  installationJson,
  issueJson,
  pullJson,
  repoJson,
  type Urls,
  userJson,
} from './payloads.js';
import type { FakeComment, FakeIssue, FakeRepo, FakeState, FakeToken } from './state.js';

export interface RestContext {
  state: FakeState;
  urls: Urls;
  app: AppInfo;
  nowMs(): number;
  tokenTtlMs: number;
  /** Sends a webhook for something the app itself did (only when echoing bot activity is enabled). */
  echo(event: string, payload: Record<string, unknown>): Promise<void>;
  payloadBase(repo: FakeRepo, action: string, sender: string): Record<string, unknown>;
}

export interface RestRequest {
  method: string;
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The installation token used, for repo routes. */
  token?: FakeToken;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A raw (non-JSON) body, e.g. for `application/vnd.github.raw`. */
  raw?: string;
}

export type Handler = (ctx: RestContext, req: RestRequest) => RestResponse | Promise<RestResponse>;

const DOCS = 'https://docs.github.com/rest';

export function errorResponse(
  status: number,
  message: string,
  extra?: Record<string, unknown>,
): RestResponse {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

const notFound = (): RestResponse => errorResponse(404, 'Not Found');

function iso(ctx: RestContext): string {
  return new Date(ctx.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function repoOf(ctx: RestContext, req: RestRequest): FakeRepo | undefined {
  return ctx.state.repo(`${req.params.owner ?? ''}/${req.params.repo ?? ''}`);
}

function num(value: string | undefined): number {
  return Number(value ?? Number.NaN);
}

/** The login the request acts as: the app's bot for installation tokens. */
function actor(ctx: RestContext): string {
  return `${ctx.app.slug}[bot]`;
}

function paginate<T>(
  req: RestRequest,
  items: T[],
  baseUrl: string,
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const links: string[] = [];
  const link = (p: number, rel: string): string => `<${baseUrl}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

function fakeSha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

// ---- app ----

const getApp: Handler = (ctx) => ({
  status: 200,
  body: {
    id: ctx.app.id,
    slug: ctx.app.slug,
    node_id: Buffer.from(`03:App${ctx.app.id}`).toString('base64'),
    name: ctx.app.slug,
    owner: userJson(ctx.urls, ctx.state.user('codecloud')),
    description: 'codecloud (fake)',
    external_url: ctx.urls.web,
    html_url: `${ctx.urls.web}/apps/${ctx.app.slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions: defaultAppPermissions(),
    events: ['issues', 'issue_comment', 'pull_request', 'pull_request_review', 'pull_request_review_comment'],
    installations_count: installationIds(ctx).length,
  },
});

function installationIds(ctx: RestContext): number[] {
  return [...new Set([...ctx.state.repos.values()].filter((r) => !r.isFork).map((r) => r.installationId))];
}

const listInstallations: Handler = (ctx) => ({
  status: 200,
  body: installationIds(ctx).map((id) => installationJson(ctx.urls, ctx.app, ctx.state, id)),
});

const getInstallation: Handler = (ctx, req) => {
  const id = num(req.params.installation_id);
  if (!installationIds(ctx).includes(id)) return notFound();
  return { status: 200, body: installationJson(ctx.urls, ctx.app, ctx.state, id) };
};

const LEVELS: Record<string, number> = { read: 1, write: 2, admin: 3 };

const createAccessToken: Handler = (ctx, req) => {
  const installationId = num(req.params.installation_id);
  if (!installationIds(ctx).includes(installationId)) return notFound();
  const body = obj(req.body);
  const installed = [...ctx.state.repos.values()].filter(
    (r) => r.installationId === installationId && !r.isFork,
  );
  let repositories: FakeRepo[] | undefined;
  if (Array.isArray(body.repositories) || Array.isArray(body.repository_ids)) {
    const names = (Array.isArray(body.repositories) ? body.repositories : []).map(String);
    const ids = (Array.isArray(body.repository_ids) ? body.repository_ids : []).map(Number);
    repositories = [];
    for (const name of names) {
      const repo = installed.find((r) => r.name.toLowerCase() === name.toLowerCase());
      if (!repo)
        return errorResponse(
          422,
          `There is at least one repository that does not exist or is not accessible to the parent installation.`,
        );
      repositories.push(repo);
    }
    for (const id of ids) {
      const repo = installed.find((r) => r.id === id);
      if (!repo)
        return errorResponse(
          422,
          `There is at least one repository that does not exist or is not accessible to the parent installation.`,
        );
      repositories.push(repo);
    }
  }
  // An installation whose owner has not accepted the app's newer permissions has fewer (`/_fake/installation-permissions`).
  const narrowed = ctx.state.installationPermissions.get(installationId);
  const granted = narrowed ?? defaultAppPermissions();
  let permissions: Record<string, string> | undefined;
  if (body.permissions !== undefined) {
    permissions = {};
    for (const [name, level] of Object.entries(obj(body.permissions))) {
      const max = granted[name];
      if (!max || (LEVELS[String(level)] ?? 99) > (LEVELS[max] ?? 0)) {
        return errorResponse(422, 'The permissions requested are not granted to this installation.');
      }
      permissions[name] = String(level);
    }
  }
  const token: FakeToken = {
    token: newInstallationToken(),
    installationId,
    expiresAt: ctx.nowMs() + ctx.tokenTtlMs,
    ...(repositories ? { repositories: repositories.map((r) => r.fullName) } : {}),
    ...((permissions ?? narrowed) ? { permissions: permissions ?? narrowed ?? {} } : {}),
  };
  ctx.state.tokens.set(token.token, token);
  return {
    status: 201,
    body: {
      token: token.token,
      expires_at: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: permissions ?? granted,
      repository_selection: repositories ? 'selected' : 'all',
      ...(repositories ? { repositories: repositories.map((r) => repoJson(ctx.urls, ctx.state, r)) } : {}),
    },
  };
};

const getRepoInstallation: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo || repo.isFork) return notFound();
  return { status: 200, body: installationJson(ctx.urls, ctx.app, ctx.state, repo.installationId) };
};

// ---- repos, users, permissions, contents, dispatches ----

const getRepo: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  return repo ? { status: 200, body: repoJson(ctx.urls, ctx.state, repo) } : notFound();
};

const getUser: Handler = (ctx, req) => {
  const user = ctx.state.users.get((req.params.username ?? '').toLowerCase());
  return user ? { status: 200, body: userJson(ctx.urls, user) } : notFound();
};

const getCollaboratorPermission: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  const user = ctx.state.users.get((req.params.username ?? '').toLowerCase());
  if (!repo || !user) return notFound();
  const role = ctx.state.permission(repo, user.login);
  // Like GitHub: `permission` is the legacy level (maintain → write, triage → read); `role_name` is exact.
  const legacy = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
  return {
    status: 200,
    body: {
      permission: legacy,
      role_name: role,
      user: {
        ...userJson(ctx.urls, user),
        permissions: {
          admin: role === 'admin',
          maintain: role === 'admin' || role === 'maintain',
          push: role === 'admin' || role === 'maintain' || role === 'write',
          triage: role !== 'read' && role !== 'none',
          pull: role !== 'none',
        },
        role_name: role,
      },
    },
  };
};

const getContent: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const path = (req.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const content = repo.files.get(path);
  const accept = String(req.headers.accept ?? '');
  const htmlBase = `${ctx.urls.web}/${repo.fullName}/blob/${repo.defaultBranch}`;
  const fileEntry = (p: string, text: string): Record<string, unknown> => {
    const sha = fakeSha(`blob ${Buffer.byteLength(text)}\0${text}`);
    const url = `${ctx.urls.api}/repos/${repo.fullName}/contents/${p}`;
    return {
      type: 'file',
      name: p.split('/').pop() ?? p,
      path: p,
      sha,
      size: Buffer.byteLength(text),
      url,
      html_url: `${htmlBase}/${p}`,
      git_url: `${ctx.urls.api}/repos/${repo.fullName}/git/blobs/${sha}`,
      download_url: `${ctx.urls.web}/raw/${repo.fullName}/${repo.defaultBranch}/${p}`,
      _links: {
        self: url,
        git: `${ctx.urls.api}/repos/${repo.fullName}/git/blobs/${sha}`,
        html: `${htmlBase}/${p}`,
      },
    };
  };
  if (content === undefined) {
    const prefix = path === '' ? '' : `${path}/`;
    const children = [...repo.files.keys()].filter((p) => p.startsWith(prefix));
    if (children.length === 0) return notFound();
    // A directory: GitHub answers JSON even for the raw media type (octokit-plugin-config relies on that).
    const names = new Set(children.map((p) => p.slice(prefix.length).split('/')[0] ?? ''));
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: [...names].map((name) => {
        const full = `${prefix}${name}`;
        const text = repo.files.get(full);
        return text === undefined ? { ...fileEntry(full, ''), type: 'dir', size: 0 } : fileEntry(full, text);
      }),
    };
  }
  if (/vnd\.github(?:\.v3)?\.raw/.test(accept)) {
    return {
      status: 200,
      raw: content,
      headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
    };
  }
  const encoded = Buffer.from(content, 'utf8')
    .toString('base64')
    .replace(/(.{60})/g, '$1\n');
  return {
    status: 200,
    body: { ...fileEntry(path, content), encoding: 'base64', content: `${encoded}\n` },
  };
};

const createDispatch: Handler = (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const body = obj(req.body);
  ctx.state.dispatches.push({
    repo: repo.fullName,
    event_type: String(body.event_type),
    client_payload: body.client_payload ?? {},
  });
  return { status: 204 };
};

// ---- issues and issue comments ----

function issueOf(ctx: RestContext, req: RestRequest): { repo: FakeRepo; issue: FakeIssue } | undefined {
  const repo = repoOf(ctx, req);
  const issue = repo
    ? ctx.state.issue(repo.fullName, num(req.params.issue_number ?? req.params.pull_number))
    : undefined;
  return repo && issue ? { repo, issue } : undefined;
}

const getIssue: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  return found ? { status: 200, body: issueJson(ctx.urls, ctx.state, found.repo, found.issue) } : notFound();
};

const updateIssue: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found) return notFound();
  const body = obj(req.body);
  const { issue } = found;
  if (typeof body.title === 'string') issue.title = body.title;
  if (typeof body.body === 'string') issue.body = body.body;
  if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
  if (Array.isArray(body.labels))
    issue.labels = body.labels.map((l) => (typeof l === 'string' ? l : String(obj(l).name)));
  issue.updatedAt = iso(ctx);
  return { status: 200, body: issueJson(ctx.urls, ctx.state, found.repo, issue) };
};

const addLabels: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found) return notFound();
  const raw = Array.isArray(req.body) ? req.body : obj(req.body).labels;
  const names = (Array.isArray(raw) ? raw : []).map((l) => (typeof l === 'string' ? l : String(obj(l).name)));
  for (const name of names) if (!found.issue.labels.includes(name)) found.issue.labels.push(name);
  const json = issueJson(ctx.urls, ctx.state, found.repo, found.issue);
  return { status: 200, body: json.labels };
};

function commentsOn(
  ctx: RestContext,
  kind: FakeComment['kind'],
  repo: FakeRepo,
  number: number,
): FakeComment[] {
  return ctx.state.comments.on(kind, repo.fullName, number);
}

const listIssueComments: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found) return notFound();
  const since = req.query.get('since');
  const all = commentsOn(ctx, 'issue', found.repo, found.issue.number).filter(
    (c) => !since || c.updated_at >= since,
  );
  const { page, headers } = paginate(
    req,
    all,
    `${ctx.urls.api}/repos/${found.repo.fullName}/issues/${found.issue.number}/comments`,
  );
  return {
    status: 200,
    headers,
    body: page.map((c) => commentJson(ctx.urls, ctx.app, ctx.state, found.repo, c)),
  };
};

const createIssueComment: Handler = async (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found) return notFound();
  const now = iso(ctx);
  const comment: FakeComment = {
    id: ctx.state.id(),
    kind: 'issue',
    repo: found.repo.fullName,
    number: found.issue.number,
    user: ctx.state.user(actor(ctx), 'Bot').login,
    body: String(obj(req.body).body),
    created_at: now,
    updated_at: now,
    edits: 0,
    viaApp: true,
  };
  ctx.state.comments.set(comment.id, comment);
  const json = commentJson(ctx.urls, ctx.app, ctx.state, found.repo, comment);
  await ctx.echo('issue_comment', {
    ...ctx.payloadBase(found.repo, 'created', comment.user),
    issue: issueJson(ctx.urls, ctx.state, found.repo, found.issue),
    comment: json,
  });
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

function commentOf(ctx: RestContext, req: RestRequest, kind: FakeComment['kind']): FakeComment | undefined {
  const repo = repoOf(ctx, req);
  const comment = ctx.state.comments.get(num(req.params.comment_id));
  return repo && comment && comment.kind === kind && comment.repo === repo.fullName ? comment : undefined;
}

const getComment =
  (kind: FakeComment['kind']): Handler =>
  (ctx, req) => {
    const comment = commentOf(ctx, req, kind);
    const repo = repoOf(ctx, req);
    return comment && repo
      ? { status: 200, body: commentJson(ctx.urls, ctx.app, ctx.state, repo, comment) }
      : notFound();
  };

const updateComment =
  (kind: FakeComment['kind']): Handler =>
  (ctx, req) => {
    const comment = commentOf(ctx, req, kind);
    const repo = repoOf(ctx, req);
    if (!comment || !repo) return notFound();
    comment.body = String(obj(req.body).body);
    comment.updated_at = iso(ctx);
    comment.edits += 1;
    return { status: 200, body: commentJson(ctx.urls, ctx.app, ctx.state, repo, comment) };
  };

const deleteComment =
  (kind: FakeComment['kind']): Handler =>
  (ctx, req) => {
    const comment = commentOf(ctx, req, kind);
    if (!comment) return notFound();
    ctx.state.comments.delete(comment.id);
    return { status: 204 };
  };

// ---- reactions ----

const createReaction =
  (subject: 'issue' | 'comment' | 'review_comment'): Handler =>
  (ctx, req) => {
    const repo = repoOf(ctx, req);
    if (!repo) return notFound();
    let subjectId: number;
    if (subject === 'issue') {
      const found = issueOf(ctx, req);
      if (!found) return notFound();
      subjectId = found.issue.number;
    } else {
      const comment = commentOf(ctx, req, subject === 'comment' ? 'issue' : 'review');
      if (!comment) return notFound();
      subjectId = comment.id;
    }
    const content = String(obj(req.body).content);
    const user = ctx.state.user(actor(ctx), 'Bot');
    const existing = ctx.state
      .reactionsTo(subject, subjectId)
      .find((r) => r.repo === repo.fullName && r.content === content && r.user === user.login);
    const reaction = existing ?? {
      id: ctx.state.id(),
      subject,
      subjectId,
      repo: repo.fullName,
      content,
      user: user.login,
    };
    if (!existing) ctx.state.addReaction(reaction);
    return {
      status: existing ? 200 : 201,
      body: {
        id: reaction.id,
        node_id: Buffer.from(`08:Reaction${reaction.id}`).toString('base64'),
        user: userJson(ctx.urls, user),
        content,
        created_at: iso(ctx),
      },
    };
  };

// ---- pull requests and review comments ----

const getPull: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found?.issue.pull) return notFound();
  return { status: 200, body: pullJson(ctx.urls, ctx.state, found.repo, found.issue) };
};

export function openPull(
  ctx: Pick<RestContext, 'state' | 'nowMs'>,
  repo: FakeRepo,
  input: { title: string; body: string; head: string; base: string; user: string; fork: boolean },
): FakeIssue {
  const now = new Date(ctx.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let headRepo = repo.fullName;
  let head = input.head;
  const colon = head.indexOf(':');
  if (colon > 0) {
    const headOwner = head.slice(0, colon);
    head = head.slice(colon + 1);
    if (headOwner.toLowerCase() !== repo.owner.toLowerCase()) headRepo = `${headOwner}/${repo.name}`;
  }
  if (input.fork && headRepo === repo.fullName) headRepo = `${input.user}/${repo.name}`;
  if (headRepo !== repo.fullName && !ctx.state.repo(headRepo)) {
    const [owner = input.user, name = repo.name] = headRepo.split('/');
    ctx.state.repos.set(headRepo.toLowerCase(), {
      id: ctx.state.id(),
      owner,
      name,
      fullName: headRepo,
      defaultBranch: repo.defaultBranch,
      installationId: 0,
      private: repo.private,
      isFork: true,
      files: new Map(),
      nextNumber: 1,
    });
  }
  const number = repo.nextNumber++;
  const issue: FakeIssue = {
    id: ctx.state.id(),
    repo: repo.fullName,
    number,
    title: input.title,
    body: input.body,
    user: ctx.state.user(input.user).login,
    labels: [],
    state: 'open',
    createdAt: now,
    updatedAt: now,
    pull: {
      head,
      base: input.base,
      headSha: fakeSha(`${repo.fullName}#${number}:${head}`),
      headRepo,
      fork: headRepo !== repo.fullName,
    },
  };
  ctx.state.putIssue(issue);
  return issue;
}

const createPull: Handler = async (ctx, req) => {
  const repo = repoOf(ctx, req);
  if (!repo) return notFound();
  const body = obj(req.body);
  const base = String(body.base ?? repo.defaultBranch);
  const head = String(body.head ?? '');
  if (head === '' || head === base) {
    return errorResponse(422, 'Validation Failed', {
      errors: [
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` },
      ],
    });
  }
  const issue = openPull(ctx, repo, {
    title: String(body.title ?? head),
    body: typeof body.body === 'string' ? body.body : '',
    head,
    base,
    user: ctx.state.user(actor(ctx), 'Bot').login,
    fork: false,
  });
  const json = pullJson(ctx.urls, ctx.state, repo, issue);
  await ctx.echo('pull_request', {
    ...ctx.payloadBase(repo, 'opened', issue.user),
    number: issue.number,
    pull_request: json,
  });
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

const listReviewComments: Handler = (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found?.issue.pull) return notFound();
  const all = commentsOn(ctx, 'review', found.repo, found.issue.number);
  const { page, headers } = paginate(
    req,
    all,
    `${ctx.urls.api}/repos/${found.repo.fullName}/pulls/${found.issue.number}/comments`,
  );
  return {
    status: 200,
    headers,
    body: page.map((c) => commentJson(ctx.urls, ctx.app, ctx.state, found.repo, c)),
  };
};

function addReviewComment(
  ctx: RestContext,
  repo: FakeRepo,
  issue: FakeIssue,
  input: {
    body: string;
    path: string;
    line: number | null;
    diffHunk: string;
    inReplyTo?: number;
    commitId?: string;
  },
): FakeComment {
  const now = iso(ctx);
  const comment: FakeComment = {
    id: ctx.state.id(),
    kind: 'review',
    repo: repo.fullName,
    number: issue.number,
    user: ctx.state.user(actor(ctx), 'Bot').login,
    body: input.body,
    created_at: now,
    updated_at: now,
    edits: 0,
    path: input.path,
    line: input.line,
    diff_hunk: input.diffHunk,
    review_id: ctx.state.id(),
    commit_id: input.commitId ?? issue.pull?.headSha ?? '0'.repeat(40),
    viaApp: true,
    ...(input.inReplyTo !== undefined ? { in_reply_to: input.inReplyTo } : {}),
  };
  ctx.state.comments.set(comment.id, comment);
  return comment;
}

async function echoReviewComment(
  ctx: RestContext,
  repo: FakeRepo,
  issue: FakeIssue,
  comment: FakeComment,
): Promise<Record<string, unknown>> {
  const json = commentJson(ctx.urls, ctx.app, ctx.state, repo, comment);
  await ctx.echo('pull_request_review_comment', {
    ...ctx.payloadBase(repo, 'created', comment.user),
    comment: json,
    pull_request: pullJson(ctx.urls, ctx.state, repo, issue),
  });
  return json;
}

const createReviewComment: Handler = async (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found?.issue.pull) return notFound();
  const body = obj(req.body);
  const inReplyTo = typeof body.in_reply_to === 'number' ? body.in_reply_to : undefined;
  let parent: FakeComment | undefined;
  if (inReplyTo !== undefined) {
    parent = ctx.state.comments.get(inReplyTo);
    if (parent?.kind !== 'review' || parent.number !== found.issue.number) return notFound();
  } else if (
    typeof body.path !== 'string' ||
    (typeof body.line !== 'number' && typeof body.position !== 'number')
  ) {
    return errorResponse(422, 'Validation Failed', {
      errors: [{ resource: 'PullRequestReviewComment', code: 'missing_field', field: 'path/line' }],
    });
  }
  const comment = addReviewComment(ctx, found.repo, found.issue, {
    body: String(body.body),
    path: parent?.path ?? String(body.path),
    line: parent ? (parent.line ?? null) : Number(body.line ?? body.position),
    diffHunk: parent?.diff_hunk ?? '',
    ...(inReplyTo !== undefined ? { inReplyTo } : {}),
    ...(typeof body.commit_id === 'string' ? { commitId: body.commit_id } : {}),
  });
  const json = await echoReviewComment(ctx, found.repo, found.issue, comment);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

const replyToReviewComment: Handler = async (ctx, req) => {
  const found = issueOf(ctx, req);
  if (!found?.issue.pull) return notFound();
  const parent = ctx.state.comments.get(num(req.params.comment_id));
  if (
    parent?.kind !== 'review' ||
    parent.repo !== found.repo.fullName ||
    parent.number !== found.issue.number
  ) {
    return notFound();
  }
  const comment = addReviewComment(ctx, found.repo, found.issue, {
    body: String(obj(req.body).body),
    path: parent.path ?? '',
    line: parent.line ?? null,
    diffHunk: parent.diff_hunk ?? '',
    inReplyTo: parent.in_reply_to ?? parent.id,
  });
  const json = await echoReviewComment(ctx, found.repo, found.issue, comment);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

export const REST_ROUTES: Record<string, Handler> = {
  ...CHECK_ROUTES,
  'GET /app': getApp,
  'GET /app/installations': listInstallations,
  'GET /app/installations/{installation_id}': getInstallation,
  'POST /app/installations/{installation_id}/access_tokens': createAccessToken,
  'GET /repos/{owner}/{repo}/installation': getRepoInstallation,
  'GET /repos/{owner}/{repo}': getRepo,
  'GET /users/{username}': getUser,
  'GET /repos/{owner}/{repo}/collaborators/{username}/permission': getCollaboratorPermission,
  'GET /repos/{owner}/{repo}/contents/{path}': getContent,
  'POST /repos/{owner}/{repo}/dispatches': createDispatch,
  'GET /repos/{owner}/{repo}/issues/{issue_number}': getIssue,
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}': updateIssue,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': addLabels,
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': listIssueComments,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': createIssueComment,
  'GET /repos/{owner}/{repo}/issues/comments/{comment_id}': getComment('issue'),
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': updateComment('issue'),
  'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}': deleteComment('issue'),
  'POST /repos/{owner}/{repo}/issues/{issue_number}/reactions': createReaction('issue'),
  'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': createReaction('comment'),
  'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions': createReaction('review_comment'),
  'GET /repos/{owner}/{repo}/pulls/{pull_number}': getPull,
  'POST /repos/{owner}/{repo}/pulls': createPull,
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments': listReviewComments,
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/comments': createReviewComment,
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies': replyToReviewComment,
  'GET /repos/{owner}/{repo}/pulls/comments/{comment_id}': getComment('review'),
  'PATCH /repos/{owner}/{repo}/pulls/comments/{comment_id}': updateComment('review'),
  'DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}': deleteComment('review'),
};

/** Routes authenticated with the app's JWT rather than an installation token. */
export function isAppJwtRoute(template: string): boolean {
  return (
    template === '/app' || template.startsWith('/app/') || template === '/repos/{owner}/{repo}/installation'
  );
}

/** The installation permission a repo route needs, as GitHub maps them (metadata is always granted). */
export function requiredPermission(
  method: string,
  template: string,
): { name: string[]; level: 'read' | 'write' } {
  const level = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  const section = template.split('/')[4] ?? '';
  if (section === 'issues') return { name: ['issues', 'pull_requests'], level };
  if (section === 'pulls') return { name: ['pull_requests'], level };
  if (section === 'contents') return { name: ['contents'], level };
  if (section === 'dispatches') return { name: ['contents'], level: 'write' };
  if (section === 'check-runs' || section === 'check-suites' || /\/check-(runs|suites)$/.test(template))
    return { name: ['checks'], level };
  if (section === 'actions') return { name: ['actions'], level };
  return { name: ['metadata'], level: 'read' };
}

export function tokenAllows(
  token: FakeToken,
  repo: FakeRepo,
  method: string,
  template: string,
): 'ok' | 404 | 403 {
  if (repo.installationId !== token.installationId || repo.isFork) return 404;
  if (
    token.repositories &&
    !token.repositories.some((r) => r.toLowerCase() === repo.fullName.toLowerCase())
  ) {
    return 404;
  }
  if (!token.permissions) return 'ok';
  const need = requiredPermission(method, template);
  if (need.name[0] === 'metadata') return 'ok';
  const ok = need.name.some(
    (name) => (LEVELS[token.permissions?.[name] ?? ''] ?? 0) >= (LEVELS[need.level] ?? 0),
  );
  return ok ? 'ok' : 403;
}

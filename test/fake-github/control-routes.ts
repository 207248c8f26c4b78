// The `/_fake/...` control API: set up repos, users, permissions and files; act as users (each action sends
// the webhook GitHub would send); inspect state.

import { CHECK_CONTROL_ROUTES } from './check-control-routes.js';
import {
  type AppInfo,
  commentJson,
  issueJson,
  pullJson,
  repoJson,
  reviewEventPullJson,
  type Urls,
  userJson,
} from './payloads.js';
import { openPull } from './rest-routes.js';
import {
  type FakeComment,
  type FakeDelivery,
  type FakeFault,
  type FakeIssue,
  type FakeRepo,
  FakeState,
  PERMISSIONS,
  type Permission,
  seededRandom,
} from './state.js';
import { sendWebhook, type WebhookTarget } from './webhook-sender.js';

export interface ControlContext {
  state: FakeState;
  urls: Urls;
  app: AppInfo;
  target: WebhookTarget;
  nowMs(): number;
  replaceState(state: FakeState): void;
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Body = Record<string, unknown>;

export function str(body: Body, key: string, fallback?: string): string {
  const value = body[key];
  if (typeof value === 'string' && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new ControlError(400, `"${key}" (string) is required`);
}

export function int(body: Body, key: string, fallback?: number): number {
  const value = body[key];
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (fallback !== undefined) return fallback;
  throw new ControlError(400, `"${key}" (integer) is required`);
}

function iso(ctx: ControlContext): string {
  return new Date(ctx.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function repoFrom(ctx: ControlContext, body: Body): FakeRepo {
  const name = str(body, 'repo');
  const repo = ctx.state.repo(name);
  if (!repo) throw new ControlError(404, `unknown repo ${name}; create it with POST /_fake/repos`);
  return repo;
}

export function issueFrom(ctx: ControlContext, repo: FakeRepo, body: Body): FakeIssue {
  const number = int(body, 'number');
  const issue = ctx.state.issue(repo.fullName, number);
  if (!issue) throw new ControlError(404, `unknown issue or pull request ${repo.fullName}#${number}`);
  return issue;
}

export function payloadBase(
  urls: Urls,
  state: FakeState,
  repo: FakeRepo,
  action: string,
  sender: string,
): Record<string, unknown> {
  return {
    action,
    repository: repoJson(urls, state, repo),
    sender: userJson(urls, state.user(sender)),
    installation: {
      id: repo.installationId,
      node_id: Buffer.from(`023:Installation${repo.installationId}`).toString('base64'),
    },
  };
}

export async function deliver(
  ctx: ControlContext,
  body: Body,
  event: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const sending = sendWebhook(ctx.state, ctx.target, ctx.app.id, event, payload);
  if (body.async === true) {
    // The delivery is recorded synchronously inside sendWebhook; read its id from the state.
    const last = ctx.state.deliveries[ctx.state.deliveries.length - 1];
    void sending;
    return last?.id ?? '';
  }
  return (await sending).id;
}

function addComment(
  ctx: ControlContext,
  repo: FakeRepo,
  issue: FakeIssue,
  user: string,
  body: string,
): FakeComment {
  const now = iso(ctx);
  const comment: FakeComment = {
    id: ctx.state.id(),
    kind: 'issue',
    repo: repo.fullName,
    number: issue.number,
    user: ctx.state.user(user).login,
    body,
    created_at: now,
    updated_at: now,
    edits: 0,
    viaApp: false,
  };
  ctx.state.comments.set(comment.id, comment);
  return comment;
}

export type ControlHandler = (ctx: ControlContext, body: Body) => Promise<ControlResponse> | ControlResponse;

export const ok = (body: unknown, status = 200): ControlResponse => ({ status, body });

const ROUTES: Record<string, ControlHandler> = {
  ...CHECK_CONTROL_ROUTES,
  'POST /_fake/repos': (ctx, body) => {
    const owner = str(body, 'owner');
    const name = str(body, 'name');
    const fullName = `${owner}/${name}`;
    const existing = ctx.state.repo(fullName);
    const repo: FakeRepo = {
      id: existing?.id ?? ctx.state.id(),
      owner,
      name,
      fullName,
      defaultBranch: str(body, 'defaultBranch', 'main'),
      installationId: int(body, 'installationId', 1),
      private: body.private === true,
      isFork: false,
      files: existing?.files ?? new Map(),
      nextNumber: existing?.nextNumber ?? 1,
    };
    ctx.state.repos.set(fullName.toLowerCase(), repo);
    ctx.state.user(owner);
    return ok(
      { id: repo.id, full_name: fullName, installation_id: repo.installationId },
      existing ? 200 : 201,
    );
  },
  'PUT /_fake/permissions': (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const user = ctx.state.user(str(body, 'user'));
    const permission = str(body, 'permission') as Permission;
    if (!PERMISSIONS.includes(permission)) {
      throw new ControlError(400, `permission must be one of ${PERMISSIONS.join('|')}, got "${permission}"`);
    }
    ctx.state.permissions.set(`${repo.fullName.toLowerCase()}#${user.login.toLowerCase()}`, permission);
    return ok({ repo: repo.fullName, user: user.login, permission });
  },
  'PUT /_fake/files': (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const path = str(body, 'path').replace(/^\/+/, '');
    if (body.content === null) repo.files.delete(path);
    else if (typeof body.content === 'string') repo.files.set(path, body.content);
    else throw new ControlError(400, '"content" must be a string, or null to delete');
    return ok({ repo: repo.fullName, path, deleted: body.content === null });
  },
  'POST /_fake/users': (ctx, body) => {
    const type = body.type === 'Bot' ? 'Bot' : body.type === 'User' ? 'User' : undefined;
    const user = ctx.state.user(str(body, 'login'), type);
    return ok(user, 201);
  },
  'POST /_fake/issues': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const now = iso(ctx);
    const issue: FakeIssue = {
      id: ctx.state.id(),
      repo: repo.fullName,
      number: repo.nextNumber++,
      title: str(body, 'title'),
      body: typeof body.body === 'string' ? body.body : '',
      user: ctx.state.user(str(body, 'user')).login,
      labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
      state: 'open',
      createdAt: now,
      updatedAt: now,
    };
    ctx.state.putIssue(issue);
    const deliveryId = await deliver(ctx, body, 'issues', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'opened', issue.user),
      issue: issueJson(ctx.urls, ctx.state, repo, issue),
    });
    return ok(
      {
        number: issue.number,
        id: issue.id,
        html_url: `${ctx.urls.web}/${repo.fullName}/issues/${issue.number}`,
        deliveryId,
      },
      201,
    );
  },
  'POST /_fake/pulls': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = openPull(ctx, repo, {
      title: str(body, 'title'),
      body: typeof body.body === 'string' ? body.body : '',
      head: str(body, 'head'),
      base: str(body, 'base', repo.defaultBranch),
      user: str(body, 'user'),
      fork: body.fork === true,
    });
    const json = pullJson(ctx.urls, ctx.state, repo, issue);
    const deliveryId = await deliver(ctx, body, 'pull_request', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'opened', issue.user),
      number: issue.number,
      pull_request: json,
    });
    return ok({ number: issue.number, id: issue.id, html_url: json.html_url, deliveryId }, 201);
  },
  'POST /_fake/comments': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = issueFrom(ctx, repo, body);
    const comment = addComment(ctx, repo, issue, str(body, 'user'), str(body, 'body', ''));
    const deliveryId = await deliver(ctx, body, 'issue_comment', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'created', comment.user),
      issue: issueJson(ctx.urls, ctx.state, repo, issue),
      comment: commentJson(ctx.urls, ctx.app, ctx.state, repo, comment),
    });
    return ok({ id: comment.id, deliveryId }, 201);
  },
  'POST /_fake/comment-edits': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const comment = ctx.state.comments.get(int(body, 'commentId'));
    if (!comment || comment.repo !== repo.fullName) throw new ControlError(404, 'unknown comment');
    const issue = ctx.state.issue(repo.fullName, comment.number);
    if (!issue) throw new ControlError(404, 'unknown issue');
    const from = comment.body;
    comment.body = str(body, 'body', '');
    comment.updated_at = iso(ctx);
    comment.edits += 1;
    const event = comment.kind === 'issue' ? 'issue_comment' : 'pull_request_review_comment';
    const deliveryId = await deliver(ctx, body, event, {
      ...payloadBase(ctx.urls, ctx.state, repo, 'edited', str(body, 'user', comment.user)),
      changes: { body: { from } },
      ...(comment.kind === 'issue'
        ? { issue: issueJson(ctx.urls, ctx.state, repo, issue) }
        : { pull_request: reviewEventPullJson(ctx.urls, ctx.state, repo, issue) }),
      comment: commentJson(ctx.urls, ctx.app, ctx.state, repo, comment),
    });
    return ok({ id: comment.id, deliveryId });
  },
  'POST /_fake/review-comments': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = issueFrom(ctx, repo, body);
    if (!issue.pull) throw new ControlError(400, `${repo.fullName}#${issue.number} is not a pull request`);
    const inReplyTo = typeof body.in_reply_to === 'number' ? body.in_reply_to : undefined;
    const now = iso(ctx);
    const comment: FakeComment = {
      id: ctx.state.id(),
      kind: 'review',
      repo: repo.fullName,
      number: issue.number,
      user: ctx.state.user(str(body, 'user')).login,
      body: str(body, 'body', ''),
      created_at: now,
      updated_at: now,
      edits: 0,
      path: str(body, 'path'),
      line: typeof body.line === 'number' ? body.line : null,
      diff_hunk: str(body, 'diff_hunk', '@@ -1,1 +1,1 @@'),
      review_id: ctx.state.id(),
      commit_id: issue.pull.headSha,
      viaApp: false,
      ...(inReplyTo !== undefined ? { in_reply_to: inReplyTo } : {}),
    };
    ctx.state.comments.set(comment.id, comment);
    const deliveryId = await deliver(ctx, body, 'pull_request_review_comment', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'created', comment.user),
      comment: commentJson(ctx.urls, ctx.app, ctx.state, repo, comment),
      pull_request: reviewEventPullJson(ctx.urls, ctx.state, repo, issue),
    });
    return ok({ id: comment.id, deliveryId }, 201);
  },
  'POST /_fake/reviews': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = issueFrom(ctx, repo, body);
    if (!issue.pull) throw new ControlError(400, `${repo.fullName}#${issue.number} is not a pull request`);
    const user = ctx.state.user(str(body, 'user'));
    const review = {
      id: ctx.state.id(),
      repo: repo.fullName,
      number: issue.number,
      user: user.login,
      body: str(body, 'body', ''),
      state: str(body, 'state', 'commented'),
    };
    ctx.state.reviews.push(review);
    // Inline comments submitted with the review: `comments: [{path, line, body, diff_hunk}]`.
    for (const spec of Array.isArray(body.comments) ? (body.comments as Body[]) : []) {
      const comment: FakeComment = {
        id: ctx.state.id(),
        kind: 'review',
        repo: repo.fullName,
        number: issue.number,
        user: user.login,
        body: str(spec, 'body'),
        created_at: iso(ctx),
        updated_at: iso(ctx),
        edits: 0,
        path: str(spec, 'path'),
        line: typeof spec.line === 'number' ? spec.line : null,
        diff_hunk: str(spec, 'diff_hunk', '@@ -1,1 +1,1 @@'),
        review_id: review.id,
        commit_id: issue.pull.headSha,
        viaApp: false,
      };
      ctx.state.comments.set(comment.id, comment);
    }
    const deliveryId = await deliver(ctx, body, 'pull_request_review', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'submitted', user.login),
      review: {
        id: review.id,
        node_id: Buffer.from(`017:PullRequestReview${review.id}`).toString('base64'),
        user: userJson(ctx.urls, user),
        body: review.body,
        state: review.state,
        commit_id: issue.pull.headSha,
        submitted_at: iso(ctx),
        html_url: `${ctx.urls.web}/${repo.fullName}/pull/${issue.number}#pullrequestreview-${review.id}`,
        pull_request_url: `${ctx.urls.api}/repos/${repo.fullName}/pulls/${issue.number}`,
        author_association: 'NONE',
      },
      pull_request: reviewEventPullJson(ctx.urls, ctx.state, repo, issue),
    });
    return ok({ id: review.id, deliveryId }, 201);
  },
  'POST /_fake/labels': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = issueFrom(ctx, repo, body);
    const label = str(body, 'label');
    if (!issue.labels.includes(label)) issue.labels.push(label);
    const issueBody = issueJson(ctx.urls, ctx.state, repo, issue);
    const labels = issueBody.labels as Array<{ name: string }>;
    const deliveryId = await deliver(ctx, body, issue.pull ? 'pull_request' : 'issues', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'labeled', str(body, 'user')),
      ...(issue.pull
        ? { number: issue.number, pull_request: pullJson(ctx.urls, ctx.state, repo, issue) }
        : { issue: issueBody }),
      label: labels.find((l) => l.name === label),
    });
    return ok({ deliveryId });
  },
  'POST /_fake/redeliver': async (ctx, body) => {
    const id = str(body, 'deliveryId');
    const original = ctx.state.deliveries.find((d) => d.id === id);
    if (!original) throw new ControlError(404, `unknown delivery ${id}`);
    const payload = JSON.parse(original.payload) as Record<string, unknown>;
    const delivery: FakeDelivery = await sendWebhook(
      ctx.state,
      ctx.target,
      ctx.app.id,
      original.event,
      payload,
      original,
    );
    return ok({ deliveryId: delivery.id, status: delivery.status ?? null });
  },
  'POST /_fake/webhook': (ctx, body) => {
    if (typeof body.url === 'string') ctx.target.url = body.url;
    if (typeof body.secret === 'string') ctx.target.secret = body.secret;
    return ok({ url: ctx.target.url ?? null, secret: ctx.target.secret !== undefined });
  },
  'POST /_fake/echo-bot-comments': (ctx, body) => {
    ctx.state.echoBotComments = body.enabled === true;
    return ok({ enabled: ctx.state.echoBotComments });
  },
  // A workflow's GITHUB_TOKEN: a token of the repository's installation, scoped to that repository.
  'POST /_fake/tokens': (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const token = str(body, 'token');
    ctx.state.tokens.set(token, {
      token,
      installationId: repo.installationId,
      expiresAt: ctx.nowMs() + 24 * 60 * 60 * 1000,
      repositories: [repo.fullName],
    });
    return ok({ token });
  },
  'POST /_fake/tokens/expire': (ctx, body) => {
    let count = 0;
    for (const token of ctx.state.tokens.values()) {
      if (body.token === undefined || body.token === token.token) {
        token.expiresAt = 0;
        count += 1;
      }
    }
    return ok({ expired: count });
  },
  'POST /_fake/faults': (ctx, body) => {
    const path = str(body, 'path');
    try {
      new RegExp(path);
    } catch {
      throw new ControlError(400, `"path" is not a regular expression: ${path}`);
    }
    const phase = (body as { phase?: unknown }).phase ?? 'before';
    if (phase !== 'before' && phase !== 'after') {
      throw new ControlError(400, `"phase" must be "before" or "after", got ${JSON.stringify(phase)}`);
    }
    const headers = (body as { headers?: unknown }).headers;
    const message = (body as { message?: unknown }).message;
    const fault: FakeFault = {
      method: str(body, 'method').toUpperCase(),
      path,
      status: int(body, 'status'),
      times: int(body, 'times', 1),
      phase,
      ...(headers && typeof headers === 'object' ? { headers: headers as Record<string, string> } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
    ctx.state.faults.push(fault);
    return ok(fault, 201);
  },
  'POST /_fake/random-faults': (ctx, body) => {
    const path = str(body, 'path', '^/repos/');
    try {
      new RegExp(path);
    } catch {
      throw new ControlError(400, `"path" is not a regular expression: ${path}`);
    }
    const methods = body.methods;
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string'))
      throw new ControlError(400, '"methods" (a non-empty array of HTTP methods) is required');
    const rate = body.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw new ControlError(400, `"rate" must be a number in [0, 1], got ${JSON.stringify(rate)}`);
    const headers = body.headers;
    if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers)))
      throw new ControlError(400, '"headers" must be an object of header values');
    if (body.seed !== undefined) ctx.state.randomFaultDice = seededRandom(int(body, 'seed'));
    const fault = {
      id: `random-fault-${ctx.state.randomFaults.length + 1}`,
      methods: (methods as string[]).map((m) => m.toUpperCase()),
      path,
      rate,
      status: int(body, 'status'),
      ...(headers ? { headers: headers as Record<string, string> } : {}),
      ...(typeof body.message === 'string' ? { message: body.message } : {}),
      hits: 0,
    };
    ctx.state.randomFaults.push(fault);
    return ok(fault, 201);
  },
  'GET /_fake/random-faults': (ctx) => ok(ctx.state.randomFaults),
  'POST /_fake/random-faults/clear': (ctx) => {
    const cleared = ctx.state.randomFaults.length;
    ctx.state.randomFaults = [];
    return ok({ cleared });
  },
  'GET /_fake/state': (ctx) => ok(ctx.state.snapshot()),
  'POST /_fake/reset': (ctx) => {
    // Issued installation tokens survive a reset: a running app caches them (for up to an hour), and GitHub
    // does not forget them either. Everything else is forgotten.
    const next = new FakeState();
    next.tokens = ctx.state.tokens;
    next.nextId = ctx.state.nextId;
    ctx.replaceState(next);
    return ok({ reset: true });
  },
};

export async function handleControl(
  ctx: ControlContext,
  method: string,
  path: string,
  body: unknown,
): Promise<ControlResponse> {
  const handler = ROUTES[`${method} ${path}`];
  if (!handler) return { status: 404, body: { message: `no control route ${method} ${path}` } };
  const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body) : {};
  try {
    return await handler(ctx, input);
  } catch (error) {
    if (error instanceof ControlError) return { status: error.status, body: { message: error.message } };
    throw error;
  }
}

/**
 * Probot's webhook payloads → the plain `CommandTrigger` the orchestration records (no Probot types past here).
 * Each payload is checked with zod for the fields used: a payload of another shape (a string where GitHub sends
 * an object, a deeply nested value where it sends text) is ignored with a log line, never recorded as a job.
 */
import type { Context } from 'probot';
import { z } from 'zod';
import type { CommandTrigger, PushTrigger } from '../src/runs/trigger.js';
import { describeZodIssues } from '../src/validation-error.js';

const Login = z.object({ login: z.string() });
const Repository = z.object({
  name: z.string(),
  owner: Login,
  default_branch: z.string(),
});
const RepoPayload = z.object({
  repository: Repository,
  installation: z.object({ id: z.number().int() }).nullish(),
  sender: z.object({ login: z.string(), type: z.string() }),
});
const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: Login.nullish(),
  html_url: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  pull_request: z.unknown().optional(),
});
const IssueCommentPayload = RepoPayload.extend({
  issue: Issue,
  comment: z.object({
    id: z.number().int(),
    body: z.string().nullish(),
    html_url: z.string(),
    created_at: z.string(),
  }),
});
const IssuePayload = RepoPayload.extend({ issue: Issue });
const IssueLabeledPayload = IssuePayload.extend({ label: z.object({ name: z.string() }).nullish() });
const PullRequest = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: Login.nullish(),
});
const ReviewPayload = RepoPayload.extend({
  pull_request: PullRequest,
  review: z.object({
    id: z.number().int(),
    body: z.string().nullish(),
    html_url: z.string(),
    submitted_at: z.string().nullish(),
  }),
});
const ReviewCommentPayload = RepoPayload.extend({
  pull_request: PullRequest,
  comment: z.object({
    id: z.number().int(),
    body: z.string(),
    html_url: z.string(),
    created_at: z.string(),
    path: z.string(),
    line: z.number().int().nullish(),
    diff_hunk: z.string(),
    in_reply_to_id: z.number().int().nullish(),
  }),
});
const PushPayload = z.object({
  ref: z.string(),
  installation: z.object({ id: z.number().int() }).nullish(),
  repository: z.object({
    name: z.string(),
    owner: z.object({ login: z.string().nullish(), name: z.string().nullish() }).nullish(),
    default_branch: z.string().nullish(),
    master_branch: z.string().nullish(),
  }),
});

/** The payload as `schema` reads it, or undefined (logged) when it does not fit. */
function read<S extends z.ZodType>(context: Context, schema: S): z.output<S> | undefined {
  const parsed = schema.safeParse(context.payload);
  if (parsed.success) return parsed.data;
  context.log.warn(
    `ignoring ${context.name} delivery ${context.id}: unexpected payload (${describeZodIssues(parsed.error).slice(0, 300)})`,
  );
  return undefined;
}

function base(context: Context, payload: z.output<typeof RepoPayload>) {
  const installationId = payload.installation?.id;
  if (installationId === undefined) return undefined;
  return {
    deliveryId: context.id,
    installationId,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    defaultBranch: payload.repository.default_branch,
    sender: { login: payload.sender.login, type: payload.sender.type },
  };
}

export function fromIssueComment(context: Context<'issue_comment.created'>): CommandTrigger | undefined {
  const p = read(context, IssueCommentPayload);
  const common = p && base(context, p);
  if (!p || !common) return undefined;
  return {
    ...common,
    source: 'issue_comment',
    number: p.issue.number,
    isPullRequest: Boolean(p.issue.pull_request),
    title: p.issue.title,
    body: p.issue.body ?? '',
    commentId: p.comment.id,
    text: p.comment.body ?? '',
    author: p.issue.user?.login ?? 'ghost',
    commentUrl: p.comment.html_url,
    createdAt: p.comment.created_at,
  };
}

export function fromIssueOpened(context: Context<'issues.opened'>): CommandTrigger | undefined {
  const p = read(context, IssuePayload);
  const common = p && base(context, p);
  if (!p || !common) return undefined;
  return {
    ...common,
    source: 'issue_body',
    number: p.issue.number,
    isPullRequest: false,
    title: p.issue.title,
    body: p.issue.body ?? '',
    commentId: null,
    text: p.issue.body ?? '',
    author: p.issue.user?.login ?? 'ghost',
    ...(p.issue.html_url ? { commentUrl: p.issue.html_url } : {}),
    ...(p.issue.created_at ? { createdAt: p.issue.created_at } : {}),
  };
}

export function fromIssueLabeled(context: Context<'issues.labeled'>): CommandTrigger | undefined {
  const p = read(context, IssueLabeledPayload);
  const common = p && base(context, p);
  if (!p || !common || !p.label) return undefined;
  return {
    ...common,
    source: 'label',
    number: p.issue.number,
    isPullRequest: false,
    title: p.issue.title,
    body: p.issue.body ?? '',
    commentId: null,
    text: '',
    label: p.label.name,
    author: p.issue.user?.login ?? 'ghost',
    ...(p.issue.html_url ? { commentUrl: p.issue.html_url } : {}),
    ...(p.issue.updated_at ? { createdAt: p.issue.updated_at } : {}),
  };
}

export function fromReview(context: Context<'pull_request_review.submitted'>): CommandTrigger | undefined {
  const p = read(context, ReviewPayload);
  const common = p && base(context, p);
  if (!p || !common) return undefined;
  return {
    ...common,
    source: 'review',
    number: p.pull_request.number,
    isPullRequest: true,
    title: p.pull_request.title,
    body: p.pull_request.body ?? '',
    commentId: p.review.id,
    text: p.review.body ?? '',
    author: p.pull_request.user?.login ?? 'ghost',
    commentUrl: p.review.html_url,
    ...(p.review.submitted_at ? { createdAt: p.review.submitted_at } : {}),
  };
}

export function fromReviewComment(
  context: Context<'pull_request_review_comment.created'>,
): CommandTrigger | undefined {
  const p = read(context, ReviewCommentPayload);
  const common = p && base(context, p);
  if (!p || !common) return undefined;
  return {
    ...common,
    source: 'review_comment',
    number: p.pull_request.number,
    isPullRequest: true,
    title: p.pull_request.title,
    body: p.pull_request.body ?? '',
    commentId: p.comment.id,
    text: p.comment.body,
    author: p.pull_request.user?.login ?? 'ghost',
    commentUrl: p.comment.html_url,
    createdAt: p.comment.created_at,
    reviewComment: {
      path: p.comment.path,
      line: p.comment.line ?? null,
      diffHunk: p.comment.diff_hunk,
      threadRootId: p.comment.in_reply_to_id ?? p.comment.id,
    },
  };
}

export function fromPush(context: Context<'push'>): PushTrigger | undefined {
  const p = read(context, PushPayload);
  const installationId = p?.installation?.id;
  const owner = p?.repository.owner?.login ?? p?.repository.owner?.name;
  if (!p || installationId === undefined || installationId === null || !owner) return undefined;
  return {
    deliveryId: context.id,
    installationId,
    owner,
    repo: p.repository.name,
    ref: p.ref,
    defaultBranch: p.repository.default_branch ?? p.repository.master_branch ?? 'main',
  };
}

/**
 * GitHub's webhook deliveries → the plain `CommandTrigger` the orchestration records.
 * Each payload is checked with zod for the fields used: a payload of another shape (a string where GitHub sends
 * an object, a deeply nested value where it sends text) is ignored with a log line, never recorded as a job.
 */
import { z } from 'zod';
import { definedProps } from '../src/objects.js';
import type { CommandTrigger, PushTrigger } from '../src/runs/trigger.js';
import type { GitHubDelivery } from '../src/server/github-webhook-route.js';
import { describeZodIssues } from '../src/validation-error.js';
import type { ConfigPush } from './config-cache.js';

/** Where a delivery that does not fit is reported. */
export interface DeliveryLog {
  warn(message: string): void;
}

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
  commits: z
    .array(
      z.object({
        added: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
      }),
    )
    .nullish(),
});

/** The payload as `schema` reads it, or undefined (logged) when it does not fit. */
function read<S extends z.ZodType>(
  delivery: GitHubDelivery,
  log: DeliveryLog,
  schema: S,
): z.output<S> | undefined {
  const parsed = schema.safeParse(delivery.payload);
  if (parsed.success) return parsed.data;
  log.warn(
    `ignoring ${delivery.name} delivery ${delivery.id}: unexpected payload (${describeZodIssues(parsed.error).slice(0, 300)})`,
  );
  return undefined;
}

function base(delivery: GitHubDelivery, payload: z.output<typeof RepoPayload>) {
  const installationId = payload.installation?.id;
  if (installationId === undefined) return undefined;
  return {
    deliveryId: delivery.id,
    installationId,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    defaultBranch: payload.repository.default_branch,
    sender: { login: payload.sender.login, type: payload.sender.type },
  };
}

export function fromIssueComment(delivery: GitHubDelivery, log: DeliveryLog): CommandTrigger | undefined {
  const p = read(delivery, log, IssueCommentPayload);
  const common = p && base(delivery, p);
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

export function fromIssueOpened(delivery: GitHubDelivery, log: DeliveryLog): CommandTrigger | undefined {
  const p = read(delivery, log, IssuePayload);
  const common = p && base(delivery, p);
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
    ...definedProps({
      commentUrl: p.issue.html_url || undefined,
      createdAt: p.issue.created_at || undefined,
    }),
  };
}

export function fromIssueLabeled(delivery: GitHubDelivery, log: DeliveryLog): CommandTrigger | undefined {
  const p = read(delivery, log, IssueLabeledPayload);
  const common = p && base(delivery, p);
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
    ...definedProps({
      commentUrl: p.issue.html_url || undefined,
      createdAt: p.issue.updated_at || undefined,
    }),
  };
}

export function fromReview(delivery: GitHubDelivery, log: DeliveryLog): CommandTrigger | undefined {
  const p = read(delivery, log, ReviewPayload);
  const common = p && base(delivery, p);
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
    ...definedProps({ createdAt: p.review.submitted_at || undefined }),
  };
}

export function fromReviewComment(delivery: GitHubDelivery, log: DeliveryLog): CommandTrigger | undefined {
  const p = read(delivery, log, ReviewCommentPayload);
  const common = p && base(delivery, p);
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

/** A push as the app reads it: what the config cache needs, and the trigger when the push can be recorded. */
export interface PushDelivery {
  configPush: ConfigPush;
  trigger: PushTrigger | undefined;
}

export function fromPush(delivery: GitHubDelivery, log: DeliveryLog): PushDelivery | undefined {
  const p = read(delivery, log, PushPayload);
  if (!p) return undefined;
  const { repository } = p;
  const configPush: ConfigPush = {
    ref: p.ref,
    repository: {
      name: repository.name,
      owner: repository.owner
        ? {
            ...(repository.owner.login ? { login: repository.owner.login } : {}),
            name: repository.owner.name ?? null,
          }
        : null,
      ...(repository.default_branch ? { default_branch: repository.default_branch } : {}),
    },
    ...(p.commits ? { commits: p.commits } : {}),
  };
  const installationId = p.installation?.id;
  const owner = repository.owner?.login ?? repository.owner?.name;
  if (installationId === undefined || installationId === null || !owner)
    return { configPush, trigger: undefined };
  return {
    configPush,
    trigger: {
      deliveryId: delivery.id,
      installationId,
      owner,
      repo: repository.name,
      ref: p.ref,
      defaultBranch: repository.default_branch ?? repository.master_branch ?? 'main',
    },
  };
}

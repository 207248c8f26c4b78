/** Probot's webhook payloads → the plain `CommandTrigger` the orchestration records (no Probot types past here). */
import type { Context } from 'probot';
import type { CommandTrigger, PushTrigger } from '../src/runs/trigger.js';

type RepoPayload = {
  repository: { name: string; owner: { login: string }; default_branch: string };
  installation?: { id: number } | undefined;
  sender: { login: string; type: string };
};

function base(context: Context, payload: RepoPayload) {
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
  const p = context.payload;
  const common = base(context, p);
  if (!common) return undefined;
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
  const p = context.payload;
  const common = base(context, p);
  if (!common) return undefined;
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
    commentUrl: p.issue.html_url,
    createdAt: p.issue.created_at,
  };
}

export function fromIssueLabeled(context: Context<'issues.labeled'>): CommandTrigger | undefined {
  const p = context.payload;
  const common = base(context, p);
  if (!common || !p.label) return undefined;
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
    commentUrl: p.issue.html_url,
    createdAt: p.issue.updated_at,
  };
}

export function fromReview(context: Context<'pull_request_review.submitted'>): CommandTrigger | undefined {
  const p = context.payload;
  const common = base(context, p);
  if (!common) return undefined;
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
  const p = context.payload;
  const common = base(context, p);
  if (!common) return undefined;
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
  const p = context.payload;
  const installationId = p.installation?.id;
  const owner = p.repository.owner?.login ?? p.repository.owner?.name;
  if (installationId === undefined || !owner) return undefined;
  return {
    deliveryId: context.id,
    installationId,
    owner,
    repo: p.repository.name,
    ref: p.ref,
    defaultBranch: p.repository.default_branch ?? p.repository.master_branch ?? 'main',
  };
}

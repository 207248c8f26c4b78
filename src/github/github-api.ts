/**
 * The GitHub REST calls the app makes, as plain typed functions over any Octokit-like `request`. The app passes an
 * installation's Octokit in (`app/github-clients.ts`); tests can pass anything with the same `request`.
 * Answers are checked with zod so a surprising shape fails here, naming the field, not deep inside the workflow.
 */
import { z } from 'zod';
import { postableBody } from '../render/postable.js';
import { describeZodIssues } from '../validation-error.js';
import type { CallerPermission } from '../vocabulary.js';
import { permissionFromGitHub } from './permission-level.js';

/** The one method of Octokit the app needs. */
export interface GitHubRequester {
  request(
    route: string,
    parameters?: Record<string, unknown>,
  ): Promise<{ status: number; data: unknown; headers?: Record<string, string | number | undefined> }>;
}

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

/** What a reaction is attached to (the Action's `CommentTarget` is where its status comment goes). */
export type ReactionTarget =
  /** The issue or pull request itself (its opening post). */
  | { kind: 'issue'; number: number }
  /** A comment in the conversation tab. */
  | { kind: 'issue_comment'; id: number }
  /** An inline review comment. */
  | { kind: 'review_comment'; id: number };

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  title: string;
  body: string;
  state: string;
  headRef: string;
  headSha: string;
  /** `owner/name` of the head repository; null when the fork was deleted. */
  headRepo: string | null;
  baseRef: string;
  /** True when the head branch lives in another repository. */
  fromFork: boolean;
  author: string;
  htmlUrl: string;
}

export interface IssueCommentInfo {
  id: number;
  body: string;
  author: string;
  authorType: string;
  createdAt: string;
}

const Id = z.object({ id: z.number() });
const Permission = z.object({ permission: z.string(), role_name: z.string().optional() });
const Pull = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable().optional(),
  state: z.string(),
  html_url: z.string(),
  user: z.object({ login: z.string() }).nullable(),
  head: z.object({
    ref: z.string(),
    sha: z.string(),
    repo: z.object({ full_name: z.string() }).nullable(),
  }),
  base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }) }),
});
const Comments = z.array(
  z.object({
    id: z.number(),
    body: z.string().nullable().optional(),
    created_at: z.string(),
    user: z.object({ login: z.string(), type: z.string() }).nullable(),
  }),
);

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new Error(`GitHub answered ${what} unexpectedly: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

export interface GitHubApi {
  /**
   * The collaborator's level (`admin`, `maintain`, `write`, `triage`, `read`, `none`) from the whole answer: a
   * custom role counts as its base `permission`. Never author_association.
   */
  permissionOf(ref: RepoRef, username: string): Promise<CallerPermission>;
  createComment(ref: RepoRef, issueNumber: number, body: string): Promise<number>;
  updateComment(ref: RepoRef, commentId: number, body: string): Promise<void>;
  replyToReviewComment(ref: RepoRef, pullNumber: number, commentId: number, body: string): Promise<number>;
  updateReviewComment(ref: RepoRef, commentId: number, body: string): Promise<void>;
  react(ref: RepoRef, target: ReactionTarget, content: ReactionContent): Promise<void>;
  getPull(ref: RepoRef, pullNumber: number): Promise<PullRequestInfo>;
  /**
   * The most recent `limit` comments of an issue or pull request conversation, oldest first; with `before` (ISO
   * 8601) only those created at or before it (the thread as of the trigger). Reads the last pages, not the first.
   */
  listComments(
    ref: RepoRef,
    issueNumber: number,
    limit: number,
    options?: { before?: string | undefined },
  ): Promise<IssueCommentInfo[]>;
  /**
   * The newest review comments (inline, all threads) of a pull request, oldest first: the last page and those
   * before it, at most `MAX_COMMENT_PAGES` + 1 pages.
   */
  listReviewComments(ref: RepoRef, pullNumber: number, limit: number): Promise<IssueCommentInfo[]>;
  dispatch(ref: RepoRef, eventType: string, clientPayload: Record<string, unknown>): Promise<void>;
}

const COMMENTS_PER_PAGE = 100;
/** Pages read from the end of a long thread, at most (after the first). */
const MAX_COMMENT_PAGES = 3;

/** The `page` of the `rel="last"` link of a paginated answer, if any. */
function lastPageOf(link: string | number | undefined): number | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    if (!/rel="last"/.test(part)) continue;
    const match = /[?&]page=(\d+)/.exec(part);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

export interface GitHubApiOptions {
  /** Values never to post (the app's API keys and webhook secrets), on top of the credential patterns. */
  knownSecrets?: () => readonly string[];
}

/**
 * The GitHub calls over `octokit`. Every comment body is made postable on its way out, whoever rendered it: the one
 * redactor runs on the final text and the body is cut to fit GitHub's 65,536-character limit (GitHub refuses longer
 * bodies with a 422, and the user would see nothing).
 */
export function gitHubApi(octokit: GitHubRequester, options: GitHubApiOptions = {}): GitHubApi {
  const postable = (body: string): string => postableBody(body, options.knownSecrets?.() ?? []);
  return {
    async permissionOf(ref, username) {
      try {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
          {
            ...ref,
            username,
          },
        );
        return permissionFromGitHub(parse(Permission, data, 'the collaborator permission'));
      } catch (error) {
        // Not a collaborator at all (or a deleted user): GitHub answers 404.
        if (statusOf(error) === 404) return 'none';
        throw error;
      }
    },
    async createComment(ref, issueNumber, body) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...ref,
        issue_number: issueNumber,
        body: postable(body),
      });
      return parse(Id, data, 'the new comment').id;
    },
    async updateComment(ref, commentId, body) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...ref,
        comment_id: commentId,
        body: postable(body),
      });
    },
    async replyToReviewComment(ref, pullNumber, commentId, body) {
      const { data } = await octokit.request(
        'POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
        { ...ref, pull_number: pullNumber, comment_id: commentId, body: postable(body) },
      );
      return parse(Id, data, 'the review reply').id;
    },
    async updateReviewComment(ref, commentId, body) {
      await octokit.request('PATCH /repos/{owner}/{repo}/pulls/comments/{comment_id}', {
        ...ref,
        comment_id: commentId,
        body: postable(body),
      });
    },
    async react(ref, target, content) {
      switch (target.kind) {
        case 'issue':
          await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/reactions', {
            ...ref,
            issue_number: target.number,
            content,
          });
          return;
        case 'issue_comment':
          await octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
            ...ref,
            comment_id: target.id,
            content,
          });
          return;
        case 'review_comment':
          await octokit.request('POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions', {
            ...ref,
            comment_id: target.id,
            content,
          });
          return;
      }
    },
    async getPull(ref, pullNumber) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...ref,
        pull_number: pullNumber,
      });
      const pull = parse(Pull, data, `pull request #${pullNumber}`);
      const headRepo = pull.head.repo?.full_name ?? null;
      return {
        number: pull.number,
        title: pull.title,
        body: pull.body ?? '',
        state: pull.state,
        headRef: pull.head.ref,
        headSha: pull.head.sha,
        headRepo,
        baseRef: pull.base.ref,
        fromFork: headRepo === null || headRepo.toLowerCase() !== pull.base.repo.full_name.toLowerCase(),
        author: pull.user?.login ?? 'ghost',
        htmlUrl: pull.html_url,
      };
    },
    async listComments(ref, issueNumber, limit, options = {}) {
      const page = async (n: number) => {
        const response = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...ref,
          issue_number: issueNumber,
          per_page: COMMENTS_PER_PAGE,
          page: n,
        });
        const comments = parse(Comments, response.data, `the comments of #${issueNumber}`).map(commentInfoOf);
        return { comments, last: lastPageOf(response.headers?.link) };
      };
      const before = options.before === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.before);
      const asOf = (c: IssueCommentInfo) => !(Date.parse(c.createdAt) > before);
      const first = await page(1);
      const kept = first.comments.filter(asOf);
      // Newest pages first, until enough comments from before the trigger are in hand.
      const later: IssueCommentInfo[][] = [];
      let found = 0;
      for (let n = first.last ?? 1; n > 1 && found < limit && later.length < MAX_COMMENT_PAGES; n -= 1) {
        const comments = (await page(n)).comments.filter(asOf);
        later.unshift(comments);
        found += comments.length;
      }
      return newestInOrder([...kept, ...later.flat()], limit);
    },
    async listReviewComments(ref, pullNumber, limit) {
      const page = async (n: number) => {
        const response = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
          ...ref,
          pull_number: pullNumber,
          per_page: COMMENTS_PER_PAGE,
          page: n,
        });
        const comments = parse(Comments, response.data, `the review comments of #${pullNumber}`).map(
          commentInfoOf,
        );
        return { comments, last: lastPageOf(response.headers?.link) };
      };
      const first = await page(1);
      const pages = [first.comments];
      for (let n = first.last ?? 1; n > 1 && pages.length <= MAX_COMMENT_PAGES; n -= 1) {
        pages.push((await page(n)).comments);
      }
      return newestInOrder(pages.flat(), limit);
    },
    async dispatch(ref, eventType, clientPayload) {
      await octokit.request('POST /repos/{owner}/{repo}/dispatches', {
        ...ref,
        event_type: eventType,
        client_payload: clientPayload,
      });
    },
  };
}

function commentInfoOf(c: z.infer<typeof Comments>[number]): IssueCommentInfo {
  return {
    id: c.id,
    body: c.body ?? '',
    author: c.user?.login ?? 'ghost',
    authorType: c.user?.type ?? 'User',
    createdAt: c.created_at,
  };
}

/** The newest `limit` (at least one) of comments read from several pages, each once, oldest first. */
function newestInOrder(comments: readonly IssueCommentInfo[], limit: number): IssueCommentInfo[] {
  const seen = new Set<number>();
  return comments
    .filter((c) => !seen.has(c.id) && seen.add(c.id))
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id)
    .slice(-Math.max(1, limit));
}

/** The HTTP status of an Octokit `RequestError`, if it is one. */
export function statusOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'status' in error && typeof error.status === 'number')
    return error.status;
  return undefined;
}

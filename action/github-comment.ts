/**
 * The status comment's GitHub side: `@actions/github`'s Octokit with `@octokit/plugin-throttling`, so rate limits
 * and `Retry-After` are honoured (a request is retried twice after a limit, then the error goes to the caller).
 */
import { GitHub, getOctokitOptions } from '@actions/github/lib/utils';
import { throttling } from '@octokit/plugin-throttling';
import type { CommentApi, PostedComment } from '../src/action/comment-keeper.js';
import { coreLog } from './core-log.js';

const ThrottledGitHub = GitHub.plugin(throttling);
type Octokit = InstanceType<typeof ThrottledGitHub>;

export function gitHubClient(token: string, env: NodeJS.ProcessEnv = process.env): Octokit {
  return new ThrottledGitHub(
    getOctokitOptions(token, {
      baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
      userAgent: 'codecloud-github-action',
      throttle: {
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          coreLog.info(`GitHub rate limit on ${options.method} ${options.url}: retrying in ${retryAfter} s`);
          return retryCount < 2;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          coreLog.info(
            `GitHub secondary rate limit on ${options.method} ${options.url}: retrying in ${retryAfter} s`,
          );
          return retryCount < 2;
        },
      },
    }),
  );
}

export function gitHubCommentApi(
  octokit: Octokit,
  target: { owner: string; repo: string; number: number },
): CommentApi {
  const { owner, repo, number } = target;
  const posted = (data: { id: number; html_url: string }): PostedComment => ({
    id: data.id,
    url: data.html_url,
  });
  return {
    where: `${owner}/${repo}#${number}`,
    async find(marker) {
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: number,
        per_page: 100,
      })) {
        const found = page.data.find((comment) => comment.body?.includes(marker));
        if (found) return posted(found);
      }
      return undefined;
    },
    async create(body) {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
      return posted(data);
    },
    async update(id, body) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return posted(data);
    },
  };
}

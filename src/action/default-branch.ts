/**
 * The `branch` default: the pull request's head branch when the event has one, else the branch the workflow runs
 * on. Never a `refs/pull/N/merge` ref (`N/merge`) or a tag, which are not branches; never a fork's branch, which
 * does not exist in this repository.
 */
import { z } from 'zod';

/** The runner's environment variables (`process.env`, or a test's). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface BranchChoice {
  /** `undefined`: the repository's default branch. */
  branch: string | undefined;
  /** Worth telling the user (a notice): why the default branch is used. */
  notice?: string | undefined;
  /** Why no branch can be chosen without the `branch` input (a pull request from a fork). */
  problem?: string | undefined;
}

const RepoRef = z.object({ full_name: z.string() }).nullish();
const EventPayload = z.object({
  pull_request: z
    .object({
      head: z.object({ ref: z.string(), repo: RepoRef }).optional(),
      base: z.object({ repo: RepoRef }).optional(),
    })
    .optional(),
  issue: z.object({ pull_request: z.unknown().optional() }).optional(),
});

/** `event` is the workflow's event payload (`GITHUB_EVENT_PATH`), or `undefined` when there is none. */
export function defaultBranch(env: Env, event: unknown): BranchChoice {
  const payload = EventPayload.safeParse(event ?? {});
  const data = payload.success ? payload.data : {};
  const head = data.pull_request?.head;
  if (head) {
    const here = data.pull_request?.base?.repo?.full_name ?? env.GITHUB_REPOSITORY;
    const from = head.repo?.full_name;
    if (from === undefined || from.toLowerCase() !== here?.toLowerCase()) {
      return {
        branch: undefined,
        problem:
          `The pull request comes from ${from ? `the fork ${from}` : 'a deleted fork'}: its branch '${head.ref}' is ` +
          `not in ${here ?? 'this repository'}. Set input 'branch' to choose a branch of this repository`,
      };
    }
    return { branch: head.ref };
  }
  if (env.GITHUB_HEAD_REF) return { branch: env.GITHUB_HEAD_REF };

  const ref = env.GITHUB_REF ?? '';
  const name = env.GITHUB_REF_NAME || undefined;
  if (ref.startsWith('refs/pull/') || (name !== undefined && /^\d+\/(merge|head)$/.test(name))) {
    return {
      branch: undefined,
      notice: `The workflow runs on ${ref || name}, which is not a branch: using the repository's default branch (set input 'branch' to choose one)`,
    };
  }
  if (ref.startsWith('refs/tags/') || env.GITHUB_REF_TYPE === 'tag') {
    return {
      branch: undefined,
      notice: `The workflow runs on the tag ${name ?? ref}: using the repository's default branch (set input 'branch' to choose one)`,
    };
  }
  if (data.issue?.pull_request !== undefined) {
    return {
      branch: name,
      notice:
        `A comment on a pull request does not say the pull request's branch: using ${name ?? "the repository's default branch"} ` +
        `(set input 'branch', e.g. to the pull request's head ref, to run on it)`,
    };
  }
  return { branch: name };
}

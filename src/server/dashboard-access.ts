/**
 * What a signed-in user may see: the repositories their GitHub user token reaches through the App's installations,
 * asked of GitHub again once the answer is `recheckMs` old (10 minutes at most), so a lost permission stops showing
 * within that time. Kept per process, keyed by a hash of the token (never the token itself).
 */
import { createHash } from 'node:crypto';
import type { GitHubUserApi, UserRepo } from '../github/github-user-api.js';
import type { RepoName } from '../store/store.js';

export const RECHECK_ACCESS_MS = 10 * 60_000;
/** Sessions remembered per process; the oldest is dropped beyond this. */
const MAX_ENTRIES = 2_000;

export interface UserAccess {
  repos: readonly RepoName[];
  /** `owner/name` lower-cased → the repository as GitHub spells it. */
  byName: ReadonlyMap<string, UserRepo>;
}

export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

export function dashboardAccess(options: { api: GitHubUserApi; now: () => number; recheckMs?: number }) {
  const recheckMs = Math.min(options.recheckMs ?? RECHECK_ACCESS_MS, RECHECK_ACCESS_MS);
  const cache = new Map<string, { at: number; access: Promise<UserAccess> }>();

  async function load(token: string): Promise<UserAccess> {
    const repos = await options.api.repositories(token);
    return {
      repos: repos.map(({ owner, repo }) => ({ owner, repo })),
      byName: new Map(repos.map((r) => [repoKey(r.owner, r.repo), r])),
    };
  }

  return {
    /** The user's repositories, from GitHub at most `recheckMs` ago (a failed look-up is not kept). */
    of(token: string): Promise<UserAccess> {
      const key = createHash('sha256').update(token).digest('base64url');
      const now = options.now();
      const cached = cache.get(key);
      if (cached && now - cached.at < recheckMs) return cached.access;
      const access = load(token);
      cache.delete(key);
      cache.set(key, { at: now, access });
      access.catch(() => {
        if (cache.get(key)?.access === access) cache.delete(key);
      });
      while (cache.size > MAX_ENTRIES) {
        const oldest = cache.keys().next().value;
        if (oldest === undefined) break;
        cache.delete(oldest);
      }
      return access;
    },
    /** Forgets the user's repositories (on sign-out). */
    forget(token: string): void {
      cache.delete(createHash('sha256').update(token).digest('base64url'));
    },
  };
}

/**
 * GitHub as the signed-in user sees it (the App's OAuth web flow and its user-to-server token): the code exchange
 * (with the PKCE verifier), who the user is, and which repositories they can read through the App's installations
 * (`GET /user/installations`, then each installation's repositories). Every answer is parsed with zod.
 */
import { z } from 'zod';

export interface GitHubUserApiOptions {
  /** GitHub's web address: `https://github.com`, or `https://HOST` on GitHub Enterprise Server. */
  webUrl: string;
  /** GitHub's REST base: `https://api.github.com`, or `https://HOST/api/v3`. */
  apiUrl: string;
  fetch?: typeof fetch;
}

/** A repository the user can read through one of the App's installations. */
export interface UserRepo {
  installationId: number;
  owner: string;
  repo: string;
}

/** GitHub said the user token is not (or no longer) valid. */
export class UserTokenRejected extends Error {}

const TokenAnswer = z.union([
  z.object({ access_token: z.string().min(1), expires_in: z.number().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);
const User = z.object({ login: z.string().min(1) });
const Installations = z.object({ installations: z.array(z.object({ id: z.number().int() })) });
const Repositories = z.object({
  repositories: z.array(z.object({ name: z.string(), owner: z.object({ login: z.string() }) })),
});

/** Installations whose repositories are read at once. */
const PARALLEL_INSTALLATIONS = 4;
/** Pages of 100 read per installation at most (10,000 repositories). */
const MAX_PAGES = 100;

export function gitHubUserApi(options: GitHubUserApiOptions) {
  const fetchFn = options.fetch ?? fetch;
  const api = options.apiUrl.replace(/\/+$/, '');

  async function get<T>(token: string, path: string, schema: z.ZodType<T>): Promise<T> {
    const response = await fetchFn(`${api}${path}`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'codecloud-github-app',
      },
      signal: AbortSignal.timeout(15_000),
    });
    if (response.status === 401) throw new UserTokenRejected('GitHub rejected the user token');
    if (!response.ok) throw new Error(`GitHub answered ${response.status} to GET ${path}`);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new Error(`GitHub's answer to GET ${path} is not what it documents`);
    return parsed.data;
  }

  async function pages<T>(read: (page: number) => Promise<T[]>): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const items = await read(page);
      all.push(...items);
      if (items.length < 100) break;
    }
    return all;
  }

  return {
    /** Trades the callback's `code` (and the PKCE verifier) for the user's token. */
    async exchangeCode(input: {
      clientId: string;
      clientSecret: string;
      code: string;
      verifier: string;
      redirectUri: string;
    }): Promise<{ token: string; expiresInMs: number | undefined }> {
      const response = await fetchFn(`${options.webUrl.replace(/\/+$/, '')}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: input.clientId,
          client_secret: input.clientSecret,
          code: input.code,
          code_verifier: input.verifier,
          redirect_uri: input.redirectUri,
        }).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) throw new Error(`GitHub answered ${response.status} to the code exchange`);
      const parsed = TokenAnswer.safeParse(await response.json());
      if (!parsed.success) throw new Error('GitHub answered the code exchange with something unexpected');
      if ('error' in parsed.data) {
        throw new UserTokenRejected(`GitHub refused the code exchange: ${parsed.data.error}`);
      }
      const { access_token, expires_in } = parsed.data;
      return { token: access_token, expiresInMs: expires_in === undefined ? undefined : expires_in * 1000 };
    },

    async login(token: string): Promise<string> {
      return (await get(token, '/user', User)).login;
    },

    /** Every repository the token's user can read through the App's installations. */
    async repositories(token: string): Promise<UserRepo[]> {
      const installations = await pages(
        async (page) =>
          (await get(token, `/user/installations?per_page=100&page=${page}`, Installations)).installations,
      );
      const repos: UserRepo[] = [];
      const repositoriesOf = (id: number) =>
        pages(async (page) => {
          const path = `/user/installations/${id}/repositories?per_page=100&page=${page}`;
          return (await get(token, path, Repositories)).repositories;
        });
      // A few installations at a time: sign-in waits for all of them.
      for (let start = 0; start < installations.length; start += PARALLEL_INSTALLATIONS) {
        const batch = installations.slice(start, start + PARALLEL_INSTALLATIONS);
        const found = await Promise.all(batch.map(({ id }) => repositoriesOf(id)));
        batch.forEach(({ id }, index) => {
          for (const r of found[index] ?? [])
            repos.push({ installationId: id, owner: r.owner.login, repo: r.name });
        });
      }
      return repos;
    },
  };
}

export type GitHubUserApi = ReturnType<typeof gitHubUserApi>;

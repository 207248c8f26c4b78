/**
 * Octokit clients per installation, each with its own throttle id so one installation's write queue never delays
 * another's (Probot 14 would give them all `no-id`), plus the config loader and the app-level installation look-up.
 *
 * Rate limits: every request of an installation client (reads, POST, PATCH, DELETE) that GitHub answers with a 429,
 * or a 403 that is a rate limit, is tried again after at least its `Retry-After` (`src/github/rate-limit-retry.ts`).
 * The throttling and retry plugins Probot installs are told not to retry those themselves: the retry plugin would
 * wait 1, 4, 9 s whatever GitHub said, and Probot's throttle options never retry a secondary limit.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Probot, ProbotOctokit } from 'probot';
import { LruMap } from 'toad-cache';
import { configSizeProblem } from '../src/config/config-size.js';
import { type ChecksApi, checksApi } from '../src/github/checks-api.js';
import { type GitHubApi, type GitHubRequester, gitHubApi, statusOf } from '../src/github/github-api.js';
import { mergeConfigs } from '../src/github/merge-configs.js';
import { RateLimitGate, SupersededError, withGitHubRetries } from '../src/github/rate-limit-retry.js';
import type { RequestMetrics } from '../src/metrics/app-metrics.js';
import { countedFetch } from '../src/metrics/counted-fetch.js';
import { reusedAppJwt } from './app-jwt.js';
import { ConfigCache, type ConfigPush } from './config-cache.js';
import { checkExtendsReadable, extendedOrgRepository } from './extends-readable.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubClients {
  api(installationId: number): Promise<GitHubApi>;
  /** The Checks and Actions calls, on the same installation client (token, throttle queue, retries). */
  checks(installationId: number): Promise<ChecksApi>;
  /**
   * Probot's `context.config('codecloud.yml')` semantics, outside a webhook handler: null when no file exists. Kept
   * per repository (`config-cache.ts`); `fresh` reads it again. With `reader` (the user a command is for), a file that
   * `_extends` the organisation's `.github` repository is refused unless they can read it (`extends-readable.ts`).
   */
  loadConfig(
    installationId: number,
    owner: string,
    repo: string,
    options?: { fresh?: boolean; reader?: string },
  ): Promise<unknown>;
  /** A push webhook: drops the cached configs it may have changed. */
  configPushed(push: ConfigPush): number;
  /**
   * Makes the installation's next requests use a new token: a token keeps the permissions it was made with, so after
   * the installation accepted the app's updated permissions the cached one would still lack them for up to an hour.
   */
  renewToken(installationId: number): Promise<void>;
  installationOf(owner: string, repo: string): Promise<number | null>;
  /** GitHub's id of a repository the installation can see. */
  repositoryIdOf(installationId: number, owner: string, repo: string): Promise<number>;
  /** A fresh installation token scoped to one repository (`owner/name`), for the Cloud Coding backend. */
  repoToken(installationId: number, repo: string): Promise<string>;
}

export interface GitHubClientsOptions {
  /** Values never to post (the app's API keys and webhook secrets); read when a comment is posted. */
  knownSecrets?: () => readonly string[];
  /** The app's id and key: its JWT is then signed once and reused while it has more than a minute left. */
  appCredentials?: { appId: string; privateKey: string };
  /** Told every answer GitHub gives an installation client, and every wait for a rate limit. */
  metrics?: Pick<RequestMetrics, 'githubRequest' | 'githubRateLimitWait'>;
  /**
   * How many installations keep their client (token, throttle queues, rate-limit pause) between uses: the least
   * recently used is dropped beyond it, and made again when next asked for. 1,000 unless told.
   */
  maxInstallationClients?: number;
}

/**
 * An installation client's throttle queues and pause are its own; a dropped one is made again when its installation
 * is next asked for. With the least recently used dropped first, a client with work in flight is dropped only when
 * more installations than this were asked for since it last was, and its requests still finish on it.
 */
const MAX_INSTALLATION_CLIENTS = 1_000;

/** The retry plugin's default `doNotRetry`, plus 429: rate limits are retried by `withGitHubRetries` instead. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** Routes whose POST creates a comment (issue or PR comment, review-comment reply). */
const CREATES_COMMENT = /\/(comments|replies)$/;

interface RequestOptions {
  method?: string;
  url?: string;
  owner?: unknown;
  repo?: unknown;
  path?: unknown;
  mediaType?: { format?: string };
}

export function gitHubClients(app: Probot, clientOptions: GitHubClientsOptions = {}): GitHubClients {
  const octokits = new LruMap<Promise<Octokit>>(
    clientOptions.maxInstallationClients ?? MAX_INSTALLATION_CLIENTS,
  );
  const credentials = clientOptions.appCredentials;
  // Probot's auth options (app id, key, token cache) are merged with these: the key gives way to `createJwt`.
  const jwtAuth = credentials
    ? { privateKey: undefined, createJwt: reusedAppJwt(credentials.appId, credentials.privateKey) }
    : {};
  /** The app itself (installation look-ups, repository-scoped tokens), with the reused JWT when there is one. */
  const appLevel: Promise<Octokit> = credentials
    ? app.auth().then((base) => {
        const OctokitClass = base.constructor as typeof ProbotOctokit;
        return new OctokitClass({ auth: jwtAuth });
      })
    : app.auth();
  // Not awaited until used: a failure here is the first call's to report.
  appLevel.catch(() => undefined);

  const installationOctokit = (installationId: number): Promise<Octokit> => {
    let found = octokits.get(installationId);
    if (!found) {
      found = Promise.all([app.auth(), appLevel]).then(([appOctokit, tokenMinter]) => {
        const OctokitClass = appOctokit.constructor as typeof ProbotOctokit;
        // One pause per installation: after a rate limit, none of its requests goes out before GitHub said, not
        // even those already past the throttle's queue (the pause is checked last, just before the bytes go out).
        const { metrics } = clientOptions;
        const gate = new RateLimitGate(metrics ? { onWait: (ms) => metrics.githubRateLimitWait(ms) } : {});
        const send = metrics ? countedFetch(fetch, (status) => metrics.githubRequest(status)) : fetch;
        // The class carries Probot's defaults (app id, key, token cache, base URL, throttle handlers); the instance
        // adds the installation and its own throttle group.
        const octokit = new OctokitClass({
          request: {
            fetch: async (url: string | URL | Request, init?: RequestInit) => {
              await gate.passed();
              return send(url, init);
            },
          },
          // `request` mints a token when one is asked for outside a request (`renewToken`); a request mints its own
          // through this client. Without it, that token would be asked of api.github.com whatever GHE_HOST says.
          auth: { installationId, ...jwtAuth, request: tokenMinter.request },
          throttle: {
            id: `codecloud-installation-${installationId}`,
            onRateLimit: () => false,
            onSecondaryRateLimit: () => false,
          },
          retry: { doNotRetry: DO_NOT_RETRY },
        });
        // The latest edit of each comment: a refused edit is not tried again once a newer edit of the same comment
        // was sent (the retry would put the older body over the newer one, e.g. "Queued" over "Completed").
        const latestEdit = new Map<string, number>();
        let edits = 0;
        octokit.hook.wrap('request', async (request, options) => {
          checkConfigRead(options as RequestOptions);
          // Creating a comment is not idempotent: a 5xx may come after GitHub created it, and a blind retry would
          // post it twice. The retry plugin leaves it alone; the job's own retry looks for it first (by marker).
          if (options.method === 'POST' && CREATES_COMMENT.test(String(options.url))) {
            options.request = { ...options.request, retries: 0 };
          }
          const editKey = options.method === 'PATCH' ? octokit.request.endpoint(options).url : undefined;
          const edit = ++edits;
          if (editKey !== undefined) latestEdit.set(editKey, edit);
          let response: Awaited<ReturnType<typeof request>>;
          try {
            response = await withGitHubRetries(async () => request(options), {
              gate,
              superseded: () => editKey !== undefined && latestEdit.get(editKey) !== edit,
              onRetry: ({ status, delayMs, attempt, reason }) =>
                app.log.warn(
                  `GitHub answered ${status} to ${options.method} ${options.url}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s (${reason})`,
                ),
            });
          } catch (error) {
            if (!(error instanceof SupersededError)) throw error;
            app.log.info(`${options.method} ${editKey}: not tried again, a newer edit of it was sent`);
            return { status: 200, url: editKey ?? '', headers: {}, data: {} } as typeof response;
          } finally {
            if (editKey !== undefined && latestEdit.get(editKey) === edit) latestEdit.delete(editKey);
          }
          refuseHugeConfig(options as RequestOptions, response.data);
          return response;
        });
        return octokit;
      });
      octokits.set(installationId, found);
    }
    return found;
  };

  const configs = new ConfigCache(async (installationId, owner, repo) => {
    const octokit = await installationOctokit(installationId);
    // Every file the config plugin reads for this load is checked against `_extends`' limits (`checkConfigRead`).
    return configLoad.run({ owner, repo, reads: 0 }, () =>
      octokit.config.get({
        owner,
        repo,
        path: '.github/codecloud.yml',
        defaults: (configs) => mergeConfigs(configs),
      }),
    );
  });

  return {
    async api(installationId) {
      const octokit = await installationOctokit(installationId);
      const requester: GitHubRequester = {
        request: (route, parameters) => octokit.request(route, parameters),
      };
      return gitHubApi(
        requester,
        clientOptions.knownSecrets ? { knownSecrets: clientOptions.knownSecrets } : {},
      );
    },
    async checks(installationId) {
      const octokit = await installationOctokit(installationId);
      return checksApi({ request: (route, parameters) => octokit.request(route, parameters) });
    },
    async loadConfig(installationId, owner, repo, options) {
      const { config, files } = await configs.load(installationId, owner, repo, options);
      if (options?.reader !== undefined && extendedOrgRepository(owner, repo, files)) {
        const octokit = await installationOctokit(installationId);
        await checkExtendsReadable(
          { request: (route, parameters) => octokit.request(route, parameters) },
          owner,
          options.reader,
        );
      }
      return files.some((file) => file.config !== null) ? config : null;
    },
    configPushed: (push) => configs.pushed(push),
    async renewToken(installationId) {
      const octokit = await installationOctokit(installationId);
      // Probot's token cache is shared by its clients: the new token replaces the installation's cached one.
      await octokit.auth({ type: 'installation', installationId, refresh: true });
    },
    async repoToken(installationId, repo) {
      const appOctokit = await appLevel;
      const name = repo.split('/')[1] ?? repo;
      const { data } = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: installationId,
        repositories: [name],
      });
      return data.token;
    },
    async repositoryIdOf(installationId, owner, repo) {
      const octokit = await installationOctokit(installationId);
      const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
      return Number(data.id);
    },
    async installationOf(owner, repo) {
      const appOctokit = await appLevel;
      try {
        const { data } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        return data.id;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
  };
}

/** The repository whose config is being loaded, and how many files were read for it so far. */
const configLoad = new AsyncLocalStorage<{ owner: string; repo: string; reads: number }>();

/**
 * `_extends` reaches only what a careful operator expects: the repository itself and its organisation's `.github`
 * repository (Probot's own fallback), one level deep (at most two files: the repository's own, or the `.github`
 * fallback, and the one it extends). Probot's plugin would follow any `owner/repo:path` the installation can read,
 * however deep, so a writer of one repository could read another, private one, through the help reply or a prompt.
 * A read past these limits is refused before it is sent, naming `_extends` and why (the config-error comment).
 */
function checkConfigRead(options: RequestOptions): void {
  const load = configLoad.getStore();
  if (load === undefined || options.method !== 'GET' || !options.url?.includes('/contents/')) return;
  const owner = String(options.owner);
  const repo = String(options.repo);
  const sameOwner = owner.toLowerCase() === load.owner.toLowerCase();
  const allowed = sameOwner && (repo.toLowerCase() === load.repo.toLowerCase() || repo === '.github');
  if (!allowed) {
    throw new Error(
      `\`_extends\` may name only this repository or ${load.owner}/.github; ${owner}/${repo} is neither, so it was not read`,
    );
  }
  load.reads += 1;
  if (load.reads > 2) {
    throw new Error(
      '`_extends` is followed one level only: the file it names may not `_extends` another (nothing more was read)',
    );
  }
}

/**
 * The config loader reads a file's raw text and parses it as YAML; a file far larger than any configuration is
 * refused here, before it is parsed (its error is quoted in the one invalid-config comment).
 */
function refuseHugeConfig(options: RequestOptions, data: unknown): void {
  if (typeof data !== 'string' || options.mediaType?.format !== 'raw') return;
  if (!options.url?.includes('/contents/')) return;
  const where = `${String(options.path)} in ${String(options.owner)}/${String(options.repo)}`;
  const problem = configSizeProblem(data, where);
  if (problem !== undefined) throw new Error(problem);
}

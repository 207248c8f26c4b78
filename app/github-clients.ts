/**
 * Octokit clients per installation, each with its own throttle id so one installation's write queue never delays
 * another's (Probot 14 would give them all `no-id`), plus the config loader and the app-level installation look-up.
 */

import type { ThrottlingOptions } from '@octokit/plugin-throttling';
import type { Probot, ProbotOctokit } from 'probot';
import { type GitHubApi, type GitHubRequester, gitHubApi, statusOf } from '../src/github/github-api.js';
import { mergeConfigs } from '../src/github/merge-configs.js';
import { ConfigCache, type ConfigPush } from './config-cache.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubClients {
  api(installationId: number): Promise<GitHubApi>;
  /**
   * Probot's `context.config('codecloud.yml')` semantics, outside a webhook handler: null when no file exists. Kept
   * per repository (`config-cache.ts`); `fresh` reads it again.
   */
  loadConfig(
    installationId: number,
    owner: string,
    repo: string,
    options?: { fresh?: boolean },
  ): Promise<unknown>;
  /** A push webhook: drops the cached configs it may have changed. */
  configPushed(push: ConfigPush): number;
  installationOf(owner: string, repo: string): Promise<number | null>;
  /** A fresh installation token scoped to one repository (`owner/name`), for the Cloud Coding backend. */
  repoToken(installationId: number, repo: string): Promise<string>;
}

export function gitHubClients(app: Probot): GitHubClients {
  const octokits = new Map<number, Promise<Octokit>>();

  const installationOctokit = (installationId: number): Promise<Octokit> => {
    let found = octokits.get(installationId);
    if (!found) {
      found = app.auth().then((appOctokit) => {
        const OctokitClass = appOctokit.constructor as typeof ProbotOctokit;
        // The class carries Probot's defaults (app id, key, token cache, base URL, throttle handlers); the instance
        // adds the installation and its own throttle group.
        return new OctokitClass({
          auth: { installationId },
          // Probot's class defaults hold the throttle handlers: the instance only names its group.
          throttle: { id: `codecloud-installation-${installationId}` } as ThrottlingOptions,
        });
      });
      octokits.set(installationId, found);
    }
    return found;
  };

  const configs = new ConfigCache(async (installationId, owner, repo) => {
    const octokit = await installationOctokit(installationId);
    return octokit.config.get({
      owner,
      repo,
      path: '.github/codecloud.yml',
      defaults: (configs) => mergeConfigs(configs),
    });
  });

  return {
    async api(installationId) {
      const octokit = await installationOctokit(installationId);
      const requester: GitHubRequester = {
        request: (route, parameters) => octokit.request(route, parameters),
      };
      return gitHubApi(requester);
    },
    async loadConfig(installationId, owner, repo, options) {
      const { config, files } = await configs.load(installationId, owner, repo, options);
      return files.some((file) => file.config !== null) ? config : null;
    },
    configPushed: (push) => configs.pushed(push),
    async repoToken(installationId, repo) {
      const appOctokit = await app.auth();
      const name = repo.split('/')[1] ?? repo;
      const { data } = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: installationId,
        repositories: [name],
      });
      return data.token;
    },
    async installationOf(owner, repo) {
      const appOctokit = await app.auth();
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

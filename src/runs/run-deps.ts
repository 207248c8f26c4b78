/** What the orchestration needs from the world, passed in once (no globals): store, backends, GitHub, clock, log. */

import type { AgentBackend } from '../backends/agent-backend.js';
import type { CodecloudClient } from '../codecloud/client.js';
import type { RepoConfig } from '../config/repo-config.js';
import type { ChecksApi } from '../github/checks-api.js';
import type { GitHubApi } from '../github/github-api.js';
import type { Limits } from '../limits/limits.js';
import type { RunMetrics } from '../metrics/app-metrics.js';
import type { Store } from '../store/store.js';
import type { AgentProvider, Backend, PermissionLevel, RunMode } from '../vocabulary.js';

/** The repository configuration as the orchestration reads it (parsed and defaulted from `.github/codecloud.yml`). */
export interface RunConfig {
  trigger: string;
  label: string;
  backend: Backend;
  mode: RunMode;
  model?: string | undefined;
  provider?: string | undefined;
  agentProvider?: AgentProvider | undefined;
  branch?: string | undefined;
  autoCreatePr: boolean;
  minPermission: PermissionLevel;
  allowedBots: string[];
  maxConcurrentRuns: number;
  timeoutMinutes: number;
  progress: boolean;
  instructions: string;
}

export type ConfigLoad =
  | { kind: 'ok'; config: RunConfig; repoConfig: RepoConfig }
  /** The file exists but is not valid: `issues` are quoted in one comment, nothing runs. */
  | { kind: 'invalid'; error: string; issues: string[] };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunDeps {
  store: Store;
  backends: Partial<Record<Backend, AgentBackend>>;
  /** codecloud's schedules, read back before a schedule event is relayed; absent without a codecloud key. */
  schedules?: Pick<CodecloudClient, 'getSchedule'> | undefined;
  /** A GitHub client for one installation (its own token and throttle queue). */
  github(installationId: number): Promise<GitHubApi>;
  /** The Checks and Actions calls of one installation (same token and queue); absent: autofix and check runs are off. */
  checks?: (installationId: number) => Promise<ChecksApi>;
  /**
   * `.github/codecloud.yml` of a repository, with the org `.github` fallback and `_extends` (Probot semantics). With
   * `reader` (the user a command is for): a file that `_extends` a repository they cannot read loads as invalid.
   */
  loadConfig(
    installationId: number,
    owner: string,
    repo: string,
    options?: { reader?: string },
  ): Promise<ConfigLoad>;
  /**
   * Makes an installation's next requests use a new token (a token keeps the permissions it was made with): after the
   * installation accepted the app's updated permissions. Absent: tokens are renewed only when they expire.
   */
  renewToken?: (installationId: number) => Promise<void>;
  /** The installation of a repository the app is installed on, or null (for relays). */
  installationOf(owner: string, repo: string): Promise<number | null>;
  /** The app's bot login, `<slug>[bot]`: its own comments are ignored. */
  botLogin: string;
  now(): number;
  log: Logger;
  /** Values never to show in a comment (the app's API keys). */
  knownSecrets: readonly string[];
  /** Tells the job worker that a job was recorded (so it does not wait for its next poll). */
  wake(): void;
  /** Told when a run reaches its final state here, and when a reconciler pass ends here (`GET /metrics`). */
  metrics?: RunMetrics;
  /** This process in the shared store (the holder of its leases: the reconciler, the runs it is starting). */
  holder: string;
  /** The operator's ceilings (`LIMIT_*`); absent: none. */
  limitCeilings?: Limits;
}

/** Minimum time between two progress edits of one status comment. */
export const PROGRESS_EDIT_INTERVAL_MS = 10_000;

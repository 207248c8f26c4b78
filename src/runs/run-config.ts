/** `.github/codecloud.yml` as the orchestration reads it: validated by the repo-config schema, then flattened. */
import { parseRepoConfig, type RepoConfig } from '../config/repo-config.js';
import type { ConfigLoad, RunConfig } from './run-deps.js';

function toRunConfig(config: RepoConfig): RunConfig {
  return {
    trigger: config.trigger,
    label: config.label,
    backend: config.backend,
    mode: config.mode,
    model: config.model,
    provider: config.provider,
    agentProvider: config.agent_provider,
    branch: config.branch,
    autoCreatePr: config.auto_create_pr,
    minPermission: config.min_permission,
    allowedBots: config.allowed_bots,
    maxConcurrentRuns: config.max_concurrent_runs,
    timeoutMinutes: config.timeout_minutes,
    progress: config.progress,
    instructions: config.instructions,
  };
}

/** The loaded file (null: none) → a usable config, or the problems to quote in one comment. */
export function loadRunConfig(raw: unknown): ConfigLoad {
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.message, issues: parsed.issues };
  return { kind: 'ok', config: toRunConfig(parsed.config), repoConfig: parsed.config };
}

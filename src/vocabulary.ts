/**
 * The words the App and the Action share, each defined once: which backend runs which agent, in which mode, and the
 * statuses of a run as the App keeps it. This module imports nothing else from `src/`, so every layer can use it
 * (the lint rules in `biome.json` keep it that way). Schemas that parse outside input (the repository config, the
 * codecloud API, the Action's inputs) are built from these.
 */
import { z } from 'zod';

/** The service that runs the agent: the codecloud REST API or Cloud Coding. */
export const Backend = z.enum(['codecloud', 'cloudcoding']);
export type Backend = z.infer<typeof Backend>;

/** `execute` does the work; `plan` only writes a plan, to be approved later. */
export const RunMode = z.enum(['execute', 'plan']);
export type RunMode = z.infer<typeof RunMode>;

/** The agent that does the work. */
export const AgentProvider = z.enum(['opencode', 'claude-code']);
export type AgentProvider = z.infer<typeof AgentProvider>;

/**
 * The App's own view of a run.
 * `waiting`: queued locally for an installation slot (`max_concurrent_runs`), nothing sent yet;
 * `starting`: a slot is held and the create call is in flight; `queued`/`running`: as the backend says;
 * the last four are final.
 */
export const LocalRunStatus = z.enum([
  'waiting',
  'starting',
  'queued',
  'running',
  'completed',
  'failed',
  'stopped',
  'timed_out',
]);
export type LocalRunStatus = z.infer<typeof LocalRunStatus>;

const FinalLocalRunStatus = LocalRunStatus.extract(['completed', 'failed', 'stopped', 'timed_out']);
/** Statuses a run ends in; it never leaves them. */
export const FINAL_LOCAL_RUN_STATUSES: readonly LocalRunStatus[] = FinalLocalRunStatus.options;
/** Statuses of a run that has not ended yet: all the others. */
export const NON_FINAL_LOCAL_RUN_STATUSES: readonly LocalRunStatus[] = LocalRunStatus.exclude(
  FinalLocalRunStatus.options,
).options;
/** Statuses that hold one of the installation's `max_concurrent_runs` slots. */
export const SLOT_HOLDING_RUN_STATUSES: readonly LocalRunStatus[] = ['starting', 'queued', 'running'];

export const isFinalLocalRunStatus = (status: LocalRunStatus): boolean =>
  FINAL_LOCAL_RUN_STATUSES.includes(status);

/** GitHub's repository roles, weakest first. */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export const PermissionLevel = z.enum(PERMISSION_LEVELS);
export type PermissionLevel = z.infer<typeof PermissionLevel>;

/** A caller's level, or `none` when GitHub says they have no access (or says something we don't know). */
export type CallerPermission = PermissionLevel | 'none';

/** A level's strength: `none` -1, then `read` 0 up to `admin` 4. */
export const permissionRank = (level: CallerPermission): number =>
  level === 'none' ? -1 : PERMISSION_LEVELS.indexOf(level);

/** True when `actual` is at least `required` (read < triage < write < maintain < admin; `none` meets nothing). */
export function meetsPermission(actual: CallerPermission, required: PermissionLevel): boolean {
  return permissionRank(actual) >= permissionRank(required);
}

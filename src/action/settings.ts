/** The Action's settings: every input gathered once, validated, defaults applied. After the edge, types are trusted. */
import { DEFAULT_CLOUDCODING_API_URL } from '../cloudcoding/client.js';
import { DEFAULT_CODECLOUD_API_URL } from '../codecloud/client.js';
import type { CreateAgentRunInput, CreateScheduleInput, ToolDefinition } from '../codecloud/schemas.js';
import type { Backend, RunMode } from '../vocabulary.js';

/** The Action's `command` input (the App's `/codecloud` commands are `Command` in `src/commands/command.ts`). */
export const ACTION_COMMANDS = ['run', 'follow-up', 'stop', 'status', 'schedule', 'unschedule'] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

export const DEFAULT_API_URLS: Record<Backend, string> = {
  codecloud: DEFAULT_CODECLOUD_API_URL,
  cloudcoding: DEFAULT_CLOUDCODING_API_URL,
};

/** One run to start: a `tasks` entry, or the single `prompt` (named `run`). */
export interface TaskSpec {
  name: string;
  request: CreateAgentRunInput;
}

export interface CommonSettings {
  backend: Backend;
  apiKey: string;
  apiUrl: string;
  /** Wait for the run(s) to finish (`run`, `follow-up`). */
  wait: boolean;
  timeoutMs: number;
  /** `max-tokens`: a run whose reported tokens (input + output) pass this is stopped and the step fails. */
  maxTokens?: number | undefined;
  stopOnCancel: boolean;
  failOnError: boolean;
  /** `github-token`: Cloud Coding's `github_token`, and the token the status comment (`comment`) is written with. */
  githubToken: string | undefined;
  /** `app-url` (no trailing slash): wait on the App's wait route instead of polling (codecloud only). */
  appUrl: string | undefined;
  /** `comment`: no status comment, one on the event's pull request or issue, or on the number given. */
  comment: CommentSetting;
  /** Cloud Coding only. */
  haiku: boolean;
  /** Cloud Coding only: the conversation to continue. */
  threadId: string | undefined;
  /** The header values of every tool the step sends (`tools`, a task's `tools`): secrets like the API key. */
  toolSecrets: string[];
}

export type CommentSetting = { kind: 'off' } | { kind: 'event' } | { kind: 'number'; number: number };

/** The settings of the `run` command. */
export interface RunCommandSettings {
  command: 'run';
  tasks: TaskSpec[];
  /** True when the runs come from the `tasks` input (one log group and one `results` entry per task). */
  fromTasksInput: boolean;
  maxParallel: number;
}

export interface FollowUpSettings {
  command: 'follow-up';
  /** Always set for codecloud; Cloud Coding continues `threadId` instead. */
  runId: string | undefined;
  prompt: string;
  mode: RunMode | undefined;
  updatePr: boolean;
  idempotencyKey: string;
  /** Cloud Coding only (its `repo_url` and `branch`): the `repo` input or `$GITHUB_REPOSITORY`, and the branch. */
  repo: string | undefined;
  branch: string | undefined;
  /** `tools`: replaces the run's tools for this follow-up (codecloud only). */
  tools: ToolDefinition[] | undefined;
}

export interface StopSettings {
  command: 'stop';
  runId: string;
}

export interface StatusSettings {
  command: 'status';
  runId: string;
}

export interface ScheduleSettings {
  command: 'schedule';
  schedule: CreateScheduleInput;
}

export interface UnscheduleSettings {
  command: 'unschedule';
  scheduleId: string;
}

export type CommandSettings =
  | RunCommandSettings
  | FollowUpSettings
  | StopSettings
  | StatusSettings
  | ScheduleSettings
  | UnscheduleSettings;

export type ActionSettings = CommonSettings & CommandSettings;

/** `timeout-minutes` as given (to 2 decimals), for messages. */
export function timeoutInMinutes(settings: CommonSettings): number {
  return Math.round((settings.timeoutMs / 60_000) * 100) / 100;
}

/** What the step never shows: the API key, `github-token` and the tools' header values. */
export function stepSecrets(settings: CommonSettings): string[] {
  return [settings.apiKey, settings.githubToken ?? '', ...settings.toolSecrets].filter(
    (secret) => secret !== '',
  );
}

/**
 * The codecloud REST API v1 in zod schemas, as codecloud documents it (https://codecloud.dev/api/openapi.json).
 * Unknown extra fields are tolerated (stripped); a missing required field fails with its path.
 */
import { z } from 'zod';
import { AgentProvider, RunMode } from '../vocabulary.js';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed'];
export const isFinalRunStatus = (status: RunStatus): boolean => FINAL_RUN_STATUSES.includes(status);

export const REPO_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
export const RepoName = z.string().regex(REPO_PATTERN, 'repo must be in format: owner/repo');

export const ToolDefinition = z.object({
  name: z.string(),
  description: z.string(),
  // JSON Schema: its other keywords (`type: object`, `additionalProperties`…) are kept, not stripped.
  parameters: z
    .object({
      properties: z.record(z.string(), z.unknown()),
      required: z.array(z.string()).optional(),
    })
    .loose(),
  endpoint: z.object({
    url: z.string(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    headers: z.record(z.string(), z.string()).optional(),
  }),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

export const SubagentDefinition = z.object({
  name: z.string(),
  description: z.string(),
  mode: z.literal('subagent'),
  prompt: z.string(),
  tools: z.record(z.string(), z.unknown()),
  max_turns: z.number().int().optional(),
});
export type SubagentDefinition = z.infer<typeof SubagentDefinition>;

/** Error body of every 4xx/5xx answer: `{ error: "Validation Error", message: "repo: repo must be …" }`. */
export const ApiErrorBody = z.object({ error: z.string(), message: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

// ---- Agent runs ----

export const CreateAgentRunRequest = z.object({
  repo: RepoName.optional(),
  prompt: z.string().min(1, 'prompt is required'),
  model: z.string().optional(),
  provider: z.string().optional(),
  branch: z.string().optional(),
  webhook_url: z.string().optional(),
  mode: RunMode.default('execute'),
  auto_create_pr: z.boolean().default(true),
  blank_workspace: z.boolean().default(false),
  agent_provider: AgentProvider.optional(),
  tools: z.array(ToolDefinition).optional(),
  agents: z.array(SubagentDefinition).optional(),
});
/** What a caller writes (defaults may be left out). */
export type CreateAgentRunInput = z.input<typeof CreateAgentRunRequest>;
/** What the API works with (defaults filled in). */
export type CreateAgentRunRequest = z.output<typeof CreateAgentRunRequest>;

export const CreateAgentRunResponse = z.object({
  id: z.string(),
  title: z.string().optional(),
  status: z.literal('queued'),
  message: z.string(),
});
export type CreateAgentRunResponse = z.infer<typeof CreateAgentRunResponse>;

export const RunSummary = z.object({
  id: z.string(),
  title: z.string().optional(),
  status: RunStatus,
  model: z.string().optional(),
  provider: z.string().optional(),
  repo: z.string().optional(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const ListAgentRunsResponse = z.object({ runs: z.array(RunSummary) });
export type ListAgentRunsResponse = z.infer<typeof ListAgentRunsResponse>;

export const ListAgentRunsQuery = z.object({
  limit: z.number().int().min(1).max(100).optional(),
  status: RunStatus.optional(),
});
export type ListAgentRunsQuery = z.infer<typeof ListAgentRunsQuery>;

export const PullRequestRef = z.object({
  url: z.string(),
  number: z.number(),
  branch: z.string(),
  repo: z.string(),
  title: z.string().optional(),
});
export type PullRequestRef = z.infer<typeof PullRequestRef>;

export const RunDetail = z.object({
  id: z.string(),
  title: z.string().optional(),
  status: RunStatus,
  mode: RunMode.optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  result: z.string().optional(),
  plan: z.string().optional(),
  error: z.string().optional(),
  repo: z.string().optional(),
  prompt: z.string(),
  pr_url: z.string().optional(),
  pr_number: z.number().optional(),
  prs: z.array(PullRequestRef),
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  schedule_id: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const ResumeAgentRunRequest = z.object({
  prompt: z.string().min(1, 'prompt is required'),
  mode: RunMode.optional(),
  update_pr: z.boolean().optional(),
  idempotency_key: z.string().optional(),
  tools: z.array(ToolDefinition).optional(),
});
export type ResumeAgentRunRequest = z.infer<typeof ResumeAgentRunRequest>;

export const ResumeAgentRunResponse = z.object({
  id: z.string(),
  status: z.literal('running'),
  message: z.string(),
});
export type ResumeAgentRunResponse = z.infer<typeof ResumeAgentRunResponse>;

export const StopAgentRunResponse = z.object({
  id: z.string(),
  status: z.enum(['failed', 'completed']),
  message: z.string(),
});
export type StopAgentRunResponse = z.infer<typeof StopAgentRunResponse>;

// ---- Schedules ----

export const ScheduleType = z.enum(['once', 'recurring']);
export type ScheduleType = z.infer<typeof ScheduleType>;
export const ScheduleStatus = z.enum(['active', 'completed', 'deleted']);
export type ScheduleStatus = z.infer<typeof ScheduleStatus>;

export const CreateScheduleRequest = z.object({
  type: ScheduleType,
  cron: z.string().optional(),
  run_at: z.string().optional(),
  prompt: z.string().min(1, 'prompt is required'),
  repo: RepoName.optional(),
  branch: z.string().optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  mode: RunMode.default('execute'),
  webhook_url: z.string().optional(),
  auto_create_pr: z.boolean().default(true),
  tools: z.array(ToolDefinition).optional(),
});
export type CreateScheduleInput = z.input<typeof CreateScheduleRequest>;
export type CreateScheduleRequest = z.output<typeof CreateScheduleRequest>;

export const CreateScheduleResponse = z.object({
  id: z.string(),
  type: ScheduleType,
  status: z.literal('active'),
  next_run_at: z.string(),
  message: z.string(),
});
export type CreateScheduleResponse = z.infer<typeof CreateScheduleResponse>;

export const ScheduleSummary = z.object({
  id: z.string(),
  type: ScheduleType,
  status: ScheduleStatus,
  prompt: z.string(),
  repo: z.string().optional(),
  cron: z.string().optional(),
  next_run_at: z.string().optional(),
  total_runs: z.number(),
  total_skips: z.number(),
  last_run_at: z.string().optional(),
  created_at: z.string(),
});
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;

/** 003 types ScheduleDetail as `any`; 004 documents it as the summary plus `last_run_id`. */
export const ScheduleDetail = ScheduleSummary.extend({ last_run_id: z.string().optional() });
export type ScheduleDetail = z.infer<typeof ScheduleDetail>;

export const ListSchedulesQuery = z.object({
  limit: z.number().int().min(1).max(100).optional(),
  status: ScheduleStatus.optional(),
});
export type ListSchedulesQuery = z.infer<typeof ListSchedulesQuery>;

export const ListSchedulesResponse = z.object({ schedules: z.array(ScheduleSummary) });
export type ListSchedulesResponse = z.infer<typeof ListSchedulesResponse>;

export const DeleteScheduleResponse = z.object({
  id: z.string(),
  status: z.literal('deleted'),
  message: z.string(),
});
export type DeleteScheduleResponse = z.infer<typeof DeleteScheduleResponse>;

// ---- Providers and models (public endpoints) ----

export const ProviderCredential = z.object({
  key: z.string(),
  label: z.string(),
  required: z.boolean().default(true),
  placeholder: z.string().optional(),
});

export const Provider = z.object({
  id: z.string(),
  name: z.string(),
  credentials: z.array(ProviderCredential),
});
export type Provider = z.infer<typeof Provider>;

export const ProvidersResponse = z.object({ providers: z.array(Provider) });
export type ProvidersResponse = z.infer<typeof ProvidersResponse>;

export const Model = z.object({
  id: z.string(),
  name: z.string(),
  releaseDate: z.string().optional(),
  reasoning: z.boolean(),
  toolCall: z.boolean(),
  contextLimit: z.number().optional(),
  inputCost: z.number().optional(),
  outputCost: z.number().optional(),
});
export type Model = z.infer<typeof Model>;

export const ModelsResponse = z.object({
  generatedAt: z.string(),
  source: z.string(),
  models: z.record(z.string(), z.array(Model)),
});
export type ModelsResponse = z.infer<typeof ModelsResponse>;

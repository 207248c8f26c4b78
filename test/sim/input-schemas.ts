// zod schemas for what tests hand the simulator (options and control arguments): strict, so a typo such as
// `runingMs` is an error naming the field instead of a silently ignored key.
import { z } from 'zod';
import { ToolCall } from '../../src/codecloud/webhook-events.js';
import { describeZodIssues } from '../../src/validation-error.js';
import type { PromptScript, RouteFault, RunScript, SimApiKey, WebhookFault } from './types.js';

const ms = z.number().finite().min(0);

export const SimPlanSchema = z.enum(['free', 'starter', 'pro']);
export const SimApiKeySchema = z.strictObject({ key: z.string().min(1), plan: SimPlanSchema });

const ScriptPrSchema = z.strictObject({
  number: z.number().int().positive().optional(),
  branch: z.string().min(1).optional(),
  repo: z.string().min(1).optional(),
  title: z.string().optional(),
  url: z.string().min(1).optional(),
});

/** Tokens a progress step adds to the run's counters (the API reports them while it runs). */
const StepTokens = {
  inputTokens: z.number().int().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
};

const ProgressStepSchema = z.union([
  z.strictObject({ thinking: z.string(), atMs: ms.optional(), ...StepTokens }),
  z.strictObject({ tool_call: ToolCall, atMs: ms.optional(), ...StepTokens }),
]);

export const RunScriptSchema: z.ZodType<RunScript> = z.lazy(() =>
  z.strictObject({
    queuedMs: ms.optional(),
    runningMs: ms.optional(),
    outcome: z.enum(['completed', 'failed']).optional(),
    result: z.string().optional(),
    plan: z.string().optional(),
    title: z.string().optional(),
    prs: z.array(ScriptPrSchema).optional(),
    error: z.string().optional(),
    progress: z.array(ProgressStepSchema).optional(),
    inputTokens: z.number().int().min(0).optional(),
    outputTokens: z.number().int().min(0).optional(),
    followUps: z.array(RunScriptSchema).optional(),
  }),
) as z.ZodType<RunScript>;

export const PromptScriptSchema = z.strictObject({
  match: z.string().min(1),
  script: RunScriptSchema,
  scope: z.enum(['run', 'follow-up', 'any']).optional(),
});

export const RouteFaultSchema = z.strictObject({
  route: z.string().min(1),
  latencyMs: ms.optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.strictObject({ error: z.string(), message: z.string() }).optional(),
  retryAfter: z.union([z.number().min(0), z.string()]).optional(),
  hang: z.boolean().optional(),
  reset: z.boolean().optional(),
  phase: z.enum(['before', 'after']).optional(),
  rate: z.number().min(0).max(1).optional(),
  times: z.number().int().min(0).optional(),
});

export const WebhookFaultSchema = z.strictObject({
  event: z
    .enum([
      '*',
      'agent.completed',
      'agent.failed',
      'agent.progress',
      'schedule.run.executed',
      'schedule.run.skipped',
      'schedule.deleted',
    ])
    .optional(),
  action: z.enum(['drop', 'duplicate']),
  rate: z.number().min(0).max(1).optional(),
  times: z.number().int().min(0).optional(),
});

/** Parses `value` or throws `<what>: <field>: <problem>`. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

export const parseRunScript = (value: unknown, what = 'script'): RunScript =>
  parseInput(RunScriptSchema, value, what);
export const parsePromptScript = (value: unknown): PromptScript =>
  parseInput(PromptScriptSchema, value, 'addPromptScript') as PromptScript;
export const parseRouteFault = (value: unknown): RouteFault =>
  parseInput(RouteFaultSchema, value, 'fault') as RouteFault;
export const parseWebhookFault = (value: unknown): WebhookFault =>
  parseInput(WebhookFaultSchema, value, 'webhook fault') as WebhookFault;
export const parseApiKeys = (value: unknown): SimApiKey[] =>
  parseInput(z.array(SimApiKeySchema), value, 'apiKeys');

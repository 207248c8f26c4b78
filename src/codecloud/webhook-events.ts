/**
 * codecloud webhook events (run completion, progress and schedule events, as codecloud's API documentation
 * describes them), one discriminated union on `event`. Unknown extra fields are tolerated.
 */
import { z } from 'zod';
import { RunMode } from '../vocabulary.js';

const WebhookPr = z.object({ url: z.string(), number: z.number(), branch: z.string() });
const WebhookUsage = z.object({ input_tokens: z.number(), output_tokens: z.number() });

const runEventFields = {
  run_id: z.string(),
  mode: RunMode.optional(),
  repo: z.string().optional(),
  result: z.string().optional(),
  plan: z.string().optional(),
  error: z.string().optional(),
  pr: WebhookPr.optional(),
  usage: WebhookUsage.optional(),
  created_at: z.string(),
  completed_at: z.string().optional(),
};

export const AgentCompletedEvent = z.object({
  event: z.literal('agent.completed'),
  status: z.literal('completed'),
  ...runEventFields,
});
export type AgentCompletedEvent = z.infer<typeof AgentCompletedEvent>;

export const AgentFailedEvent = z.object({
  event: z.literal('agent.failed'),
  status: z.literal('failed'),
  ...runEventFields,
});
export type AgentFailedEvent = z.infer<typeof AgentFailedEvent>;

export const ToolCallStatus = z.enum(['pending', 'running', 'completed', 'error']);
export const ToolCall = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()).optional(),
  status: ToolCallStatus,
});
export type ToolCall = z.infer<typeof ToolCall>;

export const AgentProgressEvent = z.object({
  event: z.literal('agent.progress'),
  run_id: z.string(),
  status: z.literal('running'),
  thinking: z.string().optional(),
  tool_call: ToolCall.optional(),
});
export type AgentProgressEvent = z.infer<typeof AgentProgressEvent>;

export const ScheduleRunExecutedEvent = z.object({
  event: z.literal('schedule.run.executed'),
  schedule_id: z.string(),
  run_id: z.string(),
  next_run_at: z.string().optional(),
  created_at: z.string(),
});
export type ScheduleRunExecutedEvent = z.infer<typeof ScheduleRunExecutedEvent>;

export const ScheduleRunSkippedEvent = z.object({
  event: z.literal('schedule.run.skipped'),
  schedule_id: z.string(),
  reason: z.string(),
  next_run_at: z.string().optional(),
  total_skips: z.number(),
  created_at: z.string(),
});
export type ScheduleRunSkippedEvent = z.infer<typeof ScheduleRunSkippedEvent>;

export const ScheduleDeletedEvent = z.object({
  event: z.literal('schedule.deleted'),
  schedule_id: z.string(),
  reason: z.string().optional(),
  created_at: z.string().optional(),
});
export type ScheduleDeletedEvent = z.infer<typeof ScheduleDeletedEvent>;

export const CodecloudEvent = z.discriminatedUnion('event', [
  AgentCompletedEvent,
  AgentFailedEvent,
  AgentProgressEvent,
  ScheduleRunExecutedEvent,
  ScheduleRunSkippedEvent,
  ScheduleDeletedEvent,
]);
export type CodecloudEvent = z.infer<typeof CodecloudEvent>;
/**
 * The name of each codecloud webhook event (the simulator sends them).
 * @public
 */
export type CodecloudEventName = CodecloudEvent['event'];

/**
 * The meaning of an event, for de-duplication: delivery ids are unique per attempt, so they cannot be used.
 * A run ends once per follow-up too (each follow-up completes the same run again), so a completion is told apart
 * by its `completed_at`; retries and duplicates of one completion carry the same body, hence the same key.
 */
export function eventDedupKey(event: CodecloudEvent): string {
  switch (event.event) {
    case 'agent.completed':
    case 'agent.failed':
      return `${event.run_id}:${event.event}:${event.status}:${event.completed_at ?? event.created_at}`;
    case 'agent.progress':
      return `${event.run_id}:${event.event}`;
    case 'schedule.run.executed':
      return `${event.schedule_id}:${event.event}:${event.run_id}`;
    case 'schedule.run.skipped':
      return `${event.schedule_id}:${event.event}:${event.total_skips}`;
    case 'schedule.deleted':
      return `${event.schedule_id}:${event.event}`;
  }
}

/**
 * The app's durable job kinds and their payloads, typed: `enqueue` takes the payload the kind calls for, and
 * `jobHandlers` parses a claimed job's payload with its kind's schema before the handler sees it, so no handler
 * reads loose JSON.
 */

import { z } from 'zod';
import {
  AutofixCiJob,
  BranchPushTrigger,
  JOB_AUTOFIX_CI,
  JOB_AUTOFIX_PUSH,
  JOB_AUTOFIX_REVIEW,
  JOB_STOP_BUTTON,
  ReviewJob,
  StopButtonJob,
} from '../autofix/triggers.js';
import { CodecloudEvent } from '../codecloud/webhook-events.js';
import { definedProps } from '../objects.js';
import type { Job, Json, Store } from '../store/store.js';
import type { JobHandler } from './job-worker.js';
import {
  CommandTrigger,
  JOB_BACKEND_FINISHED,
  JOB_CODECLOUD_EVENT,
  JOB_COMMAND,
  JOB_DRAIN,
  JOB_LOOK_UP_CREATE,
  JOB_PUSH,
  JOB_RELAY_COMPLETION,
  JOB_RELAY_SCHEDULE,
  PushTrigger,
} from './trigger.js';

/** What a backend without webhooks (Cloud Coding) said when a run's stream ended. */
export const FinishedView = z.object({
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  repo: z.string().optional(),
  result: z.string().optional(),
  error: z.string().optional(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
});

/** The payload schema of every job kind. */
export const JOB_PAYLOADS = {
  [JOB_AUTOFIX_CI]: AutofixCiJob,
  [JOB_AUTOFIX_PUSH]: BranchPushTrigger,
  [JOB_AUTOFIX_REVIEW]: ReviewJob,
  [JOB_STOP_BUTTON]: StopButtonJob,
  [JOB_COMMAND]: CommandTrigger,
  [JOB_PUSH]: PushTrigger,
  [JOB_CODECLOUD_EVENT]: CodecloudEvent,
  [JOB_RELAY_COMPLETION]: z.object({ remoteRunId: z.string().min(1) }),
  [JOB_RELAY_SCHEDULE]: z.discriminatedUnion('event', [
    z.object({
      scheduleId: z.string().min(1),
      event: z.literal('skipped'),
      reason: z.string(),
      nextRunAt: z.string().nullable(),
      totalSkips: z.number().int(),
    }),
    z.object({ scheduleId: z.string().min(1), event: z.literal('deleted') }),
  ]),
  [JOB_BACKEND_FINISHED]: z.object({
    backend: z.literal('cloudcoding'),
    remoteRunId: z.string().min(1),
    view: FinishedView.optional(),
  }),
  [JOB_DRAIN]: z.object({ installationId: z.number().int() }),
  [JOB_LOOK_UP_CREATE]: z.object({
    runId: z.string().min(1),
    /** Which look-up this is (1 for the first). */
    lookUp: z.number().int().positive(),
  }),
} as const;

export type JobKind = keyof typeof JOB_PAYLOADS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOB_PAYLOADS)[K]>;

/**
 * Records a job of `kind`; false when `dedupeKey` was seen before (see `Store.enqueueJob`). A payload that names its
 * installation puts the job in that installation's fairness group, so one installation's burst never holds up another.
 * The payload is typed here and parsed once, with its kind's schema, when the job is claimed (`jobHandlers`): the
 * webhook's fast path records what its own schema-checked mapping built without a second validation.
 */
export function enqueue<K extends JobKind>(
  store: Pick<Store, 'enqueueJob'>,
  kind: K,
  job: { dedupeKey: string; payload: JobPayload<K>; runAt?: number | undefined },
): Promise<boolean> {
  const installationId = (job.payload as { installationId?: unknown }).installationId;
  return store.enqueueJob({
    dedupeKey: job.dedupeKey,
    kind,
    payload: job.payload as Json,
    ...definedProps({
      group: typeof installationId === 'number' ? String(installationId) : undefined,
      runAt: job.runAt,
    }),
  });
}

export type TypedJobHandlers = { [K in JobKind]: (payload: JobPayload<K>, job: Job) => Promise<void> };

/** The worker's handler table: each handler gets its kind's payload, parsed (a payload that does not parse fails the job). */
export function jobHandlers(handlers: TypedJobHandlers): Record<string, JobHandler> {
  const table: Record<string, JobHandler> = {};
  for (const kind of Object.keys(JOB_PAYLOADS) as JobKind[]) {
    table[kind] = async (payload, job) => {
      const parsed = JOB_PAYLOADS[kind].safeParse(payload);
      if (!parsed.success) {
        throw new Error(
          `job ${kind} ${job.dedupeKey}: payload does not parse: ${z.prettifyError(parsed.error)}`,
        );
      }
      await (handlers[kind] as (payload: unknown, job: Job) => Promise<void>)(parsed.data, job);
    };
  }
  return table;
}

/**
 * The typed JSON columns of a run (`options`, `progress`), parsed once where rows are read (`row-mapping.ts`), so
 * nothing downstream reads loose JSON by hand. Parsing is lenient per field: a stored value that no longer fits
 * (an older app version, a hand edit) reads as absent instead of making the whole run unreadable.
 */
import { z } from 'zod';
import { AgentProvider, RunMode } from '../vocabulary.js';

/** A field that reads as `undefined` when it is missing or does not fit. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** Where the reaction of a follow-up goes (the comment that asked for it). */
export const ReactOn = z.union([
  z.object({ kind: z.literal('issue'), number: z.number().int() }),
  z.object({ kind: z.enum(['issue_comment', 'review_comment']), id: z.number().int() }),
]);
export type ReactOn = z.infer<typeof ReactOn>;

/** Where a follow-up's status comment lives (the pull request's conversation, or a review thread). */
export const StatusCommentPlace = z.union([
  z.object({ kind: z.literal('issue_comment'), number: z.number().int() }),
  z.object({ kind: z.literal('review_comment'), number: z.number().int(), threadId: z.number().int() }),
]);
export type StatusCommentPlace = z.infer<typeof StatusCommentPlace>;

/** A follow-up refused by codecloud's plan limit, kept until it can be sent. */
export const PendingFollowUp = z.object({
  prompt: z.string(),
  mode: RunMode,
  idempotencyKey: z.string(),
});
export type PendingFollowUp = z.infer<typeof PendingFollowUp>;

/** What made an autofix follow-up (failed checks on a commit, or a review that requested changes). */
export const AutofixOrigin = z.object({
  kind: z.enum(['ci', 'review']),
  /** The head commit the checks failed on, and its page. */
  sha: z.string().optional(),
  commitUrl: z.string().optional(),
  /** The failed check runs' names. */
  checks: z.array(z.string()).optional(),
  reviewer: z.string().optional(),
  reviewUrl: z.string().optional(),
  attempt: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
});
export type AutofixOrigin = z.infer<typeof AutofixOrigin>;

/**
 * The GitHub trigger of a run's latest follow-up (a comment, review or inline comment): an older or the same trigger,
 * replayed, sends no follow-up and no approval, even after its job record is gone.
 */
export const FollowUpTrigger = z.object({
  /** When it happened on GitHub (its `createdAt`). */
  at: z.string(),
  commentId: z.number().int().nullable(),
  kind: z.enum(['issue_comment', 'review_comment', 'review', 'issue_body', 'label']),
});
export type FollowUpTrigger = z.infer<typeof FollowUpTrigger>;

/** Why a Cloud Coding run starts a new conversation rather than continuing its thread's. */
export const FreshConversationReason = z.enum(['asked', 'no-thread', 'failed', 'stopped', 'timed_out']);
export type FreshConversationReason = z.infer<typeof FreshConversationReason>;

/** The request options of a run, as recorded when it was asked for (and as its status comment needs them). */
export const RunOptions = z.object({
  branch: lenient(z.string()),
  model: lenient(z.string()),
  provider: lenient(z.string()),
  agentProvider: lenient(AgentProvider),
  autoCreatePr: lenient(z.boolean()),
  maxConcurrentRuns: lenient(z.number().int().positive()),
  timeoutMinutes: lenient(z.number().positive()),
  /** Show the agent's progress in the status comment. */
  progress: lenient(z.boolean()),
  /** The GitHub delivery that asked for the run (a redelivery finds it again). */
  deliveryId: lenient(z.string()),
  /** When the trigger happened on GitHub (its `createdAt`): an older trigger in the thread never starts a run. */
  triggeredAt: lenient(z.string()),
  /** The trigger of the latest follow-up a command sent to this run. */
  followUpTrigger: lenient(FollowUpTrigger),
  /** The title derived from the request, for the status comment's headline. */
  headline: lenient(z.string()),
  /** Who asked for the latest follow-up (the run's `requestedBy` asked for the run). */
  requestedBy: lenient(z.string()),
  /** The repository's command word (`/codecloud` unless configured), for the hints in the status comment. */
  trigger: lenient(z.string().min(1)),
  reactOn: lenient(ReactOn.nullable()),
  statusCommentPlace: lenient(StatusCommentPlace),
  pendingFollowUp: lenient(PendingFollowUp),
  /** When the create call was sent (ms): a create whose answer was lost is looked up from then on, never re-sent. */
  createSentAt: lenient(z.number()),
  /** Set while the run's latest message is an autofix follow-up. */
  autofix: lenient(AutofixOrigin),
  /** The limits' charge of the latest run or follow-up (given back if the backend refuses to create it). */
  usageCharge: lenient(z.string()),
  /** `limits.tokens_per_run` in force when it was asked for: a run that reports more is stopped. */
  tokensPerRun: lenient(z.number().int().positive()),
  /** Why the app stopped the run itself (the token limit), shown at the end of its status comment. */
  stopNote: lenient(z.string()),
  /** Cloud Coding: the `thread_id` of the thread's conversation this run continues. */
  continuesThread: lenient(z.string().min(1)),
  /** Cloud Coding: why this run starts a new conversation in a thread that had one. */
  freshConversation: lenient(FreshConversationReason),
});
export type RunOptions = z.infer<typeof RunOptions>;

/** A run's options read from the store (`{}` when none); fields that do not fit are dropped. */
export function parseRunOptions(value: unknown): RunOptions {
  const parsed = RunOptions.safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

/** The progress summary a status comment shows: the latest tool calls and a short excerpt of the agent's text. */
export const StoredRunProgress = z.object({
  toolCalls: lenient(
    z
      .array(
        z.object({
          name: z.string(),
          status: z.enum(['pending', 'running', 'completed', 'error']).catch('running'),
          arguments: lenient(z.record(z.string(), z.unknown())),
        }),
      )
      .readonly(),
  ),
  thinking: lenient(z.string()),
});
export type StoredRunProgress = z.infer<typeof StoredRunProgress>;

/** A run's stored progress, or null when none (or when it no longer parses). */
export function parseRunProgress(value: unknown): StoredRunProgress | null {
  if (value === null || value === undefined) return null;
  const parsed = StoredRunProgress.safeParse(value);
  return parsed.success ? parsed.data : null;
}

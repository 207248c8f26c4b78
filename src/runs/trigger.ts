/**
 * A GitHub event that may hold a command, as plain data: the App adapter (`app/`) builds it from the webhook payload
 * and the intake stores it as a job, so the worker never needs the original payload or Probot.
 */
import { z } from 'zod';

export const TriggerSource = z.enum(['issue_comment', 'review_comment', 'review', 'issue_body', 'label']);
export type TriggerSource = z.infer<typeof TriggerSource>;

export const CommandTrigger = z.object({
  /** `X-GitHub-Delivery`: a delivery seen twice is processed once. */
  deliveryId: z.string().min(1),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  defaultBranch: z.string(),
  source: TriggerSource,
  /** The issue or pull request number. */
  number: z.number().int(),
  isPullRequest: z.boolean(),
  /** The or PR's title and body as of the webhook (the prompt is built from this snapshot). */
  title: z.string(),
  body: z.string(),
  /** The comment (or review) that holds the command; null for an issue body or a label. */
  commentId: z.number().int().nullable(),
  /** The text that holds the command (the comment, review body or issue body); '' for a label. */
  text: z.string(),
  sender: z.object({ login: z.string(), type: z.string() }),
  /** Author of the issue or PR, when the payload says. */
  author: z.string().optional(),
  /** `html_url` of the triggering comment, review or issue. */
  commentUrl: z.string().optional(),
  /**
   * When the trigger happened (ISO 8601: the comment's `created_at`, the review's `submitted_at`, the issue's
   * `created_at`, or its `updated_at` for a label): the prompt quotes the thread as of then.
   */
  createdAt: z.string().optional(),
  /** For a label trigger: the label added. */
  label: z.string().optional(),
  /** For an inline review comment: where it sits. `threadRootId` is the thread's first comment (replies go there). */
  reviewComment: z
    .object({
      path: z.string(),
      line: z.number().int().nullable(),
      diffHunk: z.string(),
      threadRootId: z.number().int(),
    })
    .optional(),
});
export type CommandTrigger = z.infer<typeof CommandTrigger>;

/** `owner/repo#12`, plus `:review-<root comment id>` for an inline review thread. */
export function threadKeyOf(
  trigger: Pick<CommandTrigger, 'owner' | 'repo' | 'number' | 'reviewComment'>,
): string {
  const base = `${trigger.owner}/${trigger.repo}#${trigger.number}`.toLowerCase();
  return trigger.reviewComment ? `${base}:review-${trigger.reviewComment.threadRootId}` : base;
}

export const PushTrigger = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  ref: z.string(),
  defaultBranch: z.string(),
});
export type PushTrigger = z.infer<typeof PushTrigger>;

/** Job kinds the worker handles. */
export const JOB_COMMAND = 'github.command';
export const JOB_PUSH = 'github.push';
export const JOB_CODECLOUD_EVENT = 'codecloud.event';
/** Try to start an installation's waiting runs (after a slot freed or the plan's limit was reached). */
export const JOB_DRAIN = 'runs.drain';
/** A backend without webhooks (Cloud Coding) says a run's stream ended: read it back and finish it. */
export const JOB_BACKEND_FINISHED = 'runs.backend-finished';
/** The relay of one real completion of a run the app did not start from a thread. */
export const JOB_RELAY_COMPLETION = 'relay-completion';
/** The relay of one real skip or deletion of a schedule the app keeps. */
export const JOB_RELAY_SCHEDULE = 'relay-schedule';
/** One look-up of a run whose create call got no answer (it may exist at codecloud all the same). */
export const JOB_LOOK_UP_CREATE = 'runs.look-up-create';

/**
 * The GitHub events autofix acts on, as plain data the App adapter builds from webhook payloads, and the jobs they
 * become: a completed check suite (for each agent PR at its commit), and a push to a branch.
 */
import { z } from 'zod';

/** `check_suite` `completed`: a commit's CI (or one of its apps) finished. */
export const CheckSuiteTrigger = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  headSha: z.string().min(1),
  /** The app whose suite it is (`github-actions`, another CI, or this app itself). */
  appSlug: z.string().nullable(),
  /** The open pull requests whose head is that commit. */
  pullNumbers: z.array(z.number().int()),
});
export type CheckSuiteTrigger = z.infer<typeof CheckSuiteTrigger>;

/** The job that decides whether a pull request's head commit gets its autofix follow-up. */
export const AutofixCiJob = z.object({
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  number: z.number().int(),
  headSha: z.string().min(1),
  /** How many times it waited for the thread's active run already. */
  waits: z.number().int().min(0).default(0),
});
export type AutofixCiJob = z.infer<typeof AutofixCiJob>;

/** A push to a branch (any branch): a person's push to an agent PR's branch pauses autofix there. */
export const BranchPushTrigger = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  branch: z.string(),
  after: z.string(),
  sender: z.object({ login: z.string(), type: z.string() }),
});
export type BranchPushTrigger = z.infer<typeof BranchPushTrigger>;

export const JOB_AUTOFIX_CI = 'autofix.ci';
export const JOB_AUTOFIX_PUSH = 'autofix.push';

/** `owner/repo#12`, lower case: the key of a pull request's autofix state. */
export const pullKeyOf = (owner: string, repo: string, number: number): string =>
  `${owner}/${repo}#${number}`.toLowerCase();

/** The mark that records the last push to a branch by a person (`paused`) or that a command resumed it. */
export const branchPushMarkOf = (owner: string, repo: string, branch: string): string =>
  `autofix-branch:${owner}/${repo}:${branch}`.toLowerCase();

/** `pull_request_review` `submitted` with state `changes_requested`: the review, as the job needs it. */
export const ReviewJob = z.object({
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  number: z.number().int(),
  reviewId: z.number().int(),
  body: z.string(),
  url: z.string(),
  reviewer: z.object({ login: z.string(), type: z.string() }),
  waits: z.number().int().min(0).default(0),
});
export type ReviewJob = z.infer<typeof ReviewJob>;

export const JOB_AUTOFIX_REVIEW = 'autofix.review';

/** `check_run` `requested_action`: someone clicked the Stop button of a `codecloud` check run. */
export const StopButtonJob = z.object({
  deliveryId: z.string().min(1),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  /** The check run's `external_id` (`<run id>:<message>`). */
  externalId: z.string(),
  identifier: z.string(),
  sender: z.object({ login: z.string(), type: z.string() }),
});
export type StopButtonJob = z.infer<typeof StopButtonJob>;

export const JOB_STOP_BUTTON = 'autofix.stop-button';

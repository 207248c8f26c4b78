/**
 * A verified GitHub delivery → what the app does with it: the events below become a command trigger or a push,
 * recorded as a job by `src/runs/intake.ts`; every other event (and action) is ignored. An installation accepting
 * the app's updated permissions is a cheap idempotent store write, done here like the config cache's drop on a push.
 */
import type {
  BranchPushTrigger,
  CheckSuiteTrigger,
  ReviewJob,
  StopButtonJob,
} from '../src/autofix/triggers.js';
import type { CommandTrigger, PushTrigger } from '../src/runs/trigger.js';
import type { GitHubDelivery } from '../src/server/github-webhook-route.js';
import {
  fromBranchPush,
  fromChangesRequested,
  fromCheckSuite,
  fromPermissionsAccepted,
  fromRequestedAction,
} from './autofix-triggers.js';
import type { ConfigPush } from './config-cache.js';
import {
  type DeliveryLog,
  fromIssueComment,
  fromIssueLabeled,
  fromIssueOpened,
  fromPush,
  fromReview,
  fromReviewComment,
} from './webhook-triggers.js';

export interface GitHubWebhookDispatch {
  recordCommand(trigger: CommandTrigger): Promise<unknown>;
  /** Autofix: a completed check suite, and a push to any branch (a person's push pauses it). */
  recordCheckSuite?(trigger: CheckSuiteTrigger): Promise<unknown>;
  recordBranchPush?(push: BranchPushTrigger): Promise<unknown>;
  /** Autofix: a review that requested changes (besides any command it holds). */
  recordChangesRequested?(review: ReviewJob): Promise<unknown>;
  /** The Stop button of the `codecloud` check run. */
  recordStopButton?(click: StopButtonJob): Promise<unknown>;
  /** `installation` `new_permissions_accepted`: forget what the installation was noted to lack. */
  permissionsAccepted?(installationId: number): Promise<unknown>;
  recordPush(push: PushTrigger): Promise<unknown>;
  /** Drops cached `.github/codecloud.yml` reads the push may have changed. */
  configPushed(push: ConfigPush): void;
  log: DeliveryLog;
}

type CommandMapper = (delivery: GitHubDelivery, log: DeliveryLog) => CommandTrigger | undefined;

/** `event.action` → its mapper, for the events that may carry a command. */
const COMMAND_EVENTS: ReadonlyMap<string, CommandMapper> = new Map([
  ['issue_comment.created', fromIssueComment],
  ['issues.opened', fromIssueOpened],
  ['issues.labeled', fromIssueLabeled],
  ['pull_request_review.submitted', fromReview],
  ['pull_request_review_comment.created', fromReviewComment],
]);

function actionOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || !('action' in payload)) return undefined;
  return typeof payload.action === 'string' ? payload.action : undefined;
}

export function githubWebhookDispatch(
  target: GitHubWebhookDispatch,
): (delivery: GitHubDelivery) => Promise<void> {
  return async (delivery) => {
    if (delivery.name === 'push') {
      const push = fromPush(delivery, target.log);
      if (!push) return;
      target.configPushed(push.configPush);
      if (push.trigger) await target.recordPush(push.trigger);
      const branchPush = target.recordBranchPush && fromBranchPush(delivery, target.log);
      if (branchPush) await target.recordBranchPush?.(branchPush);
      return;
    }
    if (delivery.name === 'check_suite' && actionOf(delivery.payload) === 'completed') {
      const suite = target.recordCheckSuite && fromCheckSuite(delivery, target.log);
      if (suite) await target.recordCheckSuite?.(suite);
      return;
    }
    if (delivery.name === 'installation' && actionOf(delivery.payload) === 'new_permissions_accepted') {
      const installationId = target.permissionsAccepted && fromPermissionsAccepted(delivery, target.log);
      if (installationId !== undefined) await target.permissionsAccepted?.(installationId);
      return;
    }
    if (delivery.name === 'check_run' && actionOf(delivery.payload) === 'requested_action') {
      const click = target.recordStopButton && fromRequestedAction(delivery, target.log);
      if (click) await target.recordStopButton?.(click);
      return;
    }
    if (delivery.name === 'pull_request_review' && actionOf(delivery.payload) === 'submitted') {
      const review = target.recordChangesRequested && fromChangesRequested(delivery, target.log);
      if (review) await target.recordChangesRequested?.(review);
    }
    const mapper = COMMAND_EVENTS.get(`${delivery.name}.${actionOf(delivery.payload)}`);
    const trigger = mapper?.(delivery, target.log);
    if (trigger) await target.recordCommand(trigger);
  };
}

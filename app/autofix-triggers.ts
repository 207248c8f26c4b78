/**
 * GitHub's `check_suite` and `push` deliveries → the plain triggers autofix records (`src/autofix/triggers.ts`), and
 * the `installation` event that says an installation accepted the permissions autofix needs.
 * Payloads are checked with zod for the fields used; one of another shape is ignored with a log line.
 */
import { z } from 'zod';
import type {
  BranchPushTrigger,
  CheckSuiteTrigger,
  ReviewJob,
  StopButtonJob,
} from '../src/autofix/triggers.js';
import type { GitHubDelivery } from '../src/server/github-webhook-route.js';
import { describeZodIssues } from '../src/validation-error.js';
import type { DeliveryLog } from './webhook-triggers.js';

const Repository = z.object({ name: z.string(), owner: z.object({ login: z.string() }) });
const Installation = z.object({ id: z.number().int() }).nullish();

const CheckSuitePayload = z.object({
  repository: Repository,
  installation: Installation,
  check_suite: z.object({
    head_sha: z.string().min(1),
    app: z.object({ slug: z.string().nullish() }).nullish(),
    pull_requests: z.array(z.object({ number: z.number().int() })).default([]),
  }),
});

const BranchPushPayload = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: Repository,
  installation: Installation,
  sender: z.object({ login: z.string(), type: z.string() }),
});

function read<S extends z.ZodType>(
  delivery: GitHubDelivery,
  log: DeliveryLog,
  schema: S,
): z.output<S> | undefined {
  const parsed = schema.safeParse(delivery.payload);
  if (parsed.success) return parsed.data;
  log.warn(
    `ignoring ${delivery.name} delivery ${delivery.id} for autofix: unexpected payload (${describeZodIssues(parsed.error).slice(0, 300)})`,
  );
  return undefined;
}

export function fromCheckSuite(delivery: GitHubDelivery, log: DeliveryLog): CheckSuiteTrigger | undefined {
  const p = read(delivery, log, CheckSuitePayload);
  const installationId = p?.installation?.id;
  if (!p || installationId === undefined) return undefined;
  return {
    deliveryId: delivery.id,
    installationId,
    owner: p.repository.owner.login,
    repo: p.repository.name,
    headSha: p.check_suite.head_sha,
    appSlug: p.check_suite.app?.slug ?? null,
    pullNumbers: p.check_suite.pull_requests.map((pr) => pr.number),
  };
}

/** A push to a branch (not a tag, not a deletion), with who pushed. */
export function fromBranchPush(delivery: GitHubDelivery, log: DeliveryLog): BranchPushTrigger | undefined {
  const p = read(delivery, log, BranchPushPayload);
  const installationId = p?.installation?.id;
  if (!p || installationId === undefined || p.deleted === true || !p.ref.startsWith('refs/heads/'))
    return undefined;
  return {
    deliveryId: delivery.id,
    installationId,
    owner: p.repository.owner.login,
    repo: p.repository.name,
    branch: p.ref.slice('refs/heads/'.length),
    after: p.after,
    sender: p.sender,
  };
}

const ReviewPayload = z.object({
  repository: Repository,
  installation: Installation,
  pull_request: z.object({ number: z.number().int() }),
  review: z.object({
    id: z.number().int(),
    state: z.string(),
    body: z.string().nullish(),
    html_url: z.string(),
    user: z.object({ login: z.string(), type: z.string() }).nullish(),
  }),
  sender: z.object({ login: z.string(), type: z.string() }),
});

/** A submitted review whose state is `changes_requested`, or undefined. */
export function fromChangesRequested(delivery: GitHubDelivery, log: DeliveryLog): ReviewJob | undefined {
  const p = read(delivery, log, ReviewPayload);
  const installationId = p?.installation?.id;
  if (!p || installationId === undefined || p.review.state.toLowerCase() !== 'changes_requested')
    return undefined;
  return {
    installationId,
    owner: p.repository.owner.login,
    repo: p.repository.name,
    number: p.pull_request.number,
    reviewId: p.review.id,
    body: p.review.body ?? '',
    url: p.review.html_url,
    reviewer: p.review.user ?? p.sender,
    waits: 0,
  };
}

const RequestedActionPayload = z.object({
  repository: Repository,
  installation: Installation,
  check_run: z.object({ name: z.string(), external_id: z.string().nullish() }),
  requested_action: z.object({ identifier: z.string() }),
  sender: z.object({ login: z.string(), type: z.string() }),
});

/** A click on a button of the app's `codecloud` check run. */
export function fromRequestedAction(delivery: GitHubDelivery, log: DeliveryLog): StopButtonJob | undefined {
  const p = read(delivery, log, RequestedActionPayload);
  const installationId = p?.installation?.id;
  if (!p || installationId === undefined || !p.check_run.external_id) return undefined;
  return {
    deliveryId: delivery.id,
    installationId,
    owner: p.repository.owner.login,
    repo: p.repository.name,
    externalId: p.check_run.external_id,
    identifier: p.requested_action.identifier,
    sender: p.sender,
  };
}

const InstallationPayload = z.object({ installation: z.object({ id: z.number().int() }) });

/** `installation` `new_permissions_accepted`: the installation's id (a payload without one is logged, ignored). */
export function fromPermissionsAccepted(delivery: GitHubDelivery, log: DeliveryLog): number | undefined {
  return read(delivery, log, InstallationPayload)?.installation.id;
}

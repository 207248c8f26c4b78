/**
 * A review that requested changes on an agent PR → one follow-up to the run's session (`autofix.reviews`), with the
 * review's body and inline comments. Once per review (the job is keyed by the review id, and the attempt is claimed
 * with it), by someone with `min_permission` (a bot only when in `allowed_bots`). A review that holds a command is
 * left to the command (handled as that command, once). Waits while the thread has an active run; counts toward
 * `max_attempts` and against `limits`.
 */
import { parseCommand } from '../commands/parse-command.js';
import { limitsInForce } from '../limits/charge.js';
import { enqueue } from '../runs/jobs.js';
import type { RunDeps } from '../runs/run-deps.js';
import { isAllowedBot } from '../runs/who-may-trigger.js';
import { isFinalLocalRunStatus, meetsPermission } from '../vocabulary.js';
import { ACTIVE_RUN_RECHECK_MS } from './ci-job.js';
import { buildReviewMessage } from './review-message.js';
import { FOLLOW_UP_FROM, sendAutofixFollowUp } from './send-follow-up.js';
import { JOB_AUTOFIX_REVIEW, pullKeyOf, type ReviewJob } from './triggers.js';

const MAX_WAITS = 4 * 60 * 6;

export async function handleAutofixReviewJob(deps: RunDeps, payload: ReviewJob): Promise<void> {
  const loaded = await deps.loadConfig(payload.installationId, payload.owner, payload.repo);
  if (loaded.kind !== 'ok' || !loaded.repoConfig.autofix.reviews || !deps.checks) return;
  if (payload.reviewer.login.toLowerCase() === deps.botLogin.toLowerCase()) return;
  if (parseCommand(payload.body, loaded.config.trigger).kind !== 'none') return; // the command path has it
  const run = await deps.store.findRunByPullRequest(`${payload.owner}/${payload.repo}`, payload.number);
  if (!run) return;
  if (run.options.autofix?.kind === 'review' && run.options.autofix.reviewUrl === payload.url) return; // sent
  const ref = { owner: payload.owner, repo: payload.repo };
  const gh = await deps.github(payload.installationId);
  const allowed =
    payload.reviewer.type === 'Bot'
      ? isAllowedBot(loaded.config.allowedBots, payload.reviewer.login)
      : meetsPermission(await gh.permissionOf(ref, payload.reviewer.login), loaded.config.minPermission);
  if (!allowed) return;
  if (!isFinalLocalRunStatus(run.status)) {
    if (payload.waits >= MAX_WAITS) return;
    const fresh = await enqueue(deps.store, JOB_AUTOFIX_REVIEW, {
      dedupeKey: `autofix-review:${payload.owner}/${payload.repo}:${payload.reviewId}:wait:${payload.waits + 1}`,
      payload: { ...payload, waits: payload.waits + 1 },
      runAt: deps.now() + ACTIVE_RUN_RECHECK_MS,
    });
    if (fresh) deps.wake();
    return;
  }
  if (!(FOLLOW_UP_FROM as readonly string[]).includes(run.status)) return;
  const maxAttempts = loaded.repoConfig.autofix.max_attempts;
  const pullKey = pullKeyOf(payload.owner, payload.repo, payload.number);
  const claim = await deps.store.claimAutofixAttempt({
    pullKey,
    sha: `review-${payload.reviewId}`,
    claimant: `review-${payload.reviewId}`,
    maxAttempts,
  });
  if (claim.kind === 'limit') {
    if (await deps.store.markOnce(`autofix-limit:${pullKey}`)) {
      await gh.createComment(
        ref,
        payload.number,
        `🔁 **Autofix stopped**: the agent already had ${maxAttempts} attempts on this pull request (\`autofix.max_attempts\`). Comment \`${loaded.config.trigger} <instruction>\` to send it another request.`,
      );
    }
    return;
  }
  if (claim.kind !== 'claimed') return;
  const checks = await deps.checks(payload.installationId);
  const comments = await checks.listReviewComments(ref, payload.number, payload.reviewId);
  const prompt = buildReviewMessage({
    reviewer: payload.reviewer.login,
    reviewUrl: payload.url,
    body: payload.body,
    comments,
    attempt: claim.attempt,
    maxAttempts,
    knownSecrets: deps.knownSecrets,
  });
  const sent = await sendAutofixFollowUp(
    deps,
    run,
    loaded.config,
    {
      number: payload.number,
      prompt,
      headline: `Address the changes ${payload.reviewer.login} requested`,
      origin: {
        kind: 'review',
        reviewer: payload.reviewer.login,
        reviewUrl: payload.url,
        attempt: claim.attempt,
        maxAttempts,
      },
      idempotencyKey: `autofix-review-${payload.reviewId}`,
    },
    limitsInForce(deps.limitCeilings, loaded.repoConfig.limits),
  );
  if (sent === 'busy') throw new Error(`autofix of ${pullKey}: the run is busy; trying again`);
}

/**
 * codecloud webhooks, once durably recorded: each is only a hint to read the run back (docs/how-it-works.md). Runs
 * the app started from a thread are refreshed; a completion of a run it did not start is relayed as
 * `repository_dispatch`.
 */
import { createHash } from 'node:crypto';
import type { CodecloudEvent } from '../codecloud/webhook-events.js';
import { eventDedupKey } from '../codecloud/webhook-events.js';
import { addLogFields, runLogFields } from '../log-context.js';
import { definedProps } from '../objects.js';
import { inertText } from '../render/markdown.js';
import { applyProgressEvent } from '../render/progress.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { progressOf } from './comment-bodies.js';
import { enqueue, type JobPayload } from './jobs.js';
import { refreshRun } from './refresh-run.js';
import { PROGRESS_EDIT_INTERVAL_MS, type RunDeps } from './run-deps.js';
import { relayScheduleEvent } from './schedule-events.js';
import { JOB_CODECLOUD_EVENT, JOB_RELAY_COMPLETION } from './trigger.js';

/**
 * The job's dedupe key: the event's meaning, not `X-Codecloud-Delivery` (new on every retry). A completion carries
 * its `completed_at`, so the completion of a later follow-up of the same run is a new event; progress events are
 * keyed by their content; schedule events by their meaning and their `created_at`.
 */
export function codecloudJobKey(event: CodecloudEvent): string {
  if (event.event === 'agent.progress') {
    return `codecloud:${event.run_id}:progress:${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 24)}`;
  }
  if (event.event === 'agent.completed' || event.event === 'agent.failed') {
    return `codecloud:${eventDedupKey(event)}:${event.completed_at ?? event.created_at}`;
  }
  // A schedule event's own time too: a forged body seen first must not hide the real event (the relay itself is
  // keyed by what the API says, so a repeat relays nothing).
  return `codecloud:${eventDedupKey(event)}:${event.created_at ?? ''}`;
}

/** Records a verified codecloud event as a job; resolves once it is stored (then the route may answer 2xx). */
export async function recordCodecloudEvent(
  deps: Pick<RunDeps, 'store' | 'wake'>,
  event: CodecloudEvent,
): Promise<void> {
  const fresh = await enqueue(deps.store, JOB_CODECLOUD_EVENT, {
    dedupeKey: codecloudJobKey(event),
    payload: event,
  });
  if (fresh) deps.wake();
}

/** The relay of one real completion (the job's dedupe key is what the API said, so it is sent once). */
export { JOB_RELAY_COMPLETION };

/** Completions the API says ended longer ago than this are not relayed (their relay records may be pruned). */
const RELAY_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export interface CodecloudEventJobOptions {
  /**
   * Whether event bodies were signed with a configured secret. Unsigned bodies may be forged by anyone: only the
   * run id is used (to read the run back); nothing from them (progress text, tool calls) is ever shown.
   */
  bodiesVerified: boolean;
}

export async function handleCodecloudEventJob(
  deps: RunDeps,
  event: CodecloudEvent,
  options: CodecloudEventJobOptions,
): Promise<void> {
  if (event.event === 'schedule.run.skipped' || event.event === 'schedule.deleted') {
    await relayScheduleEvent(deps, event);
    return;
  }
  if (event.event === 'schedule.run.executed') return; // the run's own events follow
  const run = await deps.store.getRunByRemoteId(event.run_id, 'codecloud');
  if (!run) {
    if (event.event !== 'agent.progress') await relay(deps, event.run_id);
    return;
  }
  addLogFields(runLogFields(run));
  if (isFinalLocalRunStatus(run.status)) return;
  if (event.event === 'agent.progress') {
    let current = run;
    if (options.bodiesVerified && run.options.progress !== false) {
      const progress = applyProgressEvent(
        progressOf(run.progress),
        definedProps({
          thinking: event.thinking === undefined ? undefined : inertText(event.thinking),
          tool_call: event.tool_call,
        }),
      );
      // Only while the run is still in the state it was read in: a run finished meanwhile keeps its final state.
      const moved = await deps.store.transitionRun(run.id, [run.status], { progress });
      if (!moved) return;
      current = moved;
    }
    // A running run's progress edit is throttled to one per 10 s: inside that window don't even read the run back
    // (the next event, the completion or the reconciler shows what was stored meanwhile). A run still shown as
    // queued is read back: the event may be the first news that it runs.
    const last = current.lastCommentEditAt;
    if (current.status === 'running' && last !== null && deps.now() - last < PROGRESS_EDIT_INTERVAL_MS)
      return;
    await refreshRun(deps, current, { throttled: true });
    return;
  }
  await refreshRun(deps, run);
}

/**
 * A completion of a run the app did not start from a thread (e.g. by the Action with the app's URL as
 * `webhook_url`): read it back and, when the API says it ended, record one relay job keyed by what the API said
 * (run id, status, completion time). A forged or repeated event can't cause a second `repository_dispatch`.
 */
async function relay(deps: RunDeps, remoteRunId: string): Promise<void> {
  const backend = deps.backends.codecloud;
  if (!backend) return;
  const view = await backend.get(remoteRunId);
  if (view.status !== 'completed' && view.status !== 'failed') return;
  const endedAt = view.completedAt ? Date.parse(view.completedAt) : Number.NaN;
  if (Number.isFinite(endedAt) && deps.now() - endedAt > RELAY_MAX_AGE_MS) return;
  const fresh = await enqueue(deps.store, JOB_RELAY_COMPLETION, {
    dedupeKey: `relay:${remoteRunId}:${view.status}:${view.completedAt ?? ''}`,
    payload: { remoteRunId },
  });
  if (fresh) deps.wake();
}

/** Sends the `repository_dispatch` of a recorded relay, from the run as the API says it is now. */
export async function handleRelayJob(
  deps: RunDeps,
  payload: JobPayload<typeof JOB_RELAY_COMPLETION>,
): Promise<void> {
  const { remoteRunId } = payload;
  const backend = deps.backends.codecloud;
  if (!backend) return;
  const view = await backend.get(remoteRunId);
  if (view.status !== 'completed' && view.status !== 'failed') return;
  const repoName = view.repo ?? view.prs[0]?.repo;
  if (!repoName) return;
  const [owner, repo] = repoName.split('/');
  if (!owner || !repo) return;
  const installationId = await deps.installationOf(owner, repo);
  if (installationId === null) {
    deps.log.info(`run ${remoteRunId} finished on ${repoName}, where the app is not installed: no relay`);
    return;
  }
  const gh = await deps.github(installationId);
  const pr = view.prs[0];
  await gh.dispatch(
    { owner, repo },
    view.status === 'completed' ? 'codecloud-run-completed' : 'codecloud-run-failed',
    {
      run_id: remoteRunId,
      status: view.status,
      pr_url: pr?.url ?? null,
      pr_number: pr?.number ?? null,
      branch: pr?.branch ?? null,
    },
  );
}

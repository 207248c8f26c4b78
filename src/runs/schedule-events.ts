/**
 * `schedule.run.skipped` and `schedule.deleted` of the schedules the app keeps (`schedule-sync.ts`), relayed as
 * `repository_dispatch` `codecloud-schedule-skipped` / `codecloud-schedule-deleted` to the schedule's repository,
 * once each. Like a run's completion, an event is only a hint: the app relays nothing for a schedule it does not
 * keep, and reads the schedule back from the API first. A skip is relayed when the API counts at least as many skips
 * as the event says (keyed by that count, so a repeat is the same relay); a deletion when the API no longer has the
 * schedule (404) or says it is deleted (keyed by the schedule, so once). The name is the config entry's, from the
 * app's record; nothing from an event's body is relayed as it came but the reason, if it is a plain word.
 */
import { CodecloudError } from '../codecloud/errors.js';
import type { ScheduleDeletedEvent, ScheduleRunSkippedEvent } from '../codecloud/webhook-events.js';
import { enqueue, type JobPayload } from './jobs.js';
import type { RunDeps } from './run-deps.js';
import { JOB_RELAY_SCHEDULE } from './trigger.js';

/** Records the relay of a real event of a kept schedule (one job per skip count or deletion). */
export async function relayScheduleEvent(
  deps: RunDeps,
  event: ScheduleRunSkippedEvent | ScheduleDeletedEvent,
): Promise<void> {
  const scheduleId = event.schedule_id;
  const kept = await deps.store.keptSchedule(scheduleId);
  if (!kept || !deps.schedules) return;
  if (event.event === 'schedule.run.skipped') {
    const schedule = await readSchedule(deps, scheduleId);
    const skips = event.total_skips;
    if (!schedule || !Number.isInteger(skips) || skips < 1 || skips > schedule.total_skips) {
      deps.log.info(`schedule ${scheduleId}: a skip the API does not count (${skips}), not relayed`);
      return;
    }
    await record(deps, `relay-schedule:${scheduleId}:skipped:${skips}`, {
      scheduleId,
      event: 'skipped',
      reason: /^[a-z][a-z0-9_]{0,39}$/.test(event.reason) ? event.reason : 'unknown',
      nextRunAt: schedule.next_run_at ?? null,
      totalSkips: skips,
    });
    return;
  }
  const schedule = await readSchedule(deps, scheduleId);
  if (schedule && schedule.status !== 'deleted') {
    deps.log.info(`schedule ${scheduleId}: the API still has it (${schedule.status}), deletion not relayed`);
    return;
  }
  await record(deps, `relay-schedule:${scheduleId}:deleted`, { scheduleId, event: 'deleted' });
}

/** The schedule as the API says it is now; null when it answers 404. */
async function readSchedule(deps: RunDeps, scheduleId: string) {
  try {
    return (await deps.schedules?.getSchedule(scheduleId)) ?? null;
  } catch (error) {
    if (error instanceof CodecloudError && error.status === 404) return null;
    throw error;
  }
}

async function record(deps: RunDeps, dedupeKey: string, payload: JobPayload<typeof JOB_RELAY_SCHEDULE>) {
  const fresh = await enqueue(deps.store, JOB_RELAY_SCHEDULE, { dedupeKey, payload });
  if (fresh) deps.wake();
}

/** Sends the `repository_dispatch` of a recorded schedule relay, to the kept schedule's repository. */
export async function handleScheduleRelayJob(
  deps: RunDeps,
  payload: JobPayload<typeof JOB_RELAY_SCHEDULE>,
): Promise<void> {
  const kept = await deps.store.keptSchedule(payload.scheduleId);
  if (!kept) return;
  const [owner, repo] = kept.repo.split('/');
  if (!owner || !repo) return;
  const installationId = (await deps.installationOf(owner, repo)) ?? null;
  if (installationId === null) {
    deps.log.info(`schedule ${payload.scheduleId} of ${kept.repo}, where the app is not installed: no relay`);
    return;
  }
  const gh = await deps.github(installationId);
  if (payload.event === 'skipped') {
    await gh.dispatch({ owner, repo }, 'codecloud-schedule-skipped', {
      schedule_id: payload.scheduleId,
      name: kept.name,
      reason: payload.reason,
      next_run_at: payload.nextRunAt,
      total_skips: payload.totalSkips,
    });
    return;
  }
  await gh.dispatch({ owner, repo }, 'codecloud-schedule-deleted', {
    schedule_id: payload.scheduleId,
    name: kept.name,
  });
}

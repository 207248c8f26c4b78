/**
 * A push to a repository, worked off the webhook's path: `.github/codecloud.yml` is read again (the push may have
 * just changed it) and its `schedules:` are synced with codecloud. Without a codecloud client there is nothing to do;
 * with a broken file the schedules stay as they are.
 */
import type { Store } from '../store/store.js';
import type { ConfigLoader } from './config-loader.js';
import type { Logger } from './run-deps.js';
import { type ScheduleApi, type ScheduleRecords, syncSchedules } from './schedule-sync.js';
import type { PushTrigger } from './trigger.js';

export interface PushJobDeps {
  /** codecloud's schedules API; absent when the app has no codecloud API key. */
  schedules: ScheduleApi | undefined;
  loadConfig: ConfigLoader;
  /** Where codecloud sends the events of the schedules and of the runs they start (`PUBLIC_URL` set). */
  webhookUrl: string | undefined;
  /** Where the schedules the app keeps are recorded (for relaying their events); absent: not recorded. */
  store?: Pick<Store, 'keepSchedule' | 'forgetSchedule'> | undefined;
  now(): number;
  log: Pick<Logger, 'info' | 'warn'>;
}

export async function handlePushJob(deps: PushJobDeps, push: PushTrigger): Promise<void> {
  if (!deps.schedules) return;
  const repo = `${push.owner}/${push.repo}`;
  const loaded = await deps.loadConfig(push.installationId, push.owner, push.repo, { fresh: true });
  if (loaded.kind === 'invalid') {
    deps.log.warn(`${repo}: schedules not synced, .github/codecloud.yml: ${loaded.error}`);
    return;
  }
  const result = await syncSchedules(deps.schedules, repo, loaded.repoConfig, {
    webhookUrl: deps.webhookUrl,
    now: deps.now(),
    records: deps.store && scheduleRecords(deps.store, push.installationId, repo),
  });
  deps.log.info(`${repo}: schedules synced ${JSON.stringify(result)}`);
}

function scheduleRecords(
  store: Pick<Store, 'keepSchedule' | 'forgetSchedule'>,
  installationId: number,
  repo: string,
): ScheduleRecords {
  return {
    keep: (remoteScheduleId, name) => store.keepSchedule({ remoteScheduleId, installationId, repo, name }),
    forget: (remoteScheduleId) => store.forgetSchedule(remoteScheduleId),
  };
}

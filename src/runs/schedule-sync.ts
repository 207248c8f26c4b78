/**
 * `schedules:` in `.github/codecloud.yml`, kept in sync with codecloud on a push to the default branch.
 * codecloud schedules have no name, so the app tags the prompt of each schedule it creates with the entry's name
 * (`[codecloud schedule: nightly-tests]` on a last line); only tagged schedules of the repository are touched.
 * An entry whose cron, run time, prompt or settings changed is replaced (deleted and created again).
 */
import type { CodecloudClient } from '../codecloud/client.js';
import type { CreateScheduleInput, ScheduleSummary } from '../codecloud/schemas.js';
import { type RepoConfig, scheduleRunSettings } from '../config/repo-config.js';
import { definedProps } from '../objects.js';

export type ScheduleApi = Pick<CodecloudClient, 'listSchedules' | 'createSchedule' | 'deleteSchedule'>;

/**
 * The app's record of the schedules it keeps, so that their events can be relayed with the entry's name even once
 * codecloud no longer answers for them (see `schedule-events.ts`).
 */
export interface ScheduleRecords {
  keep(remoteScheduleId: string, name: string): Promise<void>;
  forget(remoteScheduleId: string): Promise<void>;
}

const TAG = /\n\n\[codecloud schedule: ([^\]\n]+)\]$/;
export const scheduleTag = (name: string): string => `\n\n[codecloud schedule: ${name}]`;

export interface ScheduleSyncResult {
  created: string[];
  deleted: string[];
  kept: string[];
  /** One-off entries whose `run_at` has passed: not created. */
  skipped: string[];
}

/** What should exist for `config` on `repo` (`owner/name`). */
function desiredSchedules(
  repo: string,
  config: RepoConfig,
  webhookUrl: string | undefined,
  now: number,
): { name: string; request: CreateScheduleInput; past: boolean }[] {
  return config.schedules.map((entry) => {
    const settings = scheduleRunSettings(config, entry);
    const request: CreateScheduleInput = definedProps({
      type: entry.cron ? 'recurring' : 'once',
      cron: entry.cron || undefined,
      run_at: entry.run_at || undefined,
      prompt: `${entry.prompt}${config.instructions ? `\n\n${config.instructions}` : ''}${scheduleTag(entry.name)}`,
      repo,
      mode: settings.mode,
      auto_create_pr: settings.autoCreatePr,
      branch: settings.branch || undefined,
      model: settings.model || undefined,
      provider: settings.provider || undefined,
      webhook_url: webhookUrl || undefined,
    });
    const past = !entry.cron && entry.run_at !== undefined && Date.parse(entry.run_at) <= now;
    return { name: entry.name, request, past };
  });
}

function sameSchedule(existing: ScheduleSummary, wanted: CreateScheduleInput): boolean {
  return (
    existing.prompt === wanted.prompt &&
    existing.type === wanted.type &&
    (existing.cron ?? undefined) === (wanted.cron ?? undefined)
  );
}

export async function syncSchedules(
  api: ScheduleApi,
  repo: string,
  config: RepoConfig,
  options: { webhookUrl: string | undefined; now: number; records?: ScheduleRecords | undefined },
): Promise<ScheduleSyncResult> {
  const { schedules } = await api.listSchedules({ status: 'active', limit: 100 });
  const ours = schedules.filter((s) => s.repo?.toLowerCase() === repo.toLowerCase() && TAG.test(s.prompt));
  const result: ScheduleSyncResult = { created: [], deleted: [], kept: [], skipped: [] };
  const matched = new Set<string>();
  for (const wanted of desiredSchedules(repo, config, options.webhookUrl, options.now)) {
    const existing = ours.find((s) => !matched.has(s.id) && sameSchedule(s, wanted.request));
    if (existing) {
      matched.add(existing.id);
      // Recorded again: a crash between a create and its record leaves no schedule unknown for long.
      await options.records?.keep(existing.id, wanted.name);
      result.kept.push(wanted.name);
      continue;
    }
    if (wanted.past) {
      result.skipped.push(wanted.name);
      continue;
    }
    const created = await api.createSchedule(wanted.request);
    await options.records?.keep(created.id, wanted.name);
    result.created.push(wanted.name);
  }
  for (const stale of ours.filter((s) => !matched.has(s.id))) {
    // Forgotten first: an event about a schedule the app deleted itself is news to nobody.
    await options.records?.forget(stale.id);
    await api.deleteSchedule(stale.id);
    result.deleted.push(TAG.exec(stale.prompt)?.[1] ?? stale.id);
  }
  return result;
}

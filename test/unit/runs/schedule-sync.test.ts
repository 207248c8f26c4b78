import { describe, expect, it } from 'vitest';
import type { CreateScheduleInput, ScheduleSummary } from '../../../src/codecloud/schemas.js';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { type ScheduleApi, scheduleTag, syncSchedules } from '../../../src/runs/schedule-sync.js';

function fakeApi(initial: ScheduleSummary[]) {
  const schedules = [...initial];
  const created: CreateScheduleInput[] = [];
  const deleted: string[] = [];
  const api: ScheduleApi = {
    listSchedules: async () => ({ schedules: schedules.filter((s) => s.status === 'active') }),
    createSchedule: async (input) => {
      created.push(input);
      const id = `s${schedules.length + 1}`;
      schedules.push({
        id,
        type: input.type,
        status: 'active',
        prompt: input.prompt,
        ...(input.repo ? { repo: input.repo } : {}),
        ...(input.cron ? { cron: input.cron } : {}),
        total_runs: 0,
        total_skips: 0,
        created_at: '2026-01-01T00:00:00Z',
      });
      return { id, type: input.type, status: 'active', next_run_at: '', message: 'ok', recovered: false };
    },
    deleteSchedule: async (id) => {
      deleted.push(id);
      const found = schedules.find((s) => s.id === id);
      if (found) found.status = 'deleted';
      return { id, status: 'deleted', message: 'ok' };
    },
  };
  return { api, created, deleted };
}

const config = (yaml: object) => {
  const parsed = parseRepoConfig(yaml);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
};

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('syncSchedules', () => {
  it('creates missing entries, keeps identical ones, replaces changed ones and deletes removed ones', async () => {
    const foreign: ScheduleSummary = {
      id: 'x1',
      type: 'recurring',
      status: 'active',
      prompt: 'made by hand',
      repo: 'acme/app',
      cron: '0 1 * * *',
      total_runs: 0,
      total_skips: 0,
      created_at: '2026-01-01T00:00:00Z',
    };
    const { api, created, deleted } = fakeApi([foreign]);
    const first = config({ schedules: [{ name: 'nightly', cron: '0 3 * * *', prompt: 'Run the tests' }] });
    expect(
      await syncSchedules(api, 'acme/app', first, { webhookUrl: 'https://app/codecloud/webhook', now: NOW }),
    ).toEqual({
      created: ['nightly'],
      deleted: [],
      kept: [],
      skipped: [],
    });
    expect(created[0]).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * *',
      repo: 'acme/app',
      webhook_url: 'https://app/codecloud/webhook',
      prompt: `Run the tests${scheduleTag('nightly')}`,
    });
    expect((await syncSchedules(api, 'acme/app', first, { webhookUrl: undefined, now: NOW })).kept).toEqual([
      'nightly',
    ]);

    const changed = config({ schedules: [{ name: 'nightly', cron: '0 4 * * *', prompt: 'Run the tests' }] });
    const replaced = await syncSchedules(api, 'acme/app', changed, { webhookUrl: undefined, now: NOW });
    expect(replaced).toMatchObject({ created: ['nightly'], deleted: ['nightly'] });

    const none = await syncSchedules(api, 'acme/app', config({}), { webhookUrl: undefined, now: NOW });
    expect(none.deleted).toEqual(['nightly']);
    expect(deleted).not.toContain('x1'); // a schedule the app did not create is never touched
  });

  it('does not create a one-off schedule whose time has passed', async () => {
    const { api, created } = fakeApi([]);
    const past = config({
      schedules: [{ name: 'once', run_at: '2026-01-01T00:00:00Z', prompt: 'Do it once' }],
    });
    expect((await syncSchedules(api, 'acme/app', past, { webhookUrl: undefined, now: NOW })).skipped).toEqual(
      ['once'],
    );
    expect(created).toHaveLength(0);
  });
});

describe('syncSchedules records', () => {
  it('records each schedule it creates or keeps with its name, and forgets one before deleting it', async () => {
    const { api, deleted } = fakeApi([]);
    const log: string[] = [];
    const records = {
      keep: async (id: string, name: string) => {
        log.push(`keep ${id} ${name}`);
      },
      forget: async (id: string) => {
        log.push(`forget ${id} (deleted before: ${deleted.includes(id)})`);
      },
    };
    const two = config({
      schedules: [
        { name: 'nightly', cron: '0 3 * * *', prompt: 'a' },
        { name: 'weekly', cron: '0 3 * * 1', prompt: 'b' },
      ],
    });
    await syncSchedules(api, 'acme/app', two, { webhookUrl: undefined, now: NOW, records });
    expect(log).toEqual(['keep s1 nightly', 'keep s2 weekly']);
    log.length = 0;
    const one = config({ schedules: [{ name: 'nightly', cron: '0 3 * * *', prompt: 'a' }] });
    await syncSchedules(api, 'acme/app', one, { webhookUrl: undefined, now: NOW, records });
    expect(log).toEqual(['keep s1 nightly', 'forget s2 (deleted before: false)']);
    expect(deleted).toEqual(['s2']);
  });
});

// A push re-reads `.github/codecloud.yml` and syncs its schedules; without a codecloud client or with a broken file
// nothing is synced.
import { describe, expect, it } from 'vitest';
import type { CreateScheduleInput } from '../../../src/codecloud/schemas.js';
import type { ConfigLoader } from '../../../src/runs/config-loader.js';
import { handlePushJob, type PushJobDeps } from '../../../src/runs/push-job.js';
import { loadRunConfig } from '../../../src/runs/run-config.js';
import type { ScheduleApi } from '../../../src/runs/schedule-sync.js';
import type { PushTrigger } from '../../../src/runs/trigger.js';

const push: PushTrigger = {
  deliveryId: 'd-1',
  installationId: 7,
  owner: 'acme',
  repo: 'app',
  ref: 'refs/heads/main',
  defaultBranch: 'main',
};

function world(raw: unknown) {
  const created: CreateScheduleInput[] = [];
  const logs: string[] = [];
  const reads: Array<{ fresh?: boolean } | undefined> = [];
  const schedules: ScheduleApi = {
    listSchedules: async () => ({ schedules: [] }),
    createSchedule: async (input) => {
      created.push(input);
      return {
        id: 's1',
        type: input.type,
        status: 'active',
        next_run_at: '',
        message: 'ok',
        recovered: false,
      };
    },
    deleteSchedule: async (id) => ({ id, status: 'deleted', message: 'ok' }),
  };
  const loadConfig: ConfigLoader = async (_installation, _owner, _repo, options) => {
    reads.push(options);
    return loadRunConfig(raw);
  };
  const deps: PushJobDeps = {
    schedules,
    loadConfig,
    webhookUrl: 'https://app.example/codecloud/webhook',
    now: () => Date.parse('2026-06-01T00:00:00Z'),
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
  };
  return { deps, created, logs, reads };
}

const nightly = { schedules: [{ name: 'nightly', cron: '0 3 * * *', prompt: 'run the tests' }] };

describe('handlePushJob', () => {
  it("reads the config again, not the cached copy, and syncs the repository's schedules", async () => {
    const { deps, created, logs, reads } = world(nightly);
    await handlePushJob(deps, push);
    expect(reads).toEqual([{ fresh: true }]);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ repo: 'acme/app', cron: '0 3 * * *' });
    expect(logs).toEqual([
      'info acme/app: schedules synced {"created":["nightly"],"deleted":[],"kept":[],"skipped":[]}',
    ]);
  });

  it('leaves the schedules alone when the file is broken, with a warning', async () => {
    const { deps, created, logs } = world({ schedules: 'nightly' });
    await handlePushJob(deps, push);
    expect(created).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^warn acme\/app: schedules not synced, \.github\/codecloud\.yml: schedules: /);
  });

  it('does nothing, not even a read, without a codecloud client', async () => {
    const { deps, reads, logs } = world(nightly);
    await handlePushJob({ ...deps, schedules: undefined }, push);
    expect(reads).toEqual([]);
    expect(logs).toEqual([]);
  });
});

// The real CodecloudClient against the simulator: schedules (cron, once, skips, deletion, last_run_id) on the
// simulated clock, and the public providers/models endpoints.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelsResponse, ProvidersResponse, ScheduleDetail } from '../../src/codecloud/schemas.js';
import { CodecloudEvent } from '../../src/codecloud/webhook-events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../sim/webhook-receiver.js';
import { caught, type Harness, startHarness } from './harness.js';

const START = '2026-03-02T08:50:00.000Z';
let h: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
});
// A fresh simulator per test: every test starts at START on a frozen clock.
beforeEach(async () => {
  h = await startHarness({
    startTime: START,
    apiKeys: [
      { key: 'test-key', plan: 'pro' },
      { key: 'starter-key', plan: 'starter' },
    ],
  });
});
afterEach(async () => {
  await h.sim.close();
  receiver.received.length = 0;
});

const events = (name: string) =>
  receiver.received
    .map((hook) => CodecloudEvent.parse(JSON.parse(hook.body)))
    .filter((event) => event.event === name);

describe('schedules', () => {
  it('a recurring schedule fires on its cron, creating runs with schedule_id, and counts them', async () => {
    const created = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 */6 * * *',
      prompt: 'Run the test suite and fix any failures',
      repo: 'octo/app',
      webhook_url: receiver.url,
    });
    expect(created).toMatchObject({ type: 'recurring', status: 'active', recovered: false });
    const now = Date.parse(await h.sim.control.now());
    expect(created.next_run_at).toBe('2026-03-02T12:00:00.000Z');
    expect(Date.parse(created.next_run_at)).toBeGreaterThan(now);

    const before = await h.client.getSchedule(created.id);
    expect(before).toMatchObject({ total_runs: 0, total_skips: 0, next_run_at: '2026-03-02T12:00:00.000Z' });
    expect(before.last_run_id).toBeUndefined();

    await h.sim.control.advance(3 * 3_600_000 + 10 * 60_000 + 1_000); // 12:00:01
    const after = await h.client.getSchedule(created.id);
    expect(after).toMatchObject({
      status: 'active',
      total_runs: 1,
      total_skips: 0,
      last_run_at: '2026-03-02T12:00:00.000Z',
      next_run_at: '2026-03-02T18:00:00.000Z',
    });
    expect(() => ScheduleDetail.strict().parse(after)).not.toThrow();
    const run = await h.client.getRun(after.last_run_id ?? '');
    expect(run).toMatchObject({ schedule_id: created.id, prompt: 'Run the test suite and fix any failures' });

    await receiver.waitFor(() => events('schedule.run.executed').length === 1);
    expect(events('schedule.run.executed')[0]).toMatchObject({
      schedule_id: created.id,
      run_id: after.last_run_id,
      next_run_at: '2026-03-02T18:00:00.000Z',
    });

    await h.sim.control.advance(12 * 3_600_000);
    expect((await h.client.getSchedule(created.id)).total_runs).toBe(3);
  });

  it('a once schedule runs at run_at and is then completed', async () => {
    const created = await h.client.createSchedule({
      type: 'once',
      run_at: '2026-03-02T09:30:00Z',
      prompt: 'Deploy the new feature branch',
      repo: 'octo/app',
    });
    expect(created.next_run_at).toBe('2026-03-02T09:30:00.000Z');
    await h.sim.control.advance(3_600_000);
    const detail = await h.client.getSchedule(created.id);
    expect(detail).toMatchObject({ status: 'completed', total_runs: 1 });
    expect(detail.next_run_at).toBeUndefined();
    expect(await h.sim.control.runs()).toHaveLength(1);
  });

  it('a recurring schedule may take run_at as its first run time', async () => {
    const created = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 0 * * *',
      run_at: '2026-03-02T09:00:00Z',
      prompt: 'nightly',
      repo: 'octo/app',
    });
    expect(created.next_run_at).toBe('2026-03-02T09:00:00.000Z');
    await h.sim.control.advance(11 * 60_000);
    expect((await h.client.getSchedule(created.id)).next_run_at).toBe('2026-03-03T00:00:00.000Z');
  });

  it('skips (not queues) a firing when the concurrent limit is reached, with schedule.run.skipped', async () => {
    const starter = h.clientFor({ apiKey: 'starter-key' });
    await h.sim.control.queueScripts({ runningMs: 10 * 3_600_000 });
    await starter.createRun({ repo: 'octo/app', prompt: 'a long run' });
    const created = await starter.createSchedule({
      type: 'recurring',
      cron: '*/15 * * * *',
      prompt: 'every quarter hour',
      repo: 'octo/app',
      webhook_url: receiver.url,
    });
    await h.sim.control.advance(31 * 60_000); // fires at 09:00 and 09:15
    const detail = await starter.getSchedule(created.id);
    expect(detail).toMatchObject({ total_runs: 0, total_skips: 2, next_run_at: '2026-03-02T09:30:00.000Z' });
    await receiver.waitFor(() => events('schedule.run.skipped').length === 2);
    expect(events('schedule.run.skipped')[1]).toMatchObject({
      schedule_id: created.id,
      reason: 'concurrent_limit',
      total_skips: 2,
      next_run_at: '2026-03-02T09:30:00.000Z',
    });
    expect(await h.sim.control.runs()).toHaveLength(1);
  });

  it('lists schedules and filters them by status', async () => {
    const a = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 9 * * MON-FRI',
      prompt: 'a',
      repo: 'o/r',
    });
    const b = await h.client.createSchedule({
      type: 'once',
      run_at: '2026-03-02T09:00:00Z',
      prompt: 'b',
      repo: 'o/r',
    });
    await h.sim.control.advance(15 * 60_000);
    const all = await h.client.listSchedules();
    expect(new Set(all.schedules.map((s) => s.id))).toEqual(new Set([a.id, b.id]));
    expect((await h.client.listSchedules({ status: 'completed' })).schedules.map((s) => s.id)).toEqual([
      b.id,
    ]);
    expect((await h.client.listSchedules({ status: 'active' })).schedules).toMatchObject([
      { id: a.id, cron: '0 9 * * MON-FRI', next_run_at: '2026-03-03T09:00:00.000Z', total_runs: 1 },
    ]);
  });

  it('delete stops future runs; in-progress runs are not affected; deleting again is 404', async () => {
    await h.sim.control.setDefaultScript({ queuedMs: 1_000, runningMs: 3_600_000 });
    const created = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 * * * *',
      prompt: 'p',
      repo: 'o/r',
    });
    await h.sim.control.advance(11 * 60_000); // 09:01: one run, running
    const [run] = await h.sim.control.runs();
    expect(run?.status).toBe('running');
    expect(await h.client.deleteSchedule(created.id)).toEqual({
      id: created.id,
      status: 'deleted',
      message: 'Schedule deleted',
    });
    await h.sim.control.advance(5 * 3_600_000);
    expect(await h.sim.control.runs()).toMatchObject([{ status: 'completed', schedule_id: created.id }]);
    expect(await h.client.getSchedule(created.id)).toMatchObject({ status: 'deleted', total_runs: 1 });
    expect(await caught(() => h.client.deleteSchedule(created.id))).toMatchObject({ status: 404 });
    await h.sim.control.setDefaultScript({});
  });

  it('a delete whose answer was lost counts as deleted when the retry gets 404', async () => {
    const created = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 * * * *',
      prompt: 'p',
      repo: 'o/r',
    });
    await h.sim.control.addFault({
      route: 'DELETE /api/v1/schedules/{id}',
      status: 502,
      phase: 'after',
      times: 1,
    });
    await expect(h.client.deleteSchedule(created.id)).resolves.toMatchObject({ status: 'deleted' });
    expect((await h.sim.control.schedules())[0]?.status).toBe('deleted');
  });

  it('a schedule create whose answer was lost is found by look-up', async () => {
    await h.sim.control.addFault({ route: 'POST /api/v1/schedules', status: 500, phase: 'after', times: 1 });
    // The look-up matches creation times against the client's clock: give it the simulator's (START).
    const client = h.clientFor({ now: () => Date.parse(START) });
    const created = await client.createSchedule({
      type: 'recurring',
      cron: '0 * * * *',
      prompt: 'p',
      repo: 'o/r',
    });
    expect(created.recovered).toBe(true);
    expect(await h.sim.control.schedules()).toHaveLength(1);
  });

  it('a downgrade to the free plan deletes active schedules with schedule.deleted', async () => {
    const starter = h.clientFor({ apiKey: 'starter-key' });
    const created = await starter.createSchedule({
      type: 'recurring',
      cron: '0 * * * *',
      prompt: 'p',
      repo: 'o/r',
      webhook_url: receiver.url,
    });
    await h.sim.control.setPlan('starter-key', 'free');
    expect(await starter.getSchedule(created.id)).toMatchObject({ status: 'deleted' });
    await receiver.waitFor(() => events('schedule.deleted').length === 1);
    expect(events('schedule.deleted')[0]).toMatchObject({ schedule_id: created.id });
    await h.sim.control.advance(3 * 3_600_000);
    expect(await h.sim.control.runs()).toEqual([]);
  });

  it.each([
    [{ type: 'recurring', cron: '*/5 * * * *' }, 'cron: minimum interval between runs is 15 minutes'],
    [{ type: 'recurring', cron: '0,10 * * * *' }, 'cron: minimum interval between runs is 15 minutes'],
    [
      { type: 'recurring', cron: '0 0 */6 * * *' },
      'cron: cron must be a valid 5-field expression (minute hour day-of-month month day-of-week)',
    ],
    [
      { type: 'recurring', cron: 'every hour' },
      'cron: cron must be a valid 5-field expression (minute hour day-of-month month day-of-week)',
    ],
    [{ type: 'recurring' }, 'cron: cron is required for recurring schedules'],
    [{ type: 'once' }, 'run_at: run_at is required for once schedules'],
    [{ type: 'once', run_at: '2020-01-01T00:00:00Z' }, 'run_at: run_at must be in the future'],
    [{ type: 'once', run_at: 'tomorrow' }, 'run_at: run_at must be an ISO 8601 timestamp'],
  ] as const)('refuses %j with 400 "%s"', async (fields, message) => {
    const error = await caught(() => h.client.createSchedule({ ...fields, prompt: 'p', repo: 'o/r' }));
    expect(error).toMatchObject({ status: 400, error: 'Validation Error', apiMessage: message });
    expect(await h.sim.control.schedules()).toEqual([]);
  });

  it('*/15 is the fastest cron allowed', async () => {
    await expect(
      h.client.createSchedule({ type: 'recurring', cron: '*/15 * * * *', prompt: 'p', repo: 'o/r' }),
    ).resolves.toMatchObject({ next_run_at: '2026-03-02T09:00:00.000Z' });
  });

  it('404 for an unknown schedule; schedules of another key are invisible', async () => {
    expect(await caught(() => h.client.getSchedule('nope'))).toMatchObject({
      status: 404,
      apiMessage: 'Schedule not found',
    });
    const created = await h.client.createSchedule({
      type: 'recurring',
      cron: '0 * * * *',
      prompt: 'p',
      repo: 'o/r',
    });
    const other = h.clientFor({ apiKey: 'starter-key' });
    expect(await caught(() => other.getSchedule(created.id))).toMatchObject({ status: 404 });
    expect((await other.listSchedules()).schedules).toEqual([]);
  });
});

describe('providers and models (public)', () => {
  it('lists providers without authentication', async () => {
    const raw = await fetch(`${h.sim.url}/api/v1/providers`);
    expect(raw.status).toBe(200);
    const providers = await h.client.listProviders();
    expect(() => ProvidersResponse.parse(providers)).not.toThrow();
    expect(providers.providers.map((p) => p.id)).toEqual(['anthropic', 'openai', 'google']);
    expect(providers.providers[0]?.credentials[0]).toMatchObject({
      key: 'ANTHROPIC_API_KEY',
      required: true,
    });
  });

  it('lists models grouped by provider, filtered by ?provider=', async () => {
    const all = await h.client.listModels();
    expect(() => ModelsResponse.strict().parse(all)).not.toThrow();
    expect(Object.keys(all.models)).toEqual(['anthropic', 'openai', 'google']);
    const anthropic = await h.client.listModels('anthropic');
    expect(Object.keys(anthropic.models)).toEqual(['anthropic']);
    expect(anthropic.models.anthropic?.map((m) => m.id)).toContain('claude-sonnet-4-5');
    expect((await h.client.listModels('nobody')).models).toEqual({});
  });
});

// Schedules on the simulated clock: 5-field cron (croner, UTC) with a 15-minute minimum interval, `once` at
// `run_at`, skip-when-limited with `schedule.run.skipped`, `schedule.run.executed`, and deletion.
import { Cron } from 'croner';
import type { CreateScheduleRequest } from '../../src/codecloud/schemas.js';
import { createRun } from './run-engine.js';
import { newId, type SimState } from './sim-state.js';
import type { SimSchedule } from './types.js';

export const MIN_INTERVAL_MS = 15 * 60 * 1000;
const INTERVAL_SAMPLES = 100;

export type ScheduleCheck = { ok: true } | { ok: false; message: string };

function parseCron(expr: string): Cron | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  try {
    return new Cron(expr.trim(), { paused: true, mode: '5-part', utcOffset: 0 });
  } catch {
    return undefined;
  }
}

/** The request checks the API makes beyond the schema, with messages in the `<field>: <problem>` style. */
export function checkScheduleRequest(request: CreateScheduleRequest, nowMs: number): ScheduleCheck {
  let runAt: number | undefined;
  if (request.run_at !== undefined) {
    runAt = Date.parse(request.run_at);
    if (Number.isNaN(runAt)) return { ok: false, message: 'run_at: run_at must be an ISO 8601 timestamp' };
    if (runAt <= nowMs) return { ok: false, message: 'run_at: run_at must be in the future' };
  }
  if (request.type === 'once') {
    if (runAt === undefined) return { ok: false, message: 'run_at: run_at is required for once schedules' };
    return { ok: true };
  }
  if (request.cron === undefined)
    return { ok: false, message: 'cron: cron is required for recurring schedules' };
  const cron = parseCron(request.cron);
  if (!cron) {
    return {
      ok: false,
      message: 'cron: cron must be a valid 5-field expression (minute hour day-of-month month day-of-week)',
    };
  }
  const runs = cron.nextRuns(INTERVAL_SAMPLES, new Date(nowMs));
  if (runs.length === 0) return { ok: false, message: 'cron: cron expression never runs' };
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.getTime() - runs[i - 1]!.getTime() < MIN_INTERVAL_MS) {
      return { ok: false, message: 'cron: minimum interval between runs is 15 minutes' };
    }
  }
  return { ok: true };
}

function nextCronRun(expr: string, afterMs: number): number | undefined {
  return parseCron(expr)?.nextRun(new Date(afterMs))?.getTime();
}

export function createSchedule(
  state: SimState,
  apiKey: string,
  request: CreateScheduleRequest,
  raw: unknown,
): SimSchedule {
  const now = state.clock.now();
  const first =
    request.run_at !== undefined ? Date.parse(request.run_at) : nextCronRun(request.cron ?? '', now);
  const schedule: SimSchedule = {
    id: newId(),
    api_key: apiKey,
    type: request.type,
    status: 'active',
    prompt: request.prompt,
    ...(request.repo !== undefined ? { repo: request.repo } : {}),
    ...(request.branch !== undefined ? { branch: request.branch } : {}),
    ...(request.type === 'recurring' && request.cron !== undefined ? { cron: request.cron } : {}),
    ...(request.run_at !== undefined ? { run_at: new Date(Date.parse(request.run_at)).toISOString() } : {}),
    mode: request.mode,
    auto_create_pr: request.auto_create_pr,
    ...(request.webhook_url !== undefined ? { webhook_url: request.webhook_url } : {}),
    ...(first !== undefined ? { next_run_at: new Date(first).toISOString() } : {}),
    total_runs: 0,
    total_skips: 0,
    created_at: new Date(now).toISOString(),
    request: raw,
  };
  state.schedules.set(schedule.id, schedule);
  arm(state, schedule, request);
  return schedule;
}

function arm(state: SimState, schedule: SimSchedule, request: CreateScheduleRequest): void {
  state.scheduleCancels.get(schedule.id)?.();
  state.scheduleCancels.delete(schedule.id);
  if (schedule.status !== 'active' || schedule.next_run_at === undefined) return;
  const due = Date.parse(schedule.next_run_at);
  state.scheduleCancels.set(
    schedule.id,
    state.clock.at(due, () => fire(state, schedule, request, due)),
  );
}

async function fire(
  state: SimState,
  schedule: SimSchedule,
  request: CreateScheduleRequest,
  dueMs: number,
): Promise<void> {
  state.scheduleCancels.delete(schedule.id);
  if (schedule.status !== 'active' || state.schedules.get(schedule.id) !== schedule) return;
  const next =
    schedule.type === 'recurring' && schedule.cron !== undefined
      ? nextCronRun(schedule.cron, dueMs)
      : undefined;
  const nowIso = state.clock.iso();
  const skipped = state.atLimit(schedule.api_key);
  let runId: string | undefined;
  if (skipped) {
    schedule.total_skips++;
  } else {
    const run = createRun(
      state,
      schedule.api_key,
      {
        prompt: request.prompt,
        ...(request.repo !== undefined ? { repo: request.repo } : {}),
        ...(request.branch !== undefined ? { branch: request.branch } : {}),
        ...(request.model !== undefined ? { model: request.model } : {}),
        ...(request.provider !== undefined ? { provider: request.provider } : {}),
        ...(request.webhook_url !== undefined ? { webhook_url: request.webhook_url } : {}),
        ...(request.tools !== undefined ? { tools: request.tools } : {}),
        mode: request.mode,
        auto_create_pr: request.auto_create_pr,
        blank_workspace: false,
      },
      { schedule_id: schedule.id },
      schedule.id,
    );
    runId = run.id;
    schedule.total_runs++;
    schedule.last_run_at = nowIso;
    schedule.last_run_id = run.id;
  }
  if (next === undefined) {
    delete schedule.next_run_at;
    if (schedule.type === 'once') schedule.status = 'completed';
  } else {
    schedule.next_run_at = new Date(next).toISOString();
  }
  arm(state, schedule, request);
  if (schedule.webhook_url === undefined) return;
  if (skipped) {
    await state.webhooks.send(
      schedule.webhook_url,
      'schedule.run.skipped',
      {
        event: 'schedule.run.skipped',
        schedule_id: schedule.id,
        reason: 'concurrent_limit',
        ...(schedule.next_run_at !== undefined ? { next_run_at: schedule.next_run_at } : {}),
        total_skips: schedule.total_skips,
        created_at: nowIso,
      },
      true,
    );
  } else {
    await state.webhooks.send(
      schedule.webhook_url,
      'schedule.run.executed',
      {
        event: 'schedule.run.executed',
        schedule_id: schedule.id,
        run_id: runId,
        ...(schedule.next_run_at !== undefined ? { next_run_at: schedule.next_run_at } : {}),
        created_at: nowIso,
      },
      true,
    );
  }
}

/** `DELETE /api/v1/schedules/{id}`: stops future runs; runs in progress go on. */
export function deleteSchedule(state: SimState, schedule: SimSchedule): void {
  state.scheduleCancels.get(schedule.id)?.();
  state.scheduleCancels.delete(schedule.id);
  schedule.status = 'deleted';
  delete schedule.next_run_at;
}

/** A downgrade to the free plan deletes the key's active schedules, each with a `schedule.deleted` webhook. */
export function deleteSchedulesForDowngrade(state: SimState, apiKey: string): void {
  for (const schedule of state.schedules.values()) {
    if (schedule.api_key !== apiKey || schedule.status !== 'active') continue;
    deleteSchedule(state, schedule);
    if (schedule.webhook_url !== undefined) {
      void state.webhooks.send(
        schedule.webhook_url,
        'schedule.deleted',
        {
          event: 'schedule.deleted',
          schedule_id: schedule.id,
          reason: 'plan_downgrade',
          created_at: state.clock.iso(),
        },
        true,
      );
    }
  }
}

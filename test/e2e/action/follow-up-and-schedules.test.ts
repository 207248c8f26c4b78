import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { annotations, runStep } from './action-runner.js';

let sim: Simulator;
const base = () => ({ 'api-key': 'test-key', 'api-url': sim.url });

beforeAll(async () => {
  sim = await startSimulator({ timeFactor: 200 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe('follow-up', () => {
  it('sends one message per step, even when the workflow re-runs the step', async () => {
    const first = await runStep({ inputs: { ...base(), prompt: 'Add the endpoint' } });
    const runId = first.outputs['run-id'] ?? '';
    expect(first.outputs.status).toBe('completed');

    const step = { inputs: { ...base(), command: 'follow-up', 'run-id': runId, prompt: 'Now add tests' } };
    const followUp = await runStep({ ...step, env: { GITHUB_RUN_ATTEMPT: '1' } });
    expect(followUp.exitCode, followUp.stdout).toBe(0);
    expect(followUp.outputs).toMatchObject({ 'run-id': runId, status: 'completed' });

    // The re-run's prompt differs (say, it quotes a newer test log): the key, and so the message, stays the same.
    const rerun = await runStep({
      inputs: { ...step.inputs, prompt: 'Now add tests (attempt 2)' },
      env: { GITHUB_RUN_ATTEMPT: '2' },
    });
    expect(rerun.exitCode, rerun.stdout).toBe(0);
    expect(rerun.outputs).toMatchObject({ 'run-id': runId, status: 'completed' });

    const run = await sim.control.run(runId);
    expect(run?.messages).toHaveLength(1);
    expect(run?.messages[0]).toMatchObject({ prompt: 'Now add tests', update_pr: true });
    expect(run?.prs[0]?.commits.filter((commit) => commit.message_index === 0)).toHaveLength(1);
    const sent = await sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/message' });
    expect(sent).toHaveLength(2);
    const keys = sent.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toBe(`gha-4242-agent-codecloud-${runId}`);
    expect(keys[1]).toBe(keys[0]);

    const otherStep = await runStep({ ...step, env: { GITHUB_ACTION: 'second-follow-up' } });
    expect(otherStep.exitCode).toBe(0);
    expect((await sim.control.run(runId))?.messages).toHaveLength(2);
  });

  it("keeps a plan run's mode when 'mode' is not given, and so sends no update_pr", async () => {
    const plan = await runStep({ inputs: { ...base(), prompt: 'Plan the refactor', mode: 'plan' } });
    const runId = plan.outputs['run-id'] ?? '';
    expect(plan.outputs.status).toBe('completed');

    const followUp = await runStep({
      inputs: { ...base(), command: 'follow-up', 'run-id': runId, prompt: 'Also cover the CLI' },
    });
    expect(followUp.exitCode, followUp.stdout).toBe(0);
    expect(followUp.stdout).toContain(`Run ${runId} is a plan run: the follow-up is sent without update_pr`);
    const run = await sim.control.run(runId);
    expect(run?.messages).toHaveLength(1);
    expect(run?.messages[0]).toMatchObject({ prompt: 'Also cover the CLI', update_pr: false });
  });

  it('says why the API refused a follow-up', async () => {
    await sim.control.queueScripts({ runningMs: 24 * 3_600_000 });
    const created = await runStep({ inputs: { ...base(), prompt: 'Long', wait: 'false' } });
    const runId = created.outputs['run-id'] ?? '';
    const followUp = await runStep({
      inputs: { ...base(), command: 'follow-up', 'run-id': runId, prompt: 'More' },
    });
    expect(followUp.exitCode).toBe(1);
    expect(annotations(followUp.stdout, 'error')[0]).toMatch(
      /^codecloud API 400: Run must be completed to send a follow-up \(current status: (queued|running)\)/,
    );
  });
});

describe('schedule and unschedule', () => {
  it('creates a recurring schedule from cron, then deletes it', async () => {
    const created = await runStep({
      inputs: {
        ...base(),
        command: 'schedule',
        cron: '0 3 * * *',
        prompt: 'Run the test suite and fix failures',
      },
    });
    expect(created.exitCode, created.stdout).toBe(0);
    const [schedule] = await sim.control.schedules();
    expect(schedule).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * *',
      status: 'active',
      repo: 'octo/widgets',
      prompt: 'Run the test suite and fix failures',
    });
    expect(created.outputs).toEqual({ 'schedule-id': schedule?.id, 'next-run-at': schedule?.next_run_at });
    expect(created.outputs['next-run-at']).toMatch(/T03:00:00/);
    expect(created.summary).toContain('codecloud: schedule created');

    const deleted = await runStep({
      inputs: { ...base(), command: 'unschedule', 'schedule-id': schedule?.id ?? '' },
    });
    expect(deleted.exitCode).toBe(0);
    expect(deleted.outputs).toEqual({ 'schedule-id': schedule?.id });
    expect((await sim.control.schedules())[0]?.status).toBe('deleted');
  });

  it('a re-run of the same step keeps the schedule instead of creating a second one', async () => {
    const step = {
      inputs: { ...base(), command: 'schedule', cron: '0 4 * * *', prompt: 'Nightly clean-up' },
    };
    const first = await runStep({ ...step, env: { GITHUB_RUN_ATTEMPT: '1' } });
    const rerun = await runStep({ ...step, env: { GITHUB_RUN_ATTEMPT: '2' } });
    expect(rerun.exitCode, rerun.stdout).toBe(0);
    expect(rerun.outputs['schedule-id']).toBe(first.outputs['schedule-id']);
    expect(rerun.stdout).toContain('already exists with the same prompt, repository and');
    expect(await sim.control.schedules()).toHaveLength(1);

    const otherCron = await runStep({ inputs: { ...step.inputs, cron: '0 5 * * *' } });
    expect(otherCron.outputs['schedule-id']).not.toBe(first.outputs['schedule-id']);
    expect(await sim.control.schedules()).toHaveLength(2);
  });

  it('creates a one-off schedule from run-at', async () => {
    const at = new Date(Date.parse(await sim.control.now()) + 86_400_000).toISOString();
    const created = await runStep({
      inputs: { ...base(), command: 'schedule', 'run-at': at, prompt: 'Once' },
    });
    expect(created.exitCode, created.stdout).toBe(0);
    expect((await sim.control.schedules())[0]).toMatchObject({ type: 'once', run_at: at });
  });

  it.each([
    [
      '*/5 * * * *',
      "Input 'cron' is not accepted: cron '*/5 * * * *' runs every 5 minutes; the minimum interval is 15 minutes",
    ],
    [
      '0 3 * *',
      "Input 'cron' is not accepted: cron '0 3 * *' must have exactly 5 fields (minute hour day-of-month month day-of-week), got 4",
    ],
  ])('refuses cron %s locally, before any API call', async (cron, message) => {
    const step = await runStep({ inputs: { ...base(), command: 'schedule', cron, prompt: 'p' } });
    expect(step.exitCode).toBe(1);
    expect(annotations(step.stdout, 'error')).toEqual([message]);
    expect(await sim.control.requests()).toEqual([]);
  });
});

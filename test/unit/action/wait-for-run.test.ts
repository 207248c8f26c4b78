import { describe, expect, it } from 'vitest';
import { elapsed, type WaitForRunOptions, waitForRun } from '../../../src/action/wait-for-run.js';
import { DEFAULT_POLL_POLICY } from '../../../src/action/wait-policy.js';
import { CodecloudError } from '../../../src/codecloud/errors.js';
import { FakeRuns } from './fake-runs.js';
import { VirtualClock } from './virtual-clock.js';

function setup(endsAt: number, outcome: 'completed' | 'failed' = 'completed') {
  const clock = new VirtualClock();
  const api = new FakeRuns(clock, () => ({ runningAt: 5_000, endsAt, outcome }));
  const lines: string[] = [];
  const log = (line: string, level: 'info' | 'warning' = 'info') => lines.push(`${level}: ${line}`);
  /** Waits on a queued run until `deadline`, with the production poll policy. */
  const wait = (runId: string, deadline: number, extra: Partial<WaitForRunOptions> = {}) =>
    waitForRun({
      client: api,
      runId,
      knownStatus: 'queued',
      deadline,
      clock,
      policy: DEFAULT_POLL_POLICY,
      signal: new AbortController().signal,
      log,
      ...extra,
    });
  return { clock, api, lines, wait };
}

describe('waitForRun', () => {
  it('polls with back-off until the run ends, logging each status change with its time', async () => {
    const { clock, api, lines, wait } = setup(10 * 60_000);
    const { id } = await api.createRun({ prompt: 'fix it' });
    const start = clock.now();
    const outcome = await clock.run(wait(id, start + 60 * 60_000, { random: () => 0.5 }));
    expect(outcome.kind).toBe('final');
    expect(outcome.run?.status).toBe('completed');
    expect(outcome.polls).toBeLessThanOrEqual(30);
    expect(clock.now() - start).toBeLessThan(10 * 60_000 + 30_000);
    expect(lines).toEqual([
      'info: 2026-01-01T00:00:07Z run run_1: queued → running (8s)',
      expect.stringMatching(/^info: 2026-01-01T00:10:\d\dZ run run_1: running → completed \(10m \d\ds\)$/),
    ]);
  });

  it('ends with over-tokens when a run still going passes max-tokens, never for a final run', async () => {
    const { clock, api, wait } = setup(60 * 60_000);
    const { id } = await api.createRun({ prompt: 'big' });
    const over = await clock.run(
      wait(id, clock.now() + 60 * 60_000, { overTokens: (run) => run.status === 'running' }),
    );
    expect(over.kind).toBe('over-tokens');
    expect(over.run?.status).toBe('running');

    const done = setup(20_000);
    const { id: small } = await done.api.createRun({ prompt: 'small' });
    const final = await done.clock.run(
      done.wait(small, done.clock.now() + 60 * 60_000, { overTokens: (run) => run.status === 'completed' }),
    );
    expect(final.kind).toBe('final');
  });

  it('stops at the deadline', async () => {
    const { clock, api, wait } = setup(60 * 60_000);
    const { id } = await api.createRun({ prompt: 'slow' });
    const deadline = clock.now() + 2 * 60_000;
    const outcome = await clock.run(wait(id, deadline));
    expect(outcome.kind).toBe('timed-out');
    expect(clock.now()).toBe(deadline);
  });

  it('keeps polling through 429/5xx, never sooner than Retry-After', async () => {
    const { clock, api, lines, wait } = setup(20_000);
    api.getErrors.push(
      new CodecloudError({
        kind: 'http',
        method: 'GET',
        path: '/x',
        status: 429,
        retryable: true,
        retryAfterMs: 120_000,
      }),
    );
    const { id } = await api.createRun({ prompt: 'x' });
    const start = clock.now();
    const outcome = await clock.run(wait(id, start + 60 * 60_000, { random: () => 0.5 }));
    expect(outcome.kind).toBe('final');
    // First poll at 3 s failed with Retry-After 120 s: the next one is at 123 s, when the run has long finished.
    expect(clock.now() - start).toBe(123_000);
    expect(api.gets).toBe(2);
    expect(lines[0]).toMatch(/^warning: .* could not read run run_1 \(codecloud API 429/);
  });

  it('gives up on answers that will not change (404)', async () => {
    const { clock, api, wait } = setup(20_000);
    api.getErrors.push(
      new CodecloudError({
        kind: 'http',
        method: 'GET',
        path: '/x',
        status: 404,
        apiMessage: 'Run not found',
        retryable: false,
      }),
    );
    const { id } = await api.createRun({ prompt: 'x' });
    const outcome = await clock.run(wait(id, clock.now() + 60_000));
    expect(outcome.kind).toBe('error');
    expect(outcome.kind === 'error' && outcome.error.message).toMatch(/404: Run not found/);
  });

  it('gives up after three bodies in a row that do not match the documented schema', async () => {
    const { clock, api, wait } = setup(60 * 60_000);
    const bad = () =>
      new CodecloudError({
        kind: 'invalid-response',
        method: 'GET',
        path: '/x',
        retryable: false,
        detail: 'prs: required',
      });
    api.getErrors.push(bad(), bad(), bad());
    const { id } = await api.createRun({ prompt: 'x' });
    const outcome = await clock.run(wait(id, clock.now() + 60 * 60_000));
    expect(outcome.kind).toBe('error');
    expect(api.gets).toBe(3);
  });

  it('returns at once when cancelled', async () => {
    const { clock, api, wait } = setup(60 * 60_000);
    const { id } = await api.createRun({ prompt: 'x' });
    const cancel = new AbortController();
    const waiting = wait(id, clock.now() + 60 * 60_000, { signal: cancel.signal });
    cancel.abort();
    const outcome = await clock.run(waiting);
    expect(outcome.kind).toBe('aborted');
  });
});

describe('elapsed', () => {
  it('reads like a duration', () => {
    expect(elapsed(4_000)).toBe('4s');
    expect(elapsed(245_000)).toBe('4m 05s');
    expect(elapsed(3_720_000)).toBe('1h 02m');
  });
});

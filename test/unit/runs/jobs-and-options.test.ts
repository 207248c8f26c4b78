// Typed at the edges: job payloads are checked when recorded and parsed before a handler sees them; a run's options
// and progress are parsed where rows are read, field by field.

import { describe, expect, it } from 'vitest';
import {
  JOB_AUTOFIX_CI,
  JOB_AUTOFIX_PUSH,
  JOB_AUTOFIX_REVIEW,
  JOB_STOP_BUTTON,
} from '../../../src/autofix/triggers.js';
import { enqueue, jobHandlers, type TypedJobHandlers } from '../../../src/runs/jobs.js';
import {
  JOB_BACKEND_FINISHED,
  JOB_CODECLOUD_EVENT,
  JOB_COMMAND,
  JOB_DRAIN,
  JOB_LOOK_UP_CREATE,
  JOB_PUSH,
  JOB_RELAY_COMPLETION,
  JOB_RELAY_SCHEDULE,
} from '../../../src/runs/trigger.js';
import { parseRunOptions, parseRunProgress } from '../../../src/store/run-options.js';
import type { EnqueueJobInput, Job } from '../../../src/store/store.js';

const job = (kind: string, payload: unknown): Job => ({
  id: '1',
  dedupeKey: `k-${kind}`,
  kind,
  payload: payload as Job['payload'],
  attempts: 1,
  lastError: null,
  group: null,
  createdAt: 0,
});

describe('job payloads', () => {
  it('a handler gets its kind’s payload parsed; one that does not parse fails the job, naming kind and field', async () => {
    const seen: unknown[] = [];
    const none = async () => undefined;
    const handlers: TypedJobHandlers = {
      [JOB_COMMAND]: none,
      [JOB_PUSH]: none,
      [JOB_CODECLOUD_EVENT]: none,
      [JOB_RELAY_COMPLETION]: none,
      [JOB_RELAY_SCHEDULE]: none,
      [JOB_BACKEND_FINISHED]: none,
      [JOB_DRAIN]: async (payload) => {
        seen.push(payload.installationId + 1);
      },
      [JOB_LOOK_UP_CREATE]: none,
      [JOB_AUTOFIX_CI]: none,
      [JOB_AUTOFIX_PUSH]: none,
      [JOB_AUTOFIX_REVIEW]: none,
      [JOB_STOP_BUTTON]: none,
    };
    const table = jobHandlers(handlers);
    await table[JOB_DRAIN]?.({ installationId: 41 }, job(JOB_DRAIN, { installationId: 41 }));
    expect(seen).toEqual([42]);
    await expect(
      table[JOB_DRAIN]?.({ installationId: 'x' }, job(JOB_DRAIN, { installationId: 'x' })),
    ).rejects.toThrow(/runs\.drain.*installationId/s);
  });

  it('enqueue records the payload as typed, in its installation’s group; the schema applies when it is claimed', async () => {
    const recorded: EnqueueJobInput[] = [];
    const store = {
      enqueueJob: async (input: EnqueueJobInput) => {
        recorded.push(input);
        return true;
      },
    };
    await enqueue(store, JOB_LOOK_UP_CREATE, {
      dedupeKey: 'a',
      payload: { runId: 'r', lookUp: 2 },
      runAt: 5,
    });
    await enqueue(store, JOB_DRAIN, { dedupeKey: 'b', payload: { installationId: 42 } });
    expect(recorded).toEqual([
      { dedupeKey: 'a', kind: JOB_LOOK_UP_CREATE, payload: { runId: 'r', lookUp: 2 }, runAt: 5 },
      { dedupeKey: 'b', kind: JOB_DRAIN, payload: { installationId: 42 }, group: '42' },
    ]);
  });
});

describe('run options and progress as read from the store', () => {
  it('keeps the fields that fit and drops the ones that do not (and unknown keys)', () => {
    expect(
      parseRunOptions({
        trigger: '!ai',
        timeoutMinutes: 'sixty',
        agentProvider: 'other',
        maxConcurrentRuns: 2,
        reactOn: { kind: 'issue_comment', id: 5 },
        pendingFollowUp: { prompt: 'p', mode: 'plan', idempotencyKey: 'k' },
        statusCommentPlace: { kind: 'review_comment', number: 3 },
        legacy: true,
      }),
    ).toEqual({
      trigger: '!ai',
      maxConcurrentRuns: 2,
      reactOn: { kind: 'issue_comment', id: 5 },
      pendingFollowUp: { prompt: 'p', mode: 'plan', idempotencyKey: 'k' },
    });
    expect(parseRunOptions(null)).toEqual({});
    expect(parseRunOptions('garbage')).toEqual({});
  });

  it('reads progress back as the status comment shows it', () => {
    expect(
      parseRunProgress({ toolCalls: [{ name: 'bash', status: 'weird' }], thinking: 'hm', extra: 1 }),
    ).toEqual({ toolCalls: [{ name: 'bash', status: 'running' }], thinking: 'hm' });
    expect(parseRunProgress(null)).toBeNull();
    expect(parseRunProgress({ toolCalls: 'no' })).toEqual({});
  });
});

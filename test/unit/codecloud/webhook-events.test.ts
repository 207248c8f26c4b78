import { describe, expect, it } from 'vitest';
import { CodecloudEvent, eventDedupKey } from '../../../src/codecloud/webhook-events.js';
import { describeZodIssues } from '../../../src/validation-error.js';

// The example payloads of codecloud's API documentation, verbatim.
const completed = {
  event: 'agent.completed',
  run_id: 'jd7x8k9m2n3p4q5r',
  status: 'completed',
  mode: 'execute',
  repo: 'owner/repo',
  result: "I've added JWT-based authentication...",
  pr: { url: 'https://github.com/owner/repo/pull/42', number: 42, branch: 'codecloud/add-auth' },
  usage: { input_tokens: 12500, output_tokens: 3200 },
  created_at: '2025-01-16T12:00:00.000Z',
  completed_at: '2025-01-16T12:05:00.000Z',
};
const thinking = {
  event: 'agent.progress',
  run_id: 'jd7x8k9m2n3p4q5r',
  status: 'running',
  thinking: 'Currently analyzing the authentication flow and...',
};
const toolCall = {
  event: 'agent.progress',
  run_id: 'jd7x8k9m2n3p4q5r',
  status: 'running',
  tool_call: { name: 'bash', arguments: { command: 'ls -la' }, status: 'running' },
};
const skipped = {
  event: 'schedule.run.skipped',
  schedule_id: 'abc123',
  reason: 'concurrent_limit',
  next_run_at: '2025-02-16T00:00:00.000Z',
  total_skips: 3,
  created_at: '2025-02-15T18:00:00.000Z',
};
const executed = {
  event: 'schedule.run.executed',
  schedule_id: 'abc123',
  run_id: 'def456',
  next_run_at: '2025-02-16T00:00:00.000Z',
  created_at: '2025-02-15T18:00:00.000Z',
};

describe('CodecloudEvent', () => {
  it.each([
    ['agent.completed', completed],
    ['agent.progress (thinking)', thinking],
    ['agent.progress (tool_call)', toolCall],
    ['schedule.run.skipped', skipped],
    ['schedule.run.executed', executed],
  ])('parses the documented example of %s', (_name, payload) => {
    expect(CodecloudEvent.parse(payload)).toEqual(payload);
  });

  it('parses agent.failed and schedule.deleted', () => {
    const failed = { ...completed, event: 'agent.failed', status: 'failed', error: 'Tests failed' };
    delete (failed as { result?: string }).result;
    expect(CodecloudEvent.parse(failed)).toMatchObject({ event: 'agent.failed', error: 'Tests failed' });
    expect(CodecloudEvent.parse({ event: 'schedule.deleted', schedule_id: 's' })).toMatchObject({
      schedule_id: 's',
    });
  });

  it('tolerates unknown extra fields', () => {
    expect(CodecloudEvent.safeParse({ ...completed, sandbox_id: 'x' }).success).toBe(true);
  });

  it('names a missing required field', () => {
    const { run_id: _runId, ...noRunId } = completed;
    const result = CodecloudEvent.safeParse(noRunId);
    expect(result.success).toBe(false);
    if (!result.success) expect(describeZodIssues(result.error)).toMatch(/^run_id: /);
  });

  it('rejects an unknown event and a status that contradicts the event', () => {
    expect(CodecloudEvent.safeParse({ ...completed, event: 'agent.exploded' }).success).toBe(false);
    expect(CodecloudEvent.safeParse({ ...completed, status: 'failed' }).success).toBe(false);
    expect(
      CodecloudEvent.safeParse({ ...toolCall, tool_call: { name: 'bash', status: 'exploded' } }).success,
    ).toBe(false);
  });
});

describe('eventDedupKey', () => {
  it('is the same for retries of one event (same body)', () => {
    const a = CodecloudEvent.parse(completed);
    const b = CodecloudEvent.parse(JSON.parse(JSON.stringify(completed)));
    expect(eventDedupKey(a)).toBe(eventDedupKey(b));
  });

  it('differs for a later completion of the same run (a follow-up)', () => {
    const first = CodecloudEvent.parse(completed);
    const later = CodecloudEvent.parse({ ...completed, completed_at: '2025-01-16T13:00:00.000Z' });
    expect(eventDedupKey(first)).not.toBe(eventDedupKey(later));
  });

  it('differs between completed and failed, and between skips', () => {
    const failed = CodecloudEvent.parse({ ...completed, event: 'agent.failed', status: 'failed' });
    expect(eventDedupKey(failed)).not.toBe(eventDedupKey(CodecloudEvent.parse(completed)));
    const skip4 = CodecloudEvent.parse({ ...skipped, total_skips: 4 });
    expect(eventDedupKey(skip4)).not.toBe(eventDedupKey(CodecloudEvent.parse(skipped)));
  });
});

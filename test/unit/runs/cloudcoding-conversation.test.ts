import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/parse-command.js';
import { conversationChoice, conversationNote } from '../../../src/runs/cloudcoding-conversation.js';
import type { Run } from '../../../src/store/store.js';

type ThreadRun = Pick<Run, 'backend' | 'status' | 'cloudcodingThreadId' | 'options'>;
const cloudCoding = (patch: Partial<ThreadRun> = {}): ThreadRun => ({
  backend: 'cloudcoding',
  status: 'completed',
  cloudcodingThreadId: 'thread-1',
  options: { branch: 'docs' },
  ...patch,
});

describe('conversationChoice', () => {
  it("continues a completed Cloud Coding run's conversation, on its branch", () => {
    expect(conversationChoice(cloudCoding(), {})).toEqual({
      kind: 'continue',
      threadId: 'thread-1',
      branch: 'docs',
    });
    expect(conversationChoice(cloudCoding(), { backend: 'cloudcoding' }).kind).toBe('continue');
  });

  it('starts afresh when asked, after a failed, stopped or timed-out run, or without a thread id', () => {
    expect(conversationChoice(cloudCoding(), { fresh: true })).toEqual({ kind: 'fresh', reason: 'asked' });
    for (const status of ['failed', 'stopped', 'timed_out'] as const)
      expect(conversationChoice(cloudCoding({ status }), {})).toEqual({ kind: 'fresh', reason: status });
    expect(conversationChoice(cloudCoding({ cloudcodingThreadId: null }), {})).toEqual({
      kind: 'fresh',
      reason: 'no-thread',
    });
  });

  it('leaves codecloud threads, threads without runs and an explicit --backend=codecloud alone', () => {
    expect(conversationChoice(null, {})).toEqual({ kind: 'none' });
    expect(conversationChoice(cloudCoding({ backend: 'codecloud' }), {})).toEqual({ kind: 'none' });
    expect(conversationChoice(cloudCoding(), { backend: 'codecloud' })).toEqual({ kind: 'none' });
  });

  it('notes what the run is in its status comment', () => {
    expect(conversationNote({ continuesThread: 't' }, '/cc')).toContain('Follow-up');
    expect(conversationNote({ continuesThread: 't' }, '/cc')).toContain('`/cc --new`');
    expect(conversationNote({ freshConversation: 'failed' }, '/cc')).toContain('previous run failed');
    expect(conversationNote({}, '/cc')).toBeUndefined();
  });
});

describe('--new', () => {
  it('is an option without a value', () => {
    expect(parseCommand('/codecloud --new start over', '/codecloud')).toMatchObject({
      kind: 'command',
      command: { kind: 'execute', instruction: 'start over', options: { fresh: true } },
    });
    expect(parseCommand('/codecloud --new=yes start over', '/codecloud')).toMatchObject({
      kind: 'invalid',
      problems: [{ option: '--new', value: 'yes', message: 'takes no value' }],
    });
  });
});

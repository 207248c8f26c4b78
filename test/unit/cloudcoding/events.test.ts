import { describe, expect, it } from 'vitest';
import { interpretSseMessage } from '../../../src/cloudcoding/events.js';

const sse = (data: string, event?: string) => interpretSseMessage({ data, event, id: undefined });

describe('interpretSseMessage', () => {
  it('reads custom stdout in SSE framing and in envelope framing alike', () => {
    const expected = { kind: 'stdout', text: 'Running tests\n', taskName: 'testing', threadId: undefined };
    expect(sse('{"task_name":"testing","stdout":"Running tests\\n"}', 'custom')).toEqual(expected);
    expect(sse('{"event":"custom","data":{"task_name":"testing","stdout":"Running tests\\n"}}')).toEqual(
      expected,
    );
    // A namespaced event name counts by its first part.
    expect(sse('{"task_name":"testing","stdout":"Running tests\\n"}', 'custom|tasks:abc')).toEqual(expected);
  });

  it('treats a payload with stdout and no event name as custom, and appends stderr', () => {
    expect(sse('{"stdout":"a","stderr":"b"}')).toMatchObject({
      kind: 'stdout',
      text: 'ab',
      taskName: undefined,
    });
  });

  it('reads a plain-text or JSON-string custom payload as stdout', () => {
    expect(sse('not json at all', 'custom')).toMatchObject({ kind: 'stdout', text: 'not json at all' });
    expect(sse('"quoted line\\n"', 'custom')).toMatchObject({ kind: 'stdout', text: 'quoted line\n' });
  });

  it('keeps a custom payload without stdout as custom data', () => {
    expect(sse('{"progress":0.5,"task_name":"a"}', 'custom')).toEqual({
      kind: 'custom',
      data: { progress: 0.5, task_name: 'a' },
      taskName: 'a',
      threadId: undefined,
    });
  });

  it("reads updates and the agent's latest message text", () => {
    const update = sse(
      JSON.stringify({
        agent: {
          messages: [
            { type: 'human', content: 'do it' },
            {
              type: 'ai',
              content: [{ type: 'text', text: 'Opened ' }, { type: 'tool_use' }, { text: 'PR #4' }],
            },
          ],
        },
      }),
      'updates',
    );
    expect(update).toMatchObject({ kind: 'update', text: 'Opened PR #4' });
    expect(sse('{"step":3}', 'updates')).toMatchObject({
      kind: 'update',
      text: undefined,
      data: { step: 3 },
    });
  });

  it('finds the thread id wherever it appears', () => {
    expect(sse('{"run_id":"r1","thread_id":"t1"}', 'metadata')).toMatchObject({
      kind: 'metadata',
      runId: 'r1',
      threadId: 't1',
    });
    expect(sse('{"event":"updates","data":{"metadata":{"threadId":"t2"}}}')).toMatchObject({
      threadId: 't2',
    });
    expect(sse('{"configurable":{"thread_id":"t3"},"x":1}', 'updates')).toMatchObject({ threadId: 't3' });
  });

  it('reads error events in their several shapes', () => {
    expect(sse('{"message":"boom","task_name":"a"}', 'error')).toMatchObject({
      kind: 'error',
      message: 'boom',
      taskName: 'a',
    });
    expect(sse('{"error":{"message":"nested"}}', 'error')).toMatchObject({ message: 'nested' });
    expect(sse('{"detail":"from detail"}', 'error')).toMatchObject({ message: 'from detail' });
    expect(sse('plain words', 'error')).toMatchObject({ message: 'plain words' });
    expect(sse('{"code":7}', 'error')).toMatchObject({ message: '{"code":7}' });
    expect(sse('{"event":"error","data":{"error":"enveloped"}}')).toMatchObject({
      kind: 'error',
      message: 'enveloped',
    });
  });

  it('recognises end events and [DONE]', () => {
    for (const name of ['end', 'done', 'complete', 'completed', 'END']) {
      expect(sse('{}', name).kind).toBe('end');
    }
    expect(sse('[DONE]').kind).toBe('end');
    expect(sse('{"event":"end","data":null}').kind).toBe('end');
  });

  it('keeps anything unrecognised as raw text instead of failing', () => {
    expect(sse('{"x":1}', 'heartbeat')).toEqual({
      kind: 'raw',
      event: 'heartbeat',
      data: '{"x":1}',
      taskName: undefined,
      threadId: undefined,
    });
    expect(sse('{"event":"values","data":{"a":1}}')).toMatchObject({ kind: 'raw', event: undefined });
    expect(sse('not json', 'updates')).toMatchObject({ kind: 'raw', event: 'updates', data: 'not json' });
    expect(sse('plain message')).toMatchObject({ kind: 'raw', data: 'plain message' });
  });

  it('does not unwrap an envelope that contradicts the SSE event name', () => {
    expect(sse('{"event":"custom","data":{"stdout":"x"}}', 'updates')).toMatchObject({ kind: 'update' });
  });
});

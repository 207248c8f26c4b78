import { describe, expect, it } from 'vitest';
import type { CloudCodingOutcome } from '../../../src/cloudcoding/client.js';
import { CloudCodingError } from '../../../src/cloudcoding/errors.js';
import type { CloudCodingEvent } from '../../../src/cloudcoding/events.js';
import { CloudCodingRunRecorder, combinedOutput } from '../../../src/cloudcoding/run-recorder.js';

const out = (text: string, taskName?: string): CloudCodingEvent => ({
  kind: 'stdout',
  text,
  taskName,
  threadId: undefined,
});
const completed: CloudCodingOutcome = { status: 'completed', endEvent: true, threadId: 't1', events: 3 };
const failedWith = (kind: CloudCodingError['kind'], message: string): CloudCodingOutcome => ({
  status: kind === 'disconnected' ? 'disconnected' : 'failed',
  reason: message,
  error: new CloudCodingError(kind, message),
  threadId: undefined,
  events: 0,
});

describe('CloudCodingRunRecorder', () => {
  it('collects a single run and reports it running, then completed', () => {
    const recorder = new CloudCodingRunRecorder();
    recorder.apply({ kind: 'metadata', runId: 'r', data: {}, taskName: undefined, threadId: 't1' });
    recorder.apply(out('hello\n'));
    recorder.apply({ kind: 'update', data: {}, text: 'Done: x', taskName: undefined, threadId: undefined });
    expect(recorder.snapshot()).toMatchObject({ status: 'running', threadId: 't1', events: 3 });
    const state = recorder.finish(completed);
    expect(state).toMatchObject({ status: 'completed', reason: undefined, threadId: 't1' });
    expect(state.tasks).toEqual([
      {
        name: undefined,
        status: 'completed',
        output: 'hello\n',
        omittedChars: 0,
        lastMessage: 'Done: x',
        error: undefined,
        events: 3,
      },
    ]);
  });

  it('keeps parallel tasks apart, in request order, including silent ones', () => {
    const recorder = new CloudCodingRunRecorder({ taskNames: ['a', 'b', 'c'] });
    recorder.apply(out('b1 ', 'b'));
    recorder.apply(out('a1 ', 'a'));
    recorder.apply(out('b2', 'b'));
    const state = recorder.finish(completed);
    expect(state.tasks.map((t) => [t.name, t.output, t.status])).toEqual([
      ['a', 'a1 ', 'completed'],
      ['b', 'b1 b2', 'completed'],
      ['c', '', 'completed'],
    ]);
    expect(state.latestTask).toBe('b');
  });

  it('caps output, keeping the newest text and counting what was dropped', () => {
    const recorder = new CloudCodingRunRecorder({ maxOutputChars: 10 });
    for (let i = 0; i < 100; i++) recorder.apply(out(`${i % 10}`));
    recorder.apply(out('ABCDEFGHIJKL'));
    const [task] = recorder.snapshot().tasks;
    expect(task?.output).toBe('CDEFGHIJKL');
    expect(task?.omittedChars).toBe(102);
  });

  it('fails only the task whose error was tagged; an untagged error fails them all', () => {
    const tagged = new CloudCodingRunRecorder({ taskNames: ['a', 'b'] });
    tagged.apply({ kind: 'error', message: 'broke', data: {}, taskName: 'b', threadId: undefined });
    expect(tagged.snapshot().tasks.map((t) => t.status)).toEqual(['running', 'running']);
    const end = tagged.finish(failedWith('agent-error', "Cloud Coding agent error: task 'b': broke"));
    expect(end.tasks.map((t) => [t.status, t.error])).toEqual([
      ['completed', undefined],
      ['failed', 'broke'],
    ]);
    expect(end.reason).toBe("Cloud Coding agent error: task 'b': broke");

    const untagged = new CloudCodingRunRecorder({ taskNames: ['a', 'b'] });
    untagged.apply({
      kind: 'error',
      message: 'all down',
      data: {},
      taskName: undefined,
      threadId: undefined,
    });
    const all = untagged.finish(failedWith('agent-error', 'Cloud Coding agent error: all down'));
    expect(all.tasks.filter((t) => t.name !== undefined).map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(all.tasks.find((t) => t.name === undefined)?.error).toBe('all down');
  });

  it('marks every task disconnected when the stream is lost', () => {
    const recorder = new CloudCodingRunRecorder({ taskNames: ['a'] });
    recorder.apply(out('partial', 'a'));
    const state = recorder.finish(
      failedWith('disconnected', 'Cloud Coding stream lost: the connection dropped'),
    );
    expect(state).toMatchObject({
      status: 'disconnected',
      reason: 'Cloud Coding stream lost: the connection dropped',
    });
    expect(state.tasks[0]).toMatchObject({ status: 'disconnected', output: 'partial' });
  });

  it('a task that ended on its own stays completed when the stream is later lost', () => {
    const recorder = new CloudCodingRunRecorder({ taskNames: ['a', 'b'] });
    recorder.apply({ kind: 'end', data: {}, taskName: 'a', threadId: undefined });
    expect(recorder.snapshot().tasks.map((t) => t.status)).toEqual(['completed', 'running']);
    const state = recorder.finish(
      failedWith('disconnected', 'Cloud Coding stream lost: the connection dropped'),
    );
    expect(state.status).toBe('disconnected');
    expect(state.tasks.map((t) => t.status)).toEqual(['completed', 'disconnected']);
  });

  it('counts raw events so nothing is silently lost', () => {
    const recorder = new CloudCodingRunRecorder();
    recorder.apply({ kind: 'raw', event: 'x', data: '?', taskName: undefined, threadId: undefined });
    expect(recorder.snapshot().rawEvents).toBe(1);
  });
});

describe('combinedOutput', () => {
  it('gives a single run its output as is, and headings per task otherwise', () => {
    const single = new CloudCodingRunRecorder();
    single.apply(out('just this'));
    expect(combinedOutput(single.finish(completed))).toBe('just this');

    const parallel = new CloudCodingRunRecorder({ taskNames: ['docs', 'tests'] });
    parallel.apply(out('d', 'docs'));
    parallel.apply(out('t', 'tests'));
    expect(combinedOutput(parallel.finish(completed))).toBe('## docs\nd\n\n## tests\nt');
  });

  it('stays under the cap with a note', () => {
    const recorder = new CloudCodingRunRecorder();
    recorder.apply(out('x'.repeat(5000)));
    const text = combinedOutput(recorder.finish(completed), 1000);
    expect(text.length).toBe(1000);
    expect(text.startsWith('[… earlier output omitted]\n')).toBe(true);
  });
});

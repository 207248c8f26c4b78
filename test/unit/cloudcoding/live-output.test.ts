import { describe, expect, it } from 'vitest';
import { formatLiveLine, LiveLines } from '../../../src/cloudcoding/live-output.js';
import type { CloudCodingRunState } from '../../../src/cloudcoding/run-recorder.js';
import { taskResults } from '../../../src/cloudcoding/task-results.js';

describe('LiveLines', () => {
  it('hands out whole lines per task, however the pieces interleave', () => {
    const lines = new LiveLines();
    const out = [
      ...lines.push('a', 'Runn'),
      ...lines.push('b', 'Build'),
      ...lines.push('a', 'ing tests\r\nok\nhal'),
      ...lines.push('b', 'ing\n'),
      ...lines.push(undefined, 'plain\n'),
    ].map(formatLiveLine);
    expect(out).toEqual(['[a] Running tests', '[a] ok', '[b] Building', 'plain']);
    expect(lines.flush().map(formatLiveLine)).toEqual(['[a] hal']);
    expect(lines.flush()).toEqual([]);
  });

  it('does not hold an endless line', () => {
    const lines = new LiveLines({ maxLineChars: 4 });
    expect(lines.push(undefined, 'abcdefghij').map((l) => l.line)).toEqual(['abcd', 'efgh']);
    expect(lines.flush().map((l) => l.line)).toEqual(['ij']);
  });
});

describe('taskResults', () => {
  const state: CloudCodingRunState = {
    status: 'failed',
    reason: "Cloud Coding agent error: task 'b': broke",
    threadId: 't',
    latestTask: 'b',
    events: 4,
    rawEvents: 0,
    tasks: [
      {
        name: 'a',
        status: 'completed',
        output: 'out a',
        omittedChars: 0,
        lastMessage: 'Done a',
        error: undefined,
        events: 2,
      },
      {
        name: 'b',
        status: 'failed',
        output: 'x'.repeat(50),
        omittedChars: 0,
        lastMessage: undefined,
        error: 'broke',
        events: 2,
      },
    ],
  };

  it('one result per task: last message or output, and the error', () => {
    expect(taskResults(state, 10)).toEqual([
      { name: 'a', status: 'completed', result: 'Done a', error: undefined },
      { name: 'b', status: 'failed', result: `…${'x'.repeat(9)}`, error: 'broke' },
    ]);
  });

  it('gives the run-wide reason to tasks that did not complete for it', () => {
    const lost: CloudCodingRunState = {
      ...state,
      status: 'disconnected',
      reason: 'Cloud Coding stream lost: the connection dropped',
      tasks: [{ ...state.tasks[0]!, name: undefined, status: 'disconnected' }],
    };
    expect(taskResults(lost)).toEqual([
      {
        name: '',
        status: 'disconnected',
        result: 'Done a',
        error: 'Cloud Coding stream lost: the connection dropped',
      },
    ]);
  });
});

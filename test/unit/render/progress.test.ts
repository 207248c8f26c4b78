import { describe, expect, it } from 'vitest';
import { AgentProgressEvent } from '../../../src/codecloud/webhook-events.js';
import { applyProgressEvent } from '../../../src/render/progress.js';

describe('applyProgressEvent', () => {
  it('starts from nothing', () => {
    expect(applyProgressEvent(undefined, {})).toEqual({});
    expect(applyProgressEvent(undefined, { thinking: 'reading' })).toEqual({ thinking: 'reading' });
  });

  it('appends tool calls and keeps the last five', () => {
    let progress = applyProgressEvent(undefined, {});
    for (let i = 0; i < 7; i++) {
      progress = applyProgressEvent(progress, { tool_call: { name: `t${i}`, status: 'completed' } });
    }
    expect(progress.toolCalls?.map((c) => c.name)).toEqual(['t2', 't3', 't4', 't5', 't6']);
  });

  it('updates a running call in place, keeping its arguments', () => {
    const started = applyProgressEvent(undefined, {
      tool_call: { name: 'bash', status: 'running', arguments: { command: 'npm test' } },
    });
    const done = applyProgressEvent(started, { tool_call: { name: 'bash', status: 'completed' } });
    expect(done.toolCalls).toEqual([
      { name: 'bash', status: 'completed', arguments: { command: 'npm test' } },
    ]);
    const again = applyProgressEvent(done, { tool_call: { name: 'bash', status: 'running' } });
    expect(again.toolCalls).toHaveLength(2);
  });

  it('takes a parsed agent.progress event as it is', () => {
    const event = AgentProgressEvent.parse({
      event: 'agent.progress',
      run_id: 'r',
      status: 'running',
      thinking: 'Looking at the parser',
      tool_call: { name: 'read', arguments: { path: 'src/p.ts' }, status: 'completed' },
    });
    expect(applyProgressEvent(undefined, event)).toEqual({
      toolCalls: [{ name: 'read', arguments: { path: 'src/p.ts' }, status: 'completed' }],
      thinking: 'Looking at the parser',
    });
  });

  it('keeps the last thinking when an event has none', () => {
    const a = applyProgressEvent(undefined, { thinking: 'plan' });
    expect(applyProgressEvent(a, { tool_call: { name: 'x', status: 'pending' } }).thinking).toBe('plan');
    expect(applyProgressEvent(a, { thinking: '  ' }).thinking).toBe('plan');
    expect(applyProgressEvent(a, { thinking: 'next' }).thinking).toBe('next');
  });
});

import { describe, expect, it } from 'vitest';
import { logRetry } from '../../../action/retry-log.js';
import type { ActionLog } from '../../../src/action/action-context.js';

describe('logRetry', () => {
  it('says what is retried, after how long (to a tenth of a second), which attempt and why', () => {
    const lines: string[] = [];
    const log: ActionLog = {
      info: (text) => lines.push(text),
      warning: () => {},
      notice: () => {},
      group: () => {},
    };
    logRetry(log, 'GET /api/v1/agents/run/r1', { attempt: 2, delayMs: 1_549, reason: 'codecloud API 503' });
    expect(lines).toEqual(['Retrying GET /api/v1/agents/run/r1 in 1.5s (attempt 2): codecloud API 503']);
  });
});

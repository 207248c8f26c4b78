import { describe, expect, it } from 'vitest';
import {
  FINAL_LOCAL_RUN_STATUSES,
  isFinalLocalRunStatus,
  LocalRunStatus,
  NON_FINAL_LOCAL_RUN_STATUSES,
  SLOT_HOLDING_RUN_STATUSES,
} from '../../src/vocabulary.js';

describe('run statuses', () => {
  it('splits every status into final and non-final, once', () => {
    expect([...NON_FINAL_LOCAL_RUN_STATUSES, ...FINAL_LOCAL_RUN_STATUSES].sort()).toEqual(
      [...LocalRunStatus.options].sort(),
    );
    expect(NON_FINAL_LOCAL_RUN_STATUSES).toEqual(['waiting', 'starting', 'queued', 'running']);
    expect(LocalRunStatus.options.filter(isFinalLocalRunStatus)).toEqual(FINAL_LOCAL_RUN_STATUSES);
  });

  it('counts only started, non-final runs as holding a slot', () => {
    expect(SLOT_HOLDING_RUN_STATUSES.every((status) => NON_FINAL_LOCAL_RUN_STATUSES.includes(status))).toBe(
      true,
    );
    expect(SLOT_HOLDING_RUN_STATUSES).not.toContain('waiting');
  });
});

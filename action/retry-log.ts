import type { ActionLog } from '../src/action/action-context.js';

/** What both API clients tell of a retry they are about to make. */
export interface RetryLogNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** `Retrying POST /api/v1/agents in 1.5s (attempt 1): …`, one info line per retry. */
export function logRetry(log: ActionLog, request: string, notice: RetryLogNotice): void {
  const seconds = Math.round(notice.delayMs / 100) / 10;
  log.info(`Retrying ${request} in ${seconds}s (attempt ${notice.attempt}): ${notice.reason}`);
}

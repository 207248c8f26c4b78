/**
 * The webhook's fast path: cheap checks only, then one durable job keyed by the GitHub delivery id. Everything slow
 * (permission, config, comments, the backend) happens in the worker, after GitHub has its answer.
 */
import type { Json, Store } from '../store/store.js';
import { type CommandTrigger, JOB_COMMAND, JOB_PUSH, type PushTrigger } from './trigger.js';

/**
 * Could this text hold a command? The trigger word is configurable per repository, and reading the config is slow,
 * so the intake keeps any text with a line that starts like a command (`/word` or `@word`); the worker decides.
 */
export function mayHoldCommand(text: string): boolean {
  return /^ {0,3}[/@][A-Za-z0-9]/m.test(text);
}

export type IntakeResult = 'recorded' | 'duplicate' | 'ignored';

export async function recordCommandTrigger(
  deps: { store: Store; botLogin: string; wake(): void },
  trigger: CommandTrigger,
): Promise<IntakeResult> {
  if (trigger.sender.login.toLowerCase() === deps.botLogin.toLowerCase()) return 'ignored';
  if (trigger.source !== 'label' && !mayHoldCommand(trigger.text)) return 'ignored';
  const fresh = await deps.store.enqueueJob({
    dedupeKey: `github:${trigger.deliveryId}`,
    kind: JOB_COMMAND,
    payload: trigger as unknown as Json,
  });
  if (fresh) deps.wake();
  return fresh ? 'recorded' : 'duplicate';
}

export async function recordPush(
  deps: { store: Store; wake(): void },
  push: PushTrigger,
): Promise<IntakeResult> {
  if (push.ref !== `refs/heads/${push.defaultBranch}`) return 'ignored';
  const fresh = await deps.store.enqueueJob({
    dedupeKey: `github:${push.deliveryId}`,
    kind: JOB_PUSH,
    payload: push as unknown as Json,
  });
  if (fresh) deps.wake();
  return fresh ? 'recorded' : 'duplicate';
}

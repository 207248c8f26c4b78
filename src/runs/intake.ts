/**
 * The webhook's fast path: cheap checks only, then one durable job keyed by the GitHub delivery id. Everything slow
 * (permission, config, comments, the backend) happens in the worker, after GitHub has its answer.
 */
import type { Json, Store } from '../store/store.js';
import { type CommandTrigger, JOB_COMMAND, JOB_PUSH, type PushTrigger } from './trigger.js';

/**
 * Could this text hold a command? The trigger is configurable per repository (any one word: `/codecloud`, `@bot`,
 * `!ai`, `codecloud`…) and reading the config is slow, so the intake keeps any text with a line that could start
 * with a trigger: a non-blank line indented less than a code block. Only empty or whitespace-only texts and texts
 * made only of indented code are dropped; the worker reads the config and decides.
 */
export function mayHoldCommand(text: string): boolean {
  return /^ {0,3}\S/m.test(text);
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
    group: String(trigger.installationId),
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
    group: String(push.installationId),
  });
  if (fresh) deps.wake();
  return fresh ? 'recorded' : 'duplicate';
}

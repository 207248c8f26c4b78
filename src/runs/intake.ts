/**
 * The webhook's fast path: cheap checks only, then one durable job keyed by the trigger itself (not the delivery id,
 * which the signature does not cover: a signed body sent again under a new id is the same trigger). Everything slow
 * (permission, config, comments, the backend) happens in the worker, after GitHub has its answer.
 */
import type { Store } from '../store/store.js';
import { enqueue } from './jobs.js';
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
  const fresh = await enqueue(deps.store, JOB_COMMAND, {
    dedupeKey: triggerKeyOf(trigger),
    payload: trigger,
  });
  if (fresh) deps.wake();
  return fresh ? 'recorded' : 'duplicate';
}

/**
 * What makes a trigger one request, whatever delivery carries it: a comment, review or inline comment by its id; a
 * new issue's body by the issue; a label by the issue, the label and the labeling itself (the issue's `updated_at`
 * as the label was added: labeling again after removing the label is a new request, a replay of the same labeling
 * is not). GitHub's own redelivery carries the same trigger, so it is recorded once as well.
 */
export function triggerKeyOf(trigger: CommandTrigger): string {
  const thread = `${trigger.owner}/${trigger.repo}#${trigger.number}`.toLowerCase();
  switch (trigger.source) {
    case 'issue_comment':
    case 'review_comment':
    case 'review':
      if (trigger.commentId !== null) return `github:${trigger.source}:${trigger.commentId}`;
      break;
    case 'issue_body':
      return `github:issue_body:${thread}`;
    case 'label':
      if (trigger.createdAt !== undefined)
        return `github:label:${thread}:${(trigger.label ?? '').toLowerCase()}:${trigger.createdAt}`;
      break;
  }
  return `github:${trigger.deliveryId}`;
}

export async function recordPush(
  deps: { store: Store; wake(): void },
  push: PushTrigger,
): Promise<IntakeResult> {
  if (push.ref !== `refs/heads/${push.defaultBranch}`) return 'ignored';
  const fresh = await enqueue(deps.store, JOB_PUSH, {
    dedupeKey: `github:${push.deliveryId}`,
    payload: push,
  });
  if (fresh) deps.wake();
  return fresh ? 'recorded' : 'duplicate';
}

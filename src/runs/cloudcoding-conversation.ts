/**
 * Cloud Coding reports no pull request, so its conversation lives in the thread where it started: a command in a
 * thread (an issue, a pull request's conversation, a review thread) whose latest run is a completed Cloud Coding
 * run with a `thread_id` continues that conversation, as a new invocation with the `thread_id` and its own status
 * comment. `--new` starts a fresh one; so does a thread whose last Cloud Coding run failed or was cut (stopped, timed
 * out), and the status comment says why. A command that asks for the codecloud backend leaves the conversation be.
 * Pure: decided from the thread's latest run and the command's options.
 */
import type { CommandOptions } from '../commands/command.js';
import type { FreshConversationReason } from '../store/run-options.js';
import type { Run } from '../store/store.js';

export type ConversationChoice =
  /** Not about a Cloud Coding conversation: the command goes where it would anyway. */
  | { kind: 'none' }
  /** A Cloud Coding run that continues the thread's conversation. */
  | { kind: 'continue'; threadId: string; branch: string | undefined }
  /** A Cloud Coding run that starts a new conversation, and why. */
  | { kind: 'fresh'; reason: FreshConversationReason };

export function conversationChoice(
  threadRun: Pick<Run, 'backend' | 'status' | 'cloudcodingThreadId' | 'options'> | null,
  options: Pick<CommandOptions, 'backend' | 'fresh'>,
): ConversationChoice {
  if (threadRun === null || threadRun.backend !== 'cloudcoding' || options.backend === 'codecloud') {
    return { kind: 'none' };
  }
  if (options.fresh) return { kind: 'fresh', reason: 'asked' };
  switch (threadRun.status) {
    case 'completed':
      return threadRun.cloudcodingThreadId
        ? { kind: 'continue', threadId: threadRun.cloudcodingThreadId, branch: threadRun.options.branch }
        : { kind: 'fresh', reason: 'no-thread' };
    case 'failed':
    case 'stopped':
    case 'timed_out':
      return { kind: 'fresh', reason: threadRun.status };
    default:
      // Still going: the caller answers "busy" before asking.
      return { kind: 'none' };
  }
}

/** The status comment's line about the conversation, or undefined for a run that is not about one. */
export function conversationNote(
  options: { continuesThread?: string | undefined; freshConversation?: FreshConversationReason | undefined },
  trigger: string,
): string | undefined {
  const fresh = `\`${trigger} --new\``;
  if (options.continuesThread) {
    return `Follow-up: continues the Cloud Coding conversation of this thread's previous run (${fresh} starts a fresh one).`;
  }
  switch (options.freshConversation) {
    case undefined:
      return undefined;
    case 'asked':
      return 'A fresh Cloud Coding conversation, as asked with `--new`.';
    case 'no-thread':
      return "A fresh Cloud Coding conversation: the thread's previous run reported no conversation to continue.";
    case 'failed':
      return "A fresh Cloud Coding conversation: the thread's previous run failed, so its conversation is not continued.";
    case 'stopped':
      return "A fresh Cloud Coding conversation: the thread's previous run was stopped, so its conversation is not continued.";
    case 'timed_out':
      return "A fresh Cloud Coding conversation: the thread's previous run timed out, so its conversation is not continued.";
  }
}

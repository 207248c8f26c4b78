/**
 * Where the Action's status comment goes: the number given to `comment`, else the pull request or issue of the
 * triggering event (`pull_request`, `pull_request_target`, `pull_request_review`, `pull_request_review_comment`,
 * `issues`, `issue_comment`), on the workflow's repository.
 */
import { z } from 'zod';
import type { Env } from './default-branch.js';
import type { CommentSetting } from './settings.js';

export type CommentTarget =
  | { kind: 'none' }
  | { kind: 'target'; owner: string; repo: string; number: number }
  /** `comment: true` but nothing to comment on: a warning, and the run goes on. */
  | { kind: 'unavailable'; reason: string };

const EventPayload = z.object({
  pull_request: z.object({ number: z.number().int().positive() }).optional(),
  issue: z.object({ number: z.number().int().positive() }).optional(),
});

export function commentTarget(setting: CommentSetting, env: Env, event: unknown): CommentTarget {
  if (setting.kind === 'off') return { kind: 'none' };
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) return { kind: 'unavailable', reason: 'GITHUB_REPOSITORY is not set' };
  if (setting.kind === 'number') return { kind: 'target', owner, repo, number: setting.number };
  const payload = EventPayload.safeParse(event ?? {});
  const number = payload.success
    ? (payload.data.pull_request?.number ?? payload.data.issue?.number)
    : undefined;
  if (number === undefined) {
    return {
      kind: 'unavailable',
      reason: `the ${env.GITHUB_EVENT_NAME ?? 'triggering'} event has no pull request or issue; give the number as 'comment'`,
    };
  }
  return { kind: 'target', owner, repo, number };
}

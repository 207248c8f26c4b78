import * as core from '@actions/core';
import type { StatusCommentDeps } from '../src/action/comment-session.js';
import { commentTarget } from '../src/action/comment-target.js';
import type { ActionSettings } from '../src/action/settings.js';
import { commentIdentity } from '../src/action/status-comment-body.js';
import { readEvent } from './event.js';
import { gitHubClient, gitHubCommentApi } from './github-comment.js';
import { STATUS_COMMENT_STATE } from './state-names.js';

/** `comment`: where it goes and GitHub's side of it, or why there is none (both backends). */
export function commentDeps(
  settings: ActionSettings,
): StatusCommentDeps | { unavailable: string } | undefined {
  const target = commentTarget(settings.comment, process.env, readEvent(process.env.GITHUB_EVENT_PATH));
  if (target.kind === 'none') return undefined;
  if (target.kind === 'unavailable') return { unavailable: target.reason };
  const runs =
    settings.command === 'run'
      ? settings.fromTasksInput
        ? settings.tasks.map((task) => task.name)
        : settings.tasks.map((task) => task.request.prompt)
      : settings.command === 'follow-up'
        ? [`follow-up:${settings.runId ?? settings.threadId ?? ''}:${settings.prompt}`]
        : [];
  const identity = commentIdentity(process.env, runs);
  return {
    api: gitHubCommentApi(gitHubClient(settings.githubToken ?? ''), target),
    identity,
    requestedBy: process.env.GITHUB_ACTOR || 'github-actions',
    onPosted: (comment) =>
      core.saveState(
        STATUS_COMMENT_STATE,
        comment ? JSON.stringify({ id: comment.id, ...target, identity }) : '',
      ),
  };
}

import * as core from '@actions/core';
import type { ActionBackend, ActionContext } from '../../src/action/action-context.js';
import {
  type CodecloudActionDeps,
  runCodecloudAction,
  stopLeftoverRuns,
} from '../../src/action/codecloud-action.js';
import { commentTarget } from '../../src/action/comment-target.js';
import { oidcTokenSource } from '../../src/action/oidc-request.js';
import type { ActionSettings } from '../../src/action/settings.js';
import { commentIdentity } from '../../src/action/status-comment-body.js';
import { CodecloudClient } from '../../src/codecloud/client.js';
import { readEvent } from '../event.js';
import { gitHubClient, gitHubCommentApi } from '../github-comment.js';
import { logRetry } from '../retry-log.js';
import { STATUS_COMMENT_STATE } from '../state-names.js';

const USER_AGENT = 'codecloud-github-action';

function client(apiKey: string, apiUrl: string, context: ActionContext, urgent = false): CodecloudClient {
  return new CodecloudClient({
    apiKey,
    baseUrl: apiUrl,
    userAgent: USER_AGENT,
    random: context.random,
    now: () => context.clock.now(),
    // Inside the runner's cancellation window (SIGINT → SIGTERM 7.5 s → kill 2.5 s) a stop must answer quickly.
    ...(urgent ? { timeoutMs: 2_500, retries: 1, backoff: { baseMs: 200, maxMs: 500 } } : {}),
    onRetry: (notice) => logRetry(context.log, `${notice.method} ${notice.path}`, notice),
  });
}

/** `app-url`: the job's OIDC tokens with the App as audience. */
function appDeps(settings: ActionSettings, context: ActionContext): CodecloudActionDeps['app'] {
  if (settings.appUrl === undefined) return undefined;
  return {
    tokens: oidcTokenSource(process.env, settings.appUrl, fetch, () => context.clock.now()),
    fetch,
  };
}

/** `comment`: where it goes and GitHub's side of it, or why there is none. */
function commentDeps(settings: ActionSettings): CodecloudActionDeps['comment'] {
  const target = commentTarget(settings.comment, process.env, readEvent(process.env.GITHUB_EVENT_PATH));
  if (target.kind === 'none') return undefined;
  if (target.kind === 'unavailable') return { unavailable: target.reason };
  const runs =
    settings.command === 'run'
      ? settings.fromTasksInput
        ? settings.tasks.map((task) => task.name)
        : settings.tasks.map((task) => task.request.prompt)
      : settings.command === 'follow-up'
        ? [`follow-up:${settings.runId ?? ''}:${settings.prompt}`]
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

/** The codecloud REST backend. */
export const codecloudBackend: ActionBackend = {
  main: (settings, context) =>
    runCodecloudAction(
      settings,
      {
        client: client(settings.apiKey, settings.apiUrl, context),
        urgentClient: client(settings.apiKey, settings.apiUrl, context, true),
        app: appDeps(settings, context),
        comment: commentDeps(settings),
      },
      context,
    ),
  // The post step has no time pressure: the normal retry budget.
  cleanup: (settings, leftovers, context) =>
    stopLeftoverRuns(leftovers, client(settings.apiKey, settings.apiUrl, context), context.log),
};

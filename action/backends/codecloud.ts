import type { ActionBackend, ActionContext } from '../../src/action/action-context.js';
import {
  type CodecloudActionDeps,
  runCodecloudAction,
  stopLeftoverRuns,
} from '../../src/action/codecloud-action.js';
import { oidcTokenSource } from '../../src/action/oidc-request.js';
import type { ActionSettings } from '../../src/action/settings.js';
import { CodecloudClient } from '../../src/codecloud/client.js';
import { commentDeps } from '../comment-deps.js';
import { logRetry } from '../retry-log.js';

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

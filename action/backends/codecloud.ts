import * as core from '@actions/core';
import type { ActionBackend, ActionContext } from '../../src/action/action-context.js';
import {
  type CodecloudActionDeps,
  runCodecloudAction,
  stopLeftoverRuns,
} from '../../src/action/codecloud-action.js';
import { OidcRequestError, oidcTokenSource } from '../../src/action/oidc-request.js';
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
  const source = oidcTokenSource(process.env, settings.appUrl, fetch, () => context.clock.now());
  if (source instanceof OidcRequestError) return { tokens: source, fetch };
  // The token is a credential: masked in the log, should anything ever print it.
  let masked = '';
  const tokens = {
    token: async (fresh?: boolean) => {
      const token = await source.token(fresh);
      if (token !== masked) core.setSecret(token);
      masked = token;
      return token;
    },
  };
  return { tokens, fetch };
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

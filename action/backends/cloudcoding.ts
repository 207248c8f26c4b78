import * as core from '@actions/core';
import type { ActionBackend } from '../../src/action/action-context.js';
import { runCloudCodingAction } from '../../src/action/cloudcoding-action.js';
import { NO_STOP_CALL } from '../../src/action/cloudcoding-report.js';
import { CloudCodingClient, INVOKE_PATH } from '../../src/cloudcoding/client.js';
import { DEFAULT_BACKOFF } from '../../src/http/backoff.js';
import { commentDeps } from '../comment-deps.js';
import { printUntrusted } from '../core-log.js';
import { logRetry } from '../retry-log.js';

const USER_AGENT = 'codecloud-github-action';

/**
 * The Cloud Coding streaming backend (`POST /invoke/stdout`): `run` and `follow-up`. The stream is the run, so
 * there is never anything left for the post step to stop.
 */
export const cloudCodingBackend: ActionBackend = {
  main: (settings, context) =>
    runCloudCodingAction(
      settings,
      {
        client: new CloudCodingClient({
          apiKey: settings.apiKey,
          baseUrl: settings.apiUrl,
          userAgent: USER_AGENT,
          random: context.random,
          now: () => context.clock.now(),
          sleep: (ms, signal) => context.clock.sleep(ms, signal),
          backoff: {
            baseMs: DEFAULT_BACKOFF.baseMs * context.pollScale,
            maxMs: DEFAULT_BACKOFF.maxMs * context.pollScale,
          },
          onRetry: (notice) => logRetry(context.log, `POST ${INVOKE_PATH}`, notice),
        }),
        live: {
          untrusted: printUntrusted,
          startGroup: (title) => core.startGroup(title),
          endGroup: () => core.endGroup(),
        },
        serverUrl: process.env.GITHUB_SERVER_URL,
        comment: commentDeps(settings),
      },
      context,
    ),
  cleanup: async (_settings, _runs, context) =>
    context.log.info(`Cloud Coding: nothing to stop (${NO_STOP_CALL}, and the main step closed it)`),
};

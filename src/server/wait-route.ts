/**
 * `GET /codecloud/runs/{id}/wait?timeout=<seconds, at most 55>`: lets a workflow job wait on a run's completion
 * webhook, which only the app can receive. The job proves who it is with its GitHub Actions OIDC token
 * (`Authorization: Bearer …`); the app reads the run with its own codecloud key and answers `200 {"run": …}` as
 * soon as the run is final, or with the run as it is when `timeout` passes (the client asks again).
 * 401: no or invalid token; 403: the token's repository is not one the App is installed on (checked with GitHub
 * before codecloud is asked anything, `repository_id` included), or the run's `repo` is not the token's
 * `repository`; 404: the app's key cannot see the run; 429: the repository asked too often; 503 with `Retry-After`:
 * too many requests wait already; 400: a path that is not a run id. The answer holds only what the Action reads
 * (id, status and the final fields: title, result, plan, error, pull requests, tokens, times), redacted; never the
 * prompt. Waiting costs a callback in `RunWaiters`, never a database connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CodecloudError } from '../codecloud/errors.js';
import { isFinalRunStatus, type RunDetail } from '../codecloud/schemas.js';
import type { CodecloudEvent } from '../codecloud/webhook-events.js';
import { messageOf } from '../error-messages.js';
import { definedProps } from '../objects.js';
import { redactSecrets } from '../redact.js';
import { sendJson } from './json-response.js';
import { OidcTokenError, type OidcVerifier, oidcVerifier } from './oidc-token.js';
import { type RunWaiters, type RunWaitersOptions, runWaiters } from './run-waiters.js';

const WAIT_PATH = /^\/codecloud\/runs\/([^/]+)\/wait$/;
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_WAIT_SECONDS = 55;
const DEFAULT_WAIT_SECONDS = 50;
/** Requests waiting at once, over all repositories; more get 503 with `Retry-After`. */
export const MAX_WAITERS = 1_000;
/** Wait requests one repository may make per minute; more get 429 with `Retry-After`. */
export const WAITS_PER_REPOSITORY_PER_MINUTE = 60;

/** What the wait route answers about a run: what the Action's outputs use, never the prompt. */
export type WaitAnswerRun = Pick<
  RunDetail,
  | 'id'
  | 'status'
  | 'title'
  | 'result'
  | 'plan'
  | 'error'
  | 'repo'
  | 'pr_url'
  | 'pr_number'
  | 'prs'
  | 'input_tokens'
  | 'output_tokens'
  | 'createdAt'
  | 'startedAt'
  | 'completedAt'
>;

/** The run as the wait route shows it: only the fields the Action reads, each text redacted. */
export function waitAnswerOf(run: RunDetail, knownSecrets: readonly string[] = []): WaitAnswerRun {
  const text = (value: string | undefined) =>
    value === undefined ? undefined : redactSecrets(value, knownSecrets);
  return {
    id: run.id,
    status: run.status,
    prs: run.prs,
    createdAt: run.createdAt,
    ...definedProps({
      title: text(run.title),
      result: text(run.result),
      plan: text(run.plan),
      error: text(run.error),
      repo: run.repo,
      pr_url: run.pr_url,
      pr_number: run.pr_number,
      input_tokens: run.input_tokens,
      output_tokens: run.output_tokens,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
    }),
  };
}

/** Fixed one-minute windows of requests per repository. */
function perMinuteLimit(limit: number, now: () => number) {
  const windows = new Map<string, { start: number; count: number }>();
  return (key: string): number | undefined => {
    const at = now();
    if (windows.size > 10_000) {
      for (const [k, w] of windows) if (at - w.start >= 60_000) windows.delete(k);
    }
    const found = windows.get(key);
    const window = found && at - found.start < 60_000 ? found : { start: at, count: 0 };
    window.count += 1;
    windows.set(key, window);
    // Over the limit: the seconds until the window ends.
    return window.count > limit ? Math.max(1, Math.ceil((window.start + 60_000 - at) / 1000)) : undefined;
  };
}

export interface WaitRouteOptions {
  /** Undefined when the app has no `PUBLIC_URL` (no audience to check): the route answers 503. */
  verify: OidcVerifier | undefined;
  /** `GET /api/v1/agents/run/{id}` with the app's key; undefined without `CODECLOUD_API_KEY` (503). */
  readRun: ((id: string) => Promise<RunDetail>) | undefined;
  waiters: RunWaiters;
  /**
   * Whether the App is installed on `repository` (and, given, its id is `repositoryId`): asked of GitHub before
   * codecloud is asked anything. Undefined: not checked (tests of the route alone).
   */
  isInstalledRepository?:
    | ((repository: string, repositoryId: string | undefined) => Promise<boolean>)
    | undefined;
  /** Values never to show (the app's keys and secrets). */
  knownSecrets?: (() => readonly string[]) | undefined;
  now?: () => number;
  log?: { warn(message: string): void } | undefined;
}

export function waitRoute(options: WaitRouteOptions) {
  const overLimit = perMinuteLimit(WAITS_PER_REPOSITORY_PER_MINUTE, options.now ?? Date.now);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    const match = WAIT_PATH.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendJson(res, 405, { error: 'Method Not Allowed' });
      return true;
    }
    let id: string;
    try {
      id = decodeURIComponent(match[1] ?? '');
    } catch {
      sendJson(res, 400, {
        error: 'Bad Request',
        message: 'the run id in the path is not valid percent-encoding',
      });
      return true;
    }
    if (!RUN_ID.test(id)) {
      sendJson(res, 400, { error: 'Bad Request', message: `'${id.slice(0, 80)}' is not a codecloud run id` });
      return true;
    }
    const timeoutText = url.searchParams.get('timeout');
    const timeout = timeoutText === null ? DEFAULT_WAIT_SECONDS : Number(timeoutText);
    if (!Number.isFinite(timeout) || timeout < 0 || timeout > MAX_WAIT_SECONDS) {
      sendJson(res, 400, {
        error: 'Bad Request',
        message: `timeout must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}, got '${String(timeoutText).slice(0, 20)}'`,
      });
      return true;
    }
    const { verify, readRun } = options;
    if (!verify || !readRun) {
      sendJson(res, 503, {
        error: 'Service Unavailable',
        message: !verify
          ? 'the app has no PUBLIC_URL, so it cannot check a token audience'
          : 'the app has no CODECLOUD_API_KEY',
      });
      return true;
    }

    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      sendJson(res, 401, {
        error: 'Unauthorized',
        message: 'Authorization: Bearer <GitHub Actions OIDC token> is required',
      });
      return true;
    }
    let repository: string;
    let repositoryId: string | undefined;
    try {
      ({ repository, repositoryId } = await verify(token));
    } catch (error) {
      if (!(error instanceof OidcTokenError)) throw error;
      if (error.status === 503) options.log?.warn(`wait route: ${error.message}`);
      sendJson(res, error.status, {
        error: error.status === 401 ? 'Unauthorized' : 'Service Unavailable',
        message: error.message,
      });
      return true;
    }

    const retryAfter = overLimit(repository.toLowerCase());
    if (retryAfter !== undefined) {
      res.setHeader('retry-after', String(retryAfter));
      sendJson(res, 429, {
        error: 'Too Many Requests',
        message: `${repository} made more than ${WAITS_PER_REPOSITORY_PER_MINUTE} wait requests in a minute`,
      });
      return true;
    }
    if (
      options.isInstalledRepository &&
      !(await options.isInstalledRepository(repository, repositoryId).catch(() => false))
    ) {
      sendJson(res, 403, {
        error: 'Forbidden',
        message: `the App is not installed on ${repository}`,
      });
      return true;
    }
    if (options.waiters.size >= MAX_WAITERS) {
      res.setHeader('retry-after', '5');
      sendJson(res, 503, {
        error: 'Service Unavailable',
        message: 'too many requests wait already; retry later',
      });
      return true;
    }

    // Waiting ends at the deadline, or when the client goes away.
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeout * 1000);
    const onClose = (): void => stop.abort();
    res.once('close', onClose);
    try {
      let run: RunDetail;
      try {
        run = await readRun(id);
      } catch (error) {
        if (error instanceof CodecloudError && error.status === 404) {
          sendJson(res, 404, {
            error: 'Not Found',
            message: `run ${id} is not visible to the app's codecloud key`,
          });
        } else {
          sendJson(res, 502, { error: 'Bad Gateway', message: `codecloud: ${messageOf(error)}` });
        }
        return true;
      }
      if ((run.repo ?? '').toLowerCase() !== repository.toLowerCase()) {
        sendJson(res, 403, {
          error: 'Forbidden',
          message: `run ${id} is not a run of ${repository}`,
        });
        return true;
      }
      let seen: string | undefined;
      while (!isFinalRunStatus(run.status) && !stop.signal.aborted) {
        const signs = await options.waiters.next(id, seen, stop.signal);
        if (signs === undefined) break;
        seen = signs;
        try {
          run = await readRun(id);
        } catch (error) {
          options.log?.warn(`wait route: reading run ${id} failed: ${messageOf(error)}`);
        }
      }
      // At the deadline the run is read once more: a completion whose webhook never came is still seen.
      if (!isFinalRunStatus(run.status) && !res.destroyed) {
        try {
          run = await readRun(id);
        } catch {
          // The last known state is the answer.
        }
      }
      if (!res.destroyed) sendJson(res, 200, { run: waitAnswerOf(run, options.knownSecrets?.() ?? []) });
      return true;
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
    }
  };
}

export interface AppWaitRouteOptions {
  /** `PUBLIC_URL`: the audience tokens must have; unset, the route answers 503. */
  publicUrl: string | undefined;
  /** `ACTIONS_OIDC_ISSUER` */
  issuer: string;
  readRun: WaitRouteOptions['readRun'];
  /** The store's `completionSigns`. */
  completionSigns: RunWaitersOptions['completionSigns'];
  isInstalledRepository: WaitRouteOptions['isInstalledRepository'];
  knownSecrets: WaitRouteOptions['knownSecrets'];
  log?: WaitRouteOptions['log'];
}

export interface AppWaitRoute {
  handle: ReturnType<typeof waitRoute>;
  /** A codecloud event this process recorded: a completion wakes its run's waiters at once. */
  recorded(event: CodecloudEvent): void;
  /** Whether a request (its token checked) waits on the run now. */
  waitsOn(remoteRunId: string): boolean;
  close(): void;
}

/** The wait route as the app mounts it: waiters woken by completions recorded here and by a 500 ms store poll. */
export function appWaitRoute(options: AppWaitRouteOptions): AppWaitRoute {
  const waiters = runWaiters({ completionSigns: options.completionSigns, intervalMs: 500 });
  return {
    handle: waitRoute({
      verify: options.publicUrl
        ? oidcVerifier({ issuer: options.issuer, audience: options.publicUrl })
        : undefined,
      readRun: options.readRun,
      waiters,
      isInstalledRepository: options.isInstalledRepository,
      knownSecrets: options.knownSecrets,
      log: options.log,
    }),
    recorded(event) {
      if (event.event === 'agent.completed' || event.event === 'agent.failed') waiters.poke(event.run_id);
    },
    waitsOn: (remoteRunId) => waiters.waitsOn(remoteRunId),
    close: () => waiters.close(),
  };
}

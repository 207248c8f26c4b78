/**
 * The Probot app: thin. It turns webhooks into plain triggers for `src/runs`, mounts `POST /codecloud/webhook` and
 * `GET /healthz`, and starts the job worker and the reconciler. The default export reads its settings from the
 * environment (so `probot run app/index.ts` works too); `app/main.ts` is what `npm start` runs.
 */
import { randomUUID } from 'node:crypto';
import type { ApplicationFunction, Probot } from 'probot';
import { handleAutofixCiJob } from '../src/autofix/ci-job.js';
import {
  recordBranchPush,
  recordChangesRequested,
  recordCheckSuite,
  recordStopButton,
} from '../src/autofix/intake.js';
import { permissionsAccepted } from '../src/autofix/missing-permissions.js';
import { handleAutofixPushJob } from '../src/autofix/pause.js';
import { handleAutofixReviewJob } from '../src/autofix/review-job.js';
import { handleStopButtonJob } from '../src/autofix/stop-button.js';
import {
  JOB_AUTOFIX_CI,
  JOB_AUTOFIX_PUSH,
  JOB_AUTOFIX_REVIEW,
  JOB_STOP_BUTTON,
} from '../src/autofix/triggers.js';
import {
  type CloudCodingAgentBackend,
  type CloudCodingAgentBackendOptions,
  cloudCodingAgentBackend,
} from '../src/backends/cloudcoding-backend.js';
import { codecloudBackend } from '../src/backends/codecloud-backend.js';
import { CloudCodingClient } from '../src/cloudcoding/index.js';
import { CodecloudClient } from '../src/codecloud/client.js';
import { type AppMetrics, createAppMetrics } from '../src/metrics/app-metrics.js';
import { countedFetch } from '../src/metrics/counted-fetch.js';
import { storeFigures } from '../src/metrics/store-figures.js';
import { definedProps } from '../src/objects.js';
import { redactingLog } from '../src/render/redacting-log.js';
import {
  type CloudCodingProgress,
  cloudCodingProgress,
  handleCloudCodingFinishedJob,
  recordCloudCodingFinished,
  storeStreamHolders,
  storeThreadIds,
} from '../src/runs/cloudcoding-runs.js';
import {
  handleCodecloudEventJob,
  handleRelayJob,
  JOB_RELAY_COMPLETION,
  recordCodecloudEvent,
} from '../src/runs/codecloud-events.js';
import { handleCommandJob } from '../src/runs/command-handler.js';
import { configLoader } from '../src/runs/config-loader.js';
import { lookUpLostCreate } from '../src/runs/create-look-up.js';
import { recordCommandTrigger, recordPush } from '../src/runs/intake.js';
import { JobWorker } from '../src/runs/job-worker.js';
import { jobHandlers } from '../src/runs/jobs.js';
import { handlePushJob } from '../src/runs/push-job.js';
import { type Reconciler, startReconciler } from '../src/runs/reconciler.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { drainInstallation } from '../src/runs/run-lifecycle.js';
import { handleScheduleRelayJob } from '../src/runs/schedule-events.js';
import { stopFromDashboard } from '../src/runs/stop-run.js';
import {
  JOB_BACKEND_FINISHED,
  JOB_CODECLOUD_EVENT,
  JOB_COMMAND,
  JOB_DRAIN,
  JOB_LOOK_UP_CREATE,
  JOB_PUSH,
  JOB_RELAY_SCHEDULE,
} from '../src/runs/trigger.js';
import { bodyBudget } from '../src/server/body-budget.js';
import { codecloudWebhookRoute } from '../src/server/codecloud-webhook-route.js';
import { dashboardDisabledRoute, dashboardRoute } from '../src/server/dashboard-route.js';
import { githubWebhookRoute } from '../src/server/github-webhook-route.js';
import { healthRoute } from '../src/server/health-route.js';
import { metricsRoute } from '../src/server/metrics-route.js';
import { appWaitRoute } from '../src/server/wait-route.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { describeConfigLoadError } from './config-load-error.js';
import { type AppSettings, parseAppEnv } from './env.js';
import { type GitHubClients, gitHubClients } from './github-clients.js';
import { githubWebhookDispatch } from './github-webhook-dispatch.js';
import { usageLimitsOf } from './usage-limits.js';
import { warmUpDeliveryParsers } from './warm-up-delivery-parsers.js';

export interface AppRuntime {
  deps: RunDeps;
  /** Answers GitHub's webhooks on WEBHOOK_PATH (undefined without WEBHOOK_SECRET); `app/main.ts` serves it first. */
  githubWebhookRoute: ReturnType<typeof githubWebhookRoute> | undefined;
  /** Stops the worker (jobs in flight finish within a second or are released) and the reconciler. */
  stop(): Promise<void>;
}

export interface CodecloudAppOptions {
  store: Store;
  settings: AppSettings;
  now?: () => number;
  fetch?: typeof fetch;
  /** Called once the handlers are registered and the worker runs. */
  onReady?: (runtime: AppRuntime) => void;
  /** The app's private key (PEM): its JWT is then signed once and reused while it has more than a minute left. */
  privateKey?: string | undefined;
}

/** The `fetch` an API client uses: the test's, else the global one, counted for `GET /metrics`. */
function apiFetch(
  options: CodecloudAppOptions,
  metrics: AppMetrics,
  api: 'codecloud' | 'cloudcoding',
): typeof fetch {
  return countedFetch(options.fetch ?? fetch, (status) => metrics.apiRequest(api, status));
}

function codecloudClientFor(
  options: CodecloudAppOptions,
  metrics: AppMetrics,
  extra: { retries?: number } = {},
): CodecloudClient | undefined {
  const { env } = options.settings;
  if (!env.CODECLOUD_API_KEY) return undefined;
  return new CodecloudClient({
    apiKey: env.CODECLOUD_API_KEY,
    baseUrl: env.CODECLOUD_API_URL,
    userAgent: 'codecloud-github-app',
    fetch: apiFetch(options, metrics, 'codecloud'),
    ...definedProps({ now: options.now }),
    ...extra,
  });
}

/** Cloud Coding: the stream is the run, held in this process; its end is recorded as a job like a webhook. */
function cloudCodingBackendFor(
  options: CodecloudAppOptions,
  clients: GitHubClients,
  holder: string,
  metrics: AppMetrics,
  hooks: Pick<CloudCodingAgentBackendOptions, 'onUpdate' | 'onFinished'>,
): CloudCodingAgentBackend | undefined {
  const { env, githubBaseUrl } = options.settings;
  if (!env.CLOUDCODING_API_KEY) return undefined;
  const { store } = options;
  return cloudCodingAgentBackend({
    client: new CloudCodingClient({
      apiKey: env.CLOUDCODING_API_KEY,
      baseUrl: env.CLOUDCODING_API_URL,
      fetch: apiFetch(options, metrics, 'cloudcoding'),
    }),
    githubToken: ({ installationId, repo }) => clients.repoToken(installationId, repo),
    serverUrl: githubBaseUrl ? githubBaseUrl.replace(/\/api\/v3$/, '') : 'https://github.com',
    threadIds: storeThreadIds(store),
    streamHolders: storeStreamHolders(store, holder),
    ...hooks,
    ...definedProps({ now: options.now }),
  });
}

async function botLoginOf(app: Probot): Promise<string> {
  const octokit = await app.auth();
  const { data } = await octokit.request('GET /app');
  return `${data?.slug ?? 'codecloud'}[bot]`;
}

export function codecloudApp(options: CodecloudAppOptions): ApplicationFunction {
  return async (app, { addHandler }) => {
    const { store, settings } = options;
    const now = options.now ?? Date.now;
    const figures = storeFigures({ store, log: app.log });
    const metrics = createAppMetrics(figures, settings.limitCeilings);
    const clients = gitHubClients(app, {
      knownSecrets: () => deps.knownSecrets,
      metrics,
      ...(options.privateKey && settings.env.APP_ID
        ? { appCredentials: { appId: String(settings.env.APP_ID), privateKey: options.privateKey } }
        : {}),
    });
    let wake = (): void => undefined;
    // This process, in the shared store: the reconciler's lease and the Cloud Coding streams it holds.
    const holder = `app-${process.pid}-${randomUUID()}`;
    let progress: CloudCodingProgress | undefined;
    const cloudCoding = cloudCodingBackendFor(options, clients, holder, metrics, {
      onUpdate: (remoteRunId, state) => progress?.onUpdate(remoteRunId, state),
      onFinished: (remoteRunId) => {
        void (async () => {
          await progress?.settled(remoteRunId);
          const view = await cloudCoding?.get(remoteRunId);
          if (view) await recordCloudCodingFinished({ store, wake: () => wake(), now }, remoteRunId, view);
        })().catch((error: unknown) => app.log.error(`recording a Cloud Coding end: ${String(error)}`));
      },
    });
    const codecloudClient = codecloudClientFor(options, metrics);
    const codecloud = codecloudClient
      ? codecloudBackend({
          client: codecloudClient,
          // A create whose answer is lost is looked up, never sent again (the orchestration keeps looking).
          createClient: codecloudClientFor(options, metrics, { retries: 0 }),
          webhookUrl: settings.codecloudWebhookUrl,
        })
      : undefined;
    const loadConfig = configLoader(
      (installationId, owner, repo, options) => clients.loadConfig(installationId, owner, repo, options),
      describeConfigLoadError,
    );
    const deps: RunDeps = {
      store,
      backends: definedProps({ codecloud, cloudcoding: cloudCoding }),
      schedules: codecloudClient,
      github: (installationId) => clients.api(installationId),
      checks: (installationId) => clients.checks(installationId),
      loadConfig: (installationId, owner, repo, options) => loadConfig(installationId, owner, repo, options),
      installationOf: (owner, repo) => clients.installationOf(owner, repo),
      renewToken: (installationId) => clients.renewToken(installationId),
      botLogin: await botLoginOf(app),
      // Posted and logged text never shows these (the redactor ignores values too short to be secrets).
      knownSecrets: settings.knownSecrets,
      now,
      metrics,
      log: redactingLog(app.log, () => deps.knownSecrets),
      wake: () => wake(),
      holder,
      limitCeilings: settings.limitCeilings,
    };

    const worker = new JobWorker({
      store,
      log: deps.log,
      metrics,
      now,
      handlers: jobHandlers({
        [JOB_COMMAND]: (trigger, job) => handleCommandJob(deps, trigger, { attempt: job.attempts }),
        [JOB_CODECLOUD_EVENT]: (payload) =>
          handleCodecloudEventJob(deps, payload, {
            bodiesVerified: settings.codecloudWebhookSecrets.length > 0,
          }),
        [JOB_RELAY_COMPLETION]: (payload) => handleRelayJob(deps, payload),
        [JOB_RELAY_SCHEDULE]: (payload) => handleScheduleRelayJob(deps, payload),
        [JOB_BACKEND_FINISHED]: (payload) => handleCloudCodingFinishedJob(deps, payload),
        [JOB_PUSH]: (push) =>
          handlePushJob(
            {
              schedules: codecloudClient,
              loadConfig,
              webhookUrl: settings.codecloudWebhookUrl,
              store,
              now,
              log: app.log,
            },
            push,
          ),
        [JOB_DRAIN]: ({ installationId }) => drainInstallation(deps, installationId),
        [JOB_LOOK_UP_CREATE]: (payload) => lookUpLostCreate(deps, payload),
        [JOB_AUTOFIX_CI]: (payload, job) => handleAutofixCiJob(deps, payload, job),
        [JOB_AUTOFIX_PUSH]: (push) => handleAutofixPushJob(deps, push),
        [JOB_AUTOFIX_REVIEW]: (review) => handleAutofixReviewJob(deps, review),
        [JOB_STOP_BUTTON]: (click) => handleStopButtonJob(deps, click),
      }),
    });
    wake = () => worker.wake();
    progress = cloudCoding ? cloudCodingProgress(deps, () => cloudCoding) : undefined;

    // What the webhook routes record while GitHub or codecloud waits for the answer goes through the store's intake
    // lane: on PostgreSQL, connections the job worker's queries never hold.
    const intake: RunDeps = { ...deps, store: store.intake() };
    const receiveGitHub = githubWebhookDispatch({
      recordCommand: (trigger) => recordCommandTrigger(intake, trigger),
      recordPush: (push) => recordPush(intake, push),
      recordCheckSuite: (trigger) => recordCheckSuite(intake, trigger),
      recordBranchPush: (push) => recordBranchPush(intake, push),
      recordChangesRequested: (review) => recordChangesRequested(intake, review),
      recordStopButton: (click) => recordStopButton(intake, click),
      permissionsAccepted: (installationId) => permissionsAccepted(intake, installationId),
      configPushed: (push) => clients.configPushed(push),
      log: deps.log,
    });
    // `npm start` (app/main.ts) answers GitHub's webhooks with the route below, without Probot's per-event Octokit;
    // under `probot run`, Probot's middleware answers them first and hands each delivery over here.
    app.onAny((context) => receiveGitHub({ id: context.id, name: context.name, payload: context.payload }));
    void warmUpDeliveryParsers().catch((error: unknown) => app.log.warn(`parser warm-up: ${String(error)}`));
    // Unverified webhook bodies held at once, over both webhook routes.
    const budget = bodyBudget(settings.env.WEBHOOK_BODY_BUDGET_BYTES);
    const githubRoute = settings.env.WEBHOOK_SECRET
      ? githubWebhookRoute({
          budget,
          secret: settings.env.WEBHOOK_SECRET,
          path: settings.env.WEBHOOK_PATH,
          receive: receiveGitHub,
          log: deps.log,
          metrics,
        })
      : undefined;
    if (githubRoute) addHandler(githubRoute);

    addHandler(
      healthRoute(async () => {
        if (!(await store.ping())) throw new Error('the store does not answer');
      }),
    );
    const waits = appWaitRoute({
      publicUrl: settings.env.PUBLIC_URL,
      issuer: settings.env.ACTIONS_OIDC_ISSUER,
      readRun: codecloudClient ? (id) => codecloudClient.getRun(id) : undefined,
      completionSigns: (ids) => store.completionSigns(ids),
      isInstalledRepository: installedRepositories(clients),
      knownSecrets: () => deps.knownSecrets,
      log: app.log,
    });
    addHandler(
      codecloudWebhookRoute({
        budget,
        secrets: settings.codecloudWebhookSecrets,
        // Unsigned events (no CODECLOUD_WEBHOOK_SECRET) are stored only for runs the App started or someone with a
        // checked token waits on.
        knowsRun: async (remoteRunId) =>
          waits.waitsOn(remoteRunId) || (await intake.store.getRunByRemoteId(remoteRunId)) !== null,
        record: async (event) => {
          await recordCodecloudEvent(intake, event);
          waits.recorded(event);
        },
        log: deps.log,
        metrics,
      }),
    );
    addHandler(waits.handle);
    addHandler(
      metricsRoute({
        scrape: () => metrics.scrape(),
        contentType: metrics.registry.contentType,
        token: settings.env.METRICS_TOKEN,
        log: deps.log,
      }),
    );
    const { GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET } = settings.env;
    addHandler(
      GITHUB_CLIENT_ID && GITHUB_CLIENT_SECRET
        ? dashboardRoute({
            clientId: GITHUB_CLIENT_ID,
            clientSecret: GITHUB_CLIENT_SECRET,
            webUrl: settings.githubWebUrl,
            apiUrl: settings.githubBaseUrl ?? 'https://api.github.com',
            publicUrl: settings.env.PUBLIC_URL,
            store,
            stop: (run, login) => stopFromDashboard(deps, run, login),
            limits: usageLimitsOf(settings.env),
            log: deps.log,
            now,
            ...definedProps({ fetch: options.fetch }),
          })
        : dashboardDisabledRoute(),
    );

    worker.start();
    // The store's figures are read once now, so the first scrape does not wait for them.
    void figures.refresh();
    const reconciler: Reconciler = startReconciler(deps, {
      intervalMs: settings.env.RECONCILE_INTERVAL_SECONDS * 1000,
      holder,
    });
    options.onReady?.({
      deps,
      githubWebhookRoute: githubRoute,
      async stop() {
        waits.close();
        // Both wait only a moment (`STOP_GRACE_MS`): what they leave is resumed by the next start or another replica.
        await Promise.all([reconciler.stop(), worker.stop()]);
        cloudCoding?.closeAll('the app is shutting down');
      },
    });
  };
}

/** How long the answer to "is the App installed on this repository (with this id)?" is kept. */
const INSTALLED_REPOSITORY_TTL_MS = 5 * 60_000;

/**
 * The wait route's check, asked of GitHub with the App's own credentials (never codecloud): the App is installed on
 * `owner/repo`, and the repository's id is the token's `repository_id` (a repository deleted and created again under
 * the same name is another repository). Answers are kept a few minutes, so a stranger asking again costs nothing.
 */
function installedRepositories(clients: GitHubClients) {
  const known = new Map<string, { installed: boolean; at: number }>();
  return async (repository: string, repositoryId: string | undefined): Promise<boolean> => {
    const key = `${repository.toLowerCase()}#${repositoryId ?? ''}`;
    const at = Date.now();
    const found = known.get(key);
    if (found && at - found.at < INSTALLED_REPOSITORY_TTL_MS) return found.installed;
    const [owner, name] = repository.split('/');
    let installed = false;
    if (owner && name) {
      const installationId = await clients.installationOf(owner, name);
      installed =
        installationId !== null &&
        (repositoryId === undefined ||
          String(await clients.repositoryIdOf(installationId, owner, name)) === repositoryId);
    }
    if (known.size > 10_000) known.clear();
    known.set(key, { installed, at });
    return installed;
  };
}

/** For `probot run app/index.ts`: settings and store from the environment. */
const appFromEnvironment: ApplicationFunction = async (app, appOptions) => {
  const settings = parseAppEnv(process.env);
  const store = await openStore({ databaseUrl: settings.env.DATABASE_URL, dataDir: settings.env.DATA_DIR });
  await store.migrate();
  await codecloudApp({ store, settings })(app, appOptions);
};
export default appFromEnvironment;

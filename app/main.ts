/**
 * `npm start`: parse the environment (docs/operations.md, Environment), open and migrate the store, serve Probot on HOST/PORT (PORT=0
 * picks a free port, printed as `codecloud app listening on http://HOST:PORT`), run the worker and the reconciler,
 * and shut down cleanly on SIGTERM/SIGINT. A `.env` file in the working directory is loaded first (variables already
 * set win). Without APP_ID it serves only Probot's setup flow, which registers the app from `app.yml` and writes
 * `.env`; the app itself is never served without its store.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Probot, run, Server } from 'probot';
import { messageOf } from '../src/error-messages.js';
import { appLogger } from '../src/logging/app-logger.js';
import { definedProps } from '../src/objects.js';
import { redactSecrets } from '../src/redact.js';
import { routeFirst } from '../src/server/route-first.js';
import { openStore } from '../src/store/open-store.js';
import { type AppSettings, parseAppEnv, requireServingEnv } from './env.js';
import { type AppRuntime, codecloudApp } from './index.js';

function privateKeyOf(settings: AppSettings): string {
  const { PRIVATE_KEY, PRIVATE_KEY_PATH } = settings.env;
  if (PRIVATE_KEY) {
    // A single-line .env value may be base64 or carry literal "\n".
    if (PRIVATE_KEY.includes('-----BEGIN')) return PRIVATE_KEY.replace(/\\n/g, '\n');
    return Buffer.from(PRIVATE_KEY, 'base64').toString('utf8');
  }
  if (PRIVATE_KEY_PATH) return readFileSync(PRIVATE_KEY_PATH, 'utf8');
  throw new Error('PRIVATE_KEY or PRIVATE_KEY_PATH is required when APP_ID is set; refusing to start');
}

/** Loads `./.env` like Probot does, before anything reads the environment; set variables are not overridden. */
function loadDotEnv(path = '.env'): void {
  if (!existsSync(path)) return;
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new Error(`${path} could not be read: ${messageOf(error)}`);
  }
}

/**
 * Probot's `Server` puts Probot's webhook middleware before every handler the app adds, and that middleware builds
 * an authenticated Octokit and a Context for each delivery. The app answers the webhook path with its own route
 * (`src/server/github-webhook-route.ts`, added in `app/index.ts`), so Probot's middleware here passes every request on.
 */
class ProbotWithoutWebhookMiddleware extends Probot {
  override async getNodeMiddleware(): ReturnType<Probot['getNodeMiddleware']> {
    return async () => false;
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  const settings = parseAppEnv(process.env);
  const { env } = settings;
  if (!env.APP_ID) {
    // Probot's setup flow only: a page that registers the GitHub App from app.yml and writes .env; restart after.
    // Its app function is never called in setup mode, and the real app is never served here without a store.
    await run(() => undefined);
    process.stdout.write(
      'codecloud app: APP_ID is not set; serving the GitHub App setup page only (restart once .env is written)\n',
    );
    return;
  }
  requireServingEnv(settings);
  // The one logger: Probot's lines (its server's request lines, Octokit's), the app's and a crash's stack all go
  // through the redactor on their way out.
  const log = appLogger({
    level: env.LOG_LEVEL,
    format: settings.logFormat,
    knownSecrets: () => settings.knownSecrets,
  });
  knownSecrets = settings.knownSecrets;
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  await store.migrate();

  const privateKey = privateKeyOf(settings);
  const ProbotWithDefaults = ProbotWithoutWebhookMiddleware.defaults({
    appId: env.APP_ID,
    privateKey,
    secret: env.WEBHOOK_SECRET,
    logLevel: env.LOG_LEVEL,
    log,
    ...definedProps({ baseUrl: settings.githubBaseUrl }),
  });
  // Probot's Server would otherwise log through its own logger at `info` (every request, pretty-printed), whatever
  // LOG_LEVEL says: it gets the app's logger.
  const server = new Server({
    Probot: ProbotWithDefaults,
    log,
    host: env.HOST,
    // Probot's Server reads `port || 3000`, so 0 would become 3000; Node's listen takes the string "0" as 0.
    port: env.PORT === 0 ? ('0' as unknown as number) : env.PORT,
    webhookPath: env.WEBHOOK_PATH,
    ...definedProps({ webhookProxy: env.WEBHOOK_PROXY_URL }),
  });

  let runtime: AppRuntime | undefined;
  await server.load(
    codecloudApp({
      store,
      settings,
      privateKey,
      onReady: (ready) => {
        runtime = ready;
      },
    }),
  );
  const httpServer = await server.start();
  // Probot's Server makes a pino-http child logger for every request before its handlers run: GitHub's webhooks,
  // the burst-prone path, go to the app's route first; every other request goes to Probot's Server as before.
  if (runtime?.githubWebhookRoute) routeFirst(httpServer, runtime.githubWebhookRoute, runtime.deps.log);
  process.stdout.write(`codecloud app listening on http://${server.host}:${server.port}\n`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`codecloud app: ${signal}, shutting down\n`);
    const done = (async () => {
      // No new connections from here on; requests under way are answered (and recorded) while the worker and the
      // reconciler stop, within a second or so; idle keep-alive connections are then closed (one still answering is
      // left to finish, within the forced exit below).
      const serverStopped = server.stop().catch(() => undefined);
      await runtime?.stop();
      httpServer.closeIdleConnections();
      await serverStopped;
      await store.close();
    })();
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    done.then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`codecloud app: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Set once the environment is read: a start-up failure's message is redacted with them too. */
let knownSecrets: readonly string[] = [];

main().catch((error: unknown) => {
  process.stderr.write(`codecloud app: ${redactSecrets(messageOf(error), knownSecrets)}\n`);
  process.exit(1);
});

// Starts the real app as `npm start` does (a child process running app/main.ts through tsx) against an in-process
// fake GitHub and codecloud simulator, all on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FakeGitHub,
  type FakeGitHubControl,
  type FakeGitHubState,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/simulator.js';

export const WEBHOOK_SECRET = 'github-webhook-secret';
export const CODECLOUD_SECRET = 'codecloud-webhook-secret';

export interface AppProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Harness {
  github: FakeGitHub;
  gh: FakeGitHubControl;
  sim: Simulator;
  app: AppProcess;
  dataDir: string;
  port: number;
  env: Record<string, string>;
  /** Starts the app again (after `app.stop()`), same DATA_DIR and port. */
  restart(): Promise<AppProcess>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How the app is started: from source through tsx (tests), or `['build/app/main.js']` as in production (benches). */
export const APP_FROM_SOURCE = ['--import', 'tsx', 'app/main.ts'];

export async function startApp(
  env: Record<string, string>,
  timeoutMs = 30_000,
  args: readonly string[] = APP_FROM_SOURCE,
  launcher: readonly string[] = [],
  cwd: string = process.cwd(),
): Promise<AppProcess> {
  // A launcher (e.g. `unshare --pid --fork`) runs node as its command: then `child` is the launcher.
  const [command, ...prefix] = [...launcher, process.execPath];
  const child = spawn(command ?? process.execPath, [...prefix, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const check = (): void => {
      const match = /codecloud app listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface HarnessOptions {
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /** Node arguments that start the app (default `APP_FROM_SOURCE`). */
  appArgs?: readonly string[];
  /** A command that runs node for the app (default none: node is started directly). */
  launcher?: readonly string[];
}

/**
 * The environment of an app process against the fake GitHub and the simulator on 127.0.0.1 (codecloud only; the
 * webhooks signed with `WEBHOOK_SECRET` and `CODECLOUD_SECRET`). `publicUrl` defaults to the app's own address.
 */
export function appEnv(options: {
  privateKey: string;
  githubUrl: string;
  simUrl: string;
  port: number;
  dataDir: string;
  publicUrl?: string;
}): Record<string, string> {
  return {
    APP_ID: '1',
    PRIVATE_KEY: options.privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: new URL(options.githubUrl).host,
    GHE_PROTOCOL: 'http',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    CODECLOUD_API_KEY: 'test-key',
    CODECLOUD_API_URL: options.simUrl,
    CODECLOUD_WEBHOOK_SECRET: CODECLOUD_SECRET,
    PUBLIC_URL: options.publicUrl ?? `http://127.0.0.1:${options.port}`,
    DATA_DIR: options.dataDir,
    NODE_ENV: 'test',
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const key = generateAppKey();
  const github = await startFakeGitHub({
    appId: 1,
    appPublicKey: key.publicKey,
    webhookSecret: WEBHOOK_SECRET,
  });
  const sim = await startSimulator({
    timeFactor: 20,
    webhookSecret: CODECLOUD_SECRET,
    githubUrl: github.url,
    ...options.sim,
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'codecloud-app-e2e-'));
  const port = await freePort();
  const env: Record<string, string> = {
    ...appEnv({ privateKey: key.privateKey, githubUrl: github.url, simUrl: sim.url, port, dataDir }),
    CLOUDCODING_API_KEY: 'test-key',
    CLOUDCODING_API_URL: sim.url,
    RECONCILE_INTERVAL_SECONDS: '2',
    ...options.env,
  };
  let app = await startApp(env, 30_000, options.appArgs, options.launcher);
  const gh = fakeGitHubControl(github.url);
  await gh.setWebhook({ url: `${app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
  const harness: Harness = {
    github,
    gh,
    sim,
    get app() {
      return app;
    },
    dataDir,
    port,
    env,
    async restart() {
      app = await startApp(env, 30_000, options.appArgs, options.launcher);
      return app;
    },
    async close() {
      await app.stop().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await github.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  return harness;
}

/** The app's login in the fake GitHub. */
export const BOT = 'codecloud[bot]';
export type Comment = FakeGitHubState['comments'][number];

/** The app's comments on `repo` (only on issue or pull request `number` when given), oldest first. */
export function botComments(state: FakeGitHubState, repo: string, number?: number): Comment[] {
  return state.comments.filter(
    (c) => c.repo === repo && c.user === BOT && (number === undefined || c.number === number),
  );
}

let repoCounter = 0;

/** A fresh repository on its own installation (so tests don't share a write queue), with a write collaborator. */
export async function freshRepo(
  gh: FakeGitHubControl,
  files: Record<string, string> = {},
): Promise<{ repo: string; owner: string; name: string; installationId: number }> {
  repoCounter += 1;
  const installationId = 100 + repoCounter + Math.floor(Math.random() * 1000) * 100;
  const name = `repo${repoCounter}-${Math.random().toString(36).slice(2, 7)}`;
  const created = await gh.createRepo({ owner: 'acme', name, installationId, private: true });
  await gh.createUser({ login: 'alice' });
  await gh.setPermission({ repo: created.full_name, user: 'alice', permission: 'write' });
  for (const [path, content] of Object.entries(files))
    await gh.putFile({ repo: created.full_name, path, content });
  return { repo: created.full_name, owner: 'acme', name, installationId };
}

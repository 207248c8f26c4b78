// The README's install path: `npm start` in a directory whose `.env` holds the settings (as Probot's setup flow
// writes it). The app must read `.env` before deciding what to serve, and refuse a `.env` it cannot serve from.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeGitHub,
  type FakeGitHubControl,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { freePort, freshRepo, WEBHOOK_SECRET } from './app-harness.js';

const MAIN = resolve('app/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `npm start` in `cwd`, with nothing in the environment but PATH: every setting comes from `cwd/.env`. */
function startIn(cwd: string): Started {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(started: Started, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(started.output());
    if (match) return match[1] ?? match[0];
    if (started.child.exitCode !== null) throw new Error(`app exited:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${pattern} in ${timeoutMs} ms:\n${started.output()}`);
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
  await started.exited;
  clearTimeout(timer);
}

const dotEnv = (vars: Record<string, string>): string =>
  Object.entries(vars)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');

describe('App start-up from a .env file (real process)', () => {
  let github: FakeGitHub;
  let gh: FakeGitHubControl;
  let sim: Simulator;
  let key: { privateKey: string; publicKey: string };
  const dirs: string[] = [];
  const processes: Started[] = [];

  beforeAll(async () => {
    key = generateAppKey();
    github = await startFakeGitHub({ appId: 1, appPublicKey: key.publicKey, webhookSecret: WEBHOOK_SECRET });
    sim = await startSimulator({ timeFactor: 20, githubUrl: github.url });
    gh = fakeGitHubControl(github.url);
  });
  afterAll(async () => {
    for (const started of processes) await stop(started).catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await github?.close().catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  });

  async function appDir(vars: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'codecloud-app-dotenv-'));
    dirs.push(dir);
    await writeFile(join(dir, '.env'), `${dotEnv({ DATA_DIR: join(dir, 'data'), ...vars })}\n`);
    return dir;
  }

  const appVars = (): Record<string, string> => ({
    APP_ID: '1',
    // One line, as Probot's setup writes it (base64 is accepted as well as literal "\n").
    PRIVATE_KEY: Buffer.from(key.privateKey).toString('base64'),
    GHE_HOST: new URL(github.url).host,
    GHE_PROTOCOL: 'http',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CODECLOUD_API_KEY: 'test-key',
    CODECLOUD_API_URL: sim.url,
  });

  it('without APP_ID in .env serves only the setup page: a webhook reaches no app without a store', async () => {
    const port = await freePort();
    const started = startIn(await appDir({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' }));
    processes.push(started);
    await waitForOutput(started, /serving the GitHub App setup page only/);
    const setup = await fetch(`http://127.0.0.1:${port}/probot`, { redirect: 'manual' });
    expect(setup.status).toBeLessThan(500);
    const hook = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd-1' },
      body: '{}',
    });
    expect(hook.status).not.toBe(202);
    expect(started.output()).not.toMatch(/TypeError|claimJobs|listening on/);
    await stop(started);
  });

  it('refuses a .env without WEBHOOK_SECRET, naming it, and serves nothing', async () => {
    const started = startIn(await appDir(appVars()));
    processes.push(started);
    const code = await started.exited;
    expect(code).toBe(1);
    expect(started.output()).toContain('WEBHOOK_SECRET is required');
    expect(started.output()).not.toMatch(/listening/);
  });

  it('refuses a .env with only CLOUDCODING_API_KEY, naming CODECLOUD_API_KEY', async () => {
    const { CODECLOUD_API_KEY: _unused, ...vars } = appVars();
    const started = startIn(await appDir({ ...vars, WEBHOOK_SECRET, CLOUDCODING_API_KEY: 'cc-key' }));
    processes.push(started);
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('CODECLOUD_API_KEY is required');
  });

  it('serves the real app, store and all, from .env on PORT=0: /healthz, a command, a clean SIGTERM', async () => {
    const started = startIn(await appDir({ ...appVars(), WEBHOOK_SECRET, PORT: '0' }));
    processes.push(started);
    const url = await waitForOutput(started, /codecloud app listening on (http:\/\/\S+)/);
    // PORT=0 picks a free port, and the bound one is printed.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$|:3000$/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    await gh.setWebhook({ url: `${url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
    const { repo } = await freshRepo(gh);
    const issue = await gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    await gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
    const comment = await gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === 'codecloud[bot]'),
      { timeoutMs: 15_000 },
    );
    // The app's own id until codecloud's run id is known.
    expect(comment.body).toMatch(/<!-- codecloud:(run|pending)=/);
    expect(started.output()).not.toMatch(/TypeError|claimJobs/);
    // SIGTERM: a clean shutdown (worker stopped, store closed) exits 0.
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('SIGTERM, shutting down');
  });
});

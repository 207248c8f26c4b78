// `npm start` and restarts: a SIGTERM to the npm process reaches the app, and npm exits only once the app has
// stopped, so the DATA_DIR is free for the next process the moment npm is gone.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, generateAppKey, startFakeGitHub } from '../../fake-github/fake-github.js';
import { freePort } from './app-harness.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not listening in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const seen = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('codecloud app listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output}`));
    });
  });
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', r));

describe('npm start', () => {
  let github: FakeGitHub;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    const key = generateAppKey();
    github = await startFakeGitHub({ appId: 1, appPublicKey: key.publicKey, webhookSecret: 's' });
    dataDir = await mkdtemp(join(tmpdir(), 'codecloud-npm-start-'));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      APP_ID: '1',
      PRIVATE_KEY: key.privateKey,
      WEBHOOK_SECRET: 's',
      CODECLOUD_API_KEY: 'k',
      GHE_HOST: new URL(github.url).host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
    };
  });
  afterAll(async () => {
    await github?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('waits for the app to stop on SIGTERM, leaving DATA_DIR free for the next start', async () => {
    const npm = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await listening(npm, 90_000); // the first start may compile build/
    const [appPid] = execFileSync('ps', ['-o', 'pid=', '--ppid', String(npm.pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(appPid).toBeGreaterThan(0);
    npm.kill('SIGTERM');
    expect(await exitOf(npm)).toBe(0);
    // npm is gone only after the app: nothing holds DATA_DIR, and a new process starts on it at once.
    expect(isAlive(appPid ?? 0)).toBe(false);
    const next = spawn(process.execPath, ['build/app/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await listening(next, 30_000);
    } finally {
      next.kill('SIGTERM');
      await exitOf(next);
    }
  }, 150_000);
});

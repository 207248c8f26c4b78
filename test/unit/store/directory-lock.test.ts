/**
 * The DATA_DIR lock: an operating-system lock, so a restart takes over at once from a holder that died however it
 * died (a zombie not yet reaped among them), a running holder is refused at once, and a holder that is exiting is
 * waited for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireDirectoryLock, lockFiles, type ProcessProbe } from '../../../src/store/directory-lock.js';

const HOLDER = join(import.meta.dirname, 'fixtures', 'lock-holder.ts');

/** A machine where process 1000 is us; `running` maps running pids to their start ticks. */
function probe(running: Record<number, number> = {}): ProcessProbe {
  return {
    pid: 1000,
    startTicks: (pid) => (pid === 1000 ? 500 : running[pid]),
    isRunning: (pid) => pid === 1000 || pid in running,
  };
}

/** The state letter of a process (`/proc/<pid>/stat` field 3), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

describe('DATA_DIR lock', () => {
  let dir: string;
  let path: string;
  let count = 0;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codecloud-lock-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const freshPath = () => {
    count += 1;
    path = join(dir, `lock-${count}`);
    return path;
  };
  const noteOf = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

  /** Starts a holder (`command` wraps it, e.g. in a shell) and resolves with its pid once it holds the lock. */
  const startHolder = (lockPath: string, args: string[] = [], command?: (argv: string[]) => string[]) => {
    const argv = [process.execPath, '--import', 'tsx', HOLDER, lockPath, ...args];
    const [file = '', ...rest] = command ? command(argv) : argv;
    const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return new Promise<number>((resolve, reject) => {
      let output = '';
      let errors = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /locked (\d+)\n/.exec(output);
        if (match?.[1]) resolve(Number(match[1]));
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
      });
      child.once('exit', (code) =>
        reject(new Error(`the holder exited (${code}) before locking: ${errors}`)),
      );
    });
  };

  it('notes pid and start time; a second acquire by this process is refused until released', async () => {
    const lock = await acquireDirectoryLock(freshPath(), { probe: probe() });
    expect(await noteOf(path)).toEqual({ pid: 1000, startTicks: 500 });
    await expect(acquireDirectoryLock(path, { probe: probe() })).rejects.toThrow(
      /already held by this process/,
    );
    await lock.release();
    await expect(stat(path)).rejects.toThrow();
    // The lock database stays: removing a file someone may be locking would let two processes lock two files.
    expect(await stat(lockFiles(path).database)).toBeTruthy();
    const again = await acquireDirectoryLock(path, { probe: probe() });
    await again.release();
    await again.release();
  });

  it('a note left behind decides nothing: a free lock is taken whoever the note names', async () => {
    const notes = [
      JSON.stringify({ pid: 1000, startTicks: 500 }),
      JSON.stringify({ pid: 4242, startTicks: 77 }),
      '4242\n',
      '{not json',
      '',
    ];
    for (const note of notes) {
      await writeFile(freshPath(), note);
      const startedAt = Date.now();
      const lock = await acquireDirectoryLock(path, { probe: probe({ 4242: 77 }) });
      expect(Date.now() - startedAt).toBeLessThan(1_000);
      expect(await noteOf(path)).toMatchObject({ pid: 1000 });
      await lock.release();
    }
  });

  it('refuses a running holder at once, naming it and the remedy', async () => {
    const holderPid = await startHolder(freshPath());
    expect(await noteOf(path)).toMatchObject({ pid: holderPid });
    const startedAt = Date.now();
    await expect(acquireDirectoryLock(path)).rejects.toThrow(
      new RegExp(`held by process ${holderPid}: only one app process may use a DATA_DIR.*DATABASE_URL`),
    );
    // At once: not after the wait a dying holder gets.
    expect(Date.now() - startedAt).toBeLessThan(2_500);
  }, 30_000);

  it('takes over at once from a SIGKILLed holder that is still a zombie (dead, not yet reaped)', async () => {
    // The shell starts the holder, then becomes `sleep`, which never reaps it: killed, it stays a zombie.
    const holderPid = await startHolder(freshPath(), [], (argv) => [
      'sh',
      '-c',
      `${argv.map((arg) => `'${arg}'`).join(' ')} & exec sleep 60`,
    ]);
    process.kill(holderPid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (processState(holderPid) !== 'Z') {
      if (Date.now() > deadline)
        throw new Error(`the holder never became a zombie: ${processState(holderPid)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // /proc still shows the pid, and the note still names it.
    expect(await noteOf(path)).toMatchObject({ pid: holderPid });
    const startedAt = Date.now();
    const lock = await acquireDirectoryLock(path);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(processState(holderPid)).toBe('Z');
    expect(await noteOf(path)).toMatchObject({ pid: process.pid });
    await lock.release();
  }, 30_000);

  it('waits for a holder that is not running as the note says (exiting), and gives up after the wait', async () => {
    // The note names a process that is gone: the holder is on its way out, or has not written its note yet.
    await startHolder(freshPath(), ['1500']);
    await writeFile(path, JSON.stringify({ pid: 4242, startTicks: 77 }));
    await expect(acquireDirectoryLock(path, { waitMs: 300 })).rejects.toThrow(
      /held by another process \(still after 0 s\): only one app process/,
    );
    const startedAt = Date.now();
    const lock = await acquireDirectoryLock(path, { waitMs: 10_000 });
    expect(Date.now() - startedAt).toBeGreaterThan(200);
    await lock.release();
  }, 30_000);
});

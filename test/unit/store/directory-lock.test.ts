import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDirectoryLock, type ProcessProbe } from '../../../src/store/directory-lock.js';

/** A machine where process 1000 is us, booted as boot-a; `alive` maps live pids to their start ticks. */
function probe(alive: Record<number, number> = {}, bootId = 'boot-a'): ProcessProbe {
  return {
    pid: 1000,
    bootId: () => bootId,
    startTicks: (pid) => (pid === 1000 ? 500 : alive[pid]),
    isAlive: (pid) => pid === 1000 || pid in alive,
  };
}

describe('DATA_DIR lock', () => {
  let dir: string;
  let path: string;
  let count = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codecloud-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const freshPath = () => {
    count += 1;
    path = join(dir, `lock-${count}`);
    return path;
  };
  const holderOf = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

  it('records pid, boot id and start time; a second acquire by this process is refused until released', async () => {
    const lock = await acquireDirectoryLock(freshPath(), probe());
    expect(await holderOf(path)).toEqual({ pid: 1000, bootId: 'boot-a', startTicks: 500 });
    await expect(acquireDirectoryLock(path, probe())).rejects.toThrow(/already held by this process/);
    await lock.release();
    await expect(readFile(path, 'utf8')).rejects.toThrow();
    const again = await acquireDirectoryLock(path, probe());
    await again.release();
    await again.release();
  });

  it('takes over a lock naming our own pid that this process does not hold (a restarted PID 1)', async () => {
    await writeFile(freshPath(), JSON.stringify({ pid: 1000, bootId: 'boot-a', startTicks: 500 }));
    const lock = await acquireDirectoryLock(path, probe());
    expect(await holderOf(path)).toMatchObject({ pid: 1000 });
    await lock.release();
    // The format before this one: just the pid.
    await writeFile(path, '1000\n');
    await (await acquireDirectoryLock(path, probe())).release();
  });

  it('refuses a lock held by another live process, naming it and the remedy', async () => {
    await writeFile(freshPath(), JSON.stringify({ pid: 4242, bootId: 'boot-a', startTicks: 77 }));
    await expect(acquireDirectoryLock(path, probe({ 4242: 77 }))).rejects.toThrow(
      /held by process 4242: only one app process may use a DATA_DIR.*DATABASE_URL/,
    );
    await writeFile(path, '4242');
    await expect(acquireDirectoryLock(path, probe({ 4242: 77 }))).rejects.toThrow(/held by process 4242/);
  });

  it('takes over from a dead process, from before a reboot, and from a pid reused by a newer process', async () => {
    const cases: [string, ProcessProbe][] = [
      [JSON.stringify({ pid: 4242, bootId: 'boot-a', startTicks: 77 }), probe({})],
      [JSON.stringify({ pid: 4242, bootId: 'boot-old', startTicks: 77 }), probe({ 4242: 77 })],
      [JSON.stringify({ pid: 4242, bootId: 'boot-a', startTicks: 77 }), probe({ 4242: 90_000 })],
      ['4242', probe({})],
      ['{not json', probe({ 4242: 77 })],
      ['', probe({ 4242: 77 })],
    ];
    for (const [content, machine] of cases) {
      await writeFile(freshPath(), content);
      const lock = await acquireDirectoryLock(path, machine);
      expect(await holderOf(path)).toMatchObject({ pid: 1000 });
      await lock.release();
    }
  });

  it('on this machine: reads its own boot id and start time, and refuses a live parent process', async () => {
    const lock = await acquireDirectoryLock(freshPath());
    const mine = await holderOf(path);
    expect(mine.pid).toBe(process.pid);
    if (process.platform === 'linux') {
      expect(mine.bootId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isInteger(mine.startTicks)).toBe(true);
    }
    await lock.release();
    await writeFile(path, JSON.stringify({ pid: process.ppid }));
    await expect(acquireDirectoryLock(path)).rejects.toThrow(`held by process ${process.ppid}`);
  });
});

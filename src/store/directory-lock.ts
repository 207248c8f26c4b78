/**
 * A lock file so that only one process opens an embedded database directory, and a restart takes over at once from
 * a process that died holding it.
 *
 * The file records the holder's pid, the machine's boot id and the process's start time. A lock is stale, and taken
 * over, when its process is gone, when the machine rebooted since, when its pid now belongs to a process started at
 * another time, or when it names our own pid but this process does not hold it: a container whose app runs as PID 1
 * and was killed comes back as PID 1 again. Which locks this process holds is tracked in memory, never guessed from
 * the pid.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { z } from 'zod';

export interface DirectoryLock {
  release(): Promise<void>;
}

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /** The kernel's boot id when the lock was taken (Linux), or absent. */
  bootId?: string | undefined;
  /** The holder's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), or absent. */
  startTicks?: number | undefined;
}

/** How the lock sees processes; tests pass their own. */
export interface ProcessProbe {
  pid: number;
  bootId(): string | undefined;
  startTicks(pid: number): number | undefined;
  isAlive(pid: number): boolean;
}

const LockFile = z.object({
  pid: z.number().int().positive(),
  bootId: z.string().optional(),
  startTicks: z.number().int().nonnegative().optional(),
});

/** Lock files this process holds (resolved paths). */
const held = new Set<string>();

export async function acquireDirectoryLock(
  path: string,
  probe: ProcessProbe = systemProbe,
): Promise<DirectoryLock> {
  const key = resolve(path);
  if (held.has(key)) {
    throw new Error(
      `the embedded database lock ${path} is already held by this process: close the other store first`,
    );
  }
  const mine: LockHolder = {
    pid: probe.pid,
    bootId: probe.bootId(),
    startTicks: probe.startTicks(probe.pid),
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      held.add(key);
      return {
        release: async () => {
          if (!held.delete(key)) return;
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const holder = await readHolder(path);
      // Released between our open and our read: try again.
      if (holder === 'missing') continue;
      const live = holder === undefined ? undefined : liveHolder(holder, probe);
      if (live !== undefined) {
        throw new Error(
          `the embedded database lock ${path} is held by process ${live.pid}: only one app process may use a DATA_DIR ` +
            '(set DATABASE_URL to a PostgreSQL database to run several replicas)',
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not take the embedded database lock ${path}: other processes keep taking it`);
}

/** The holder when it is a live process other than this one; undefined when the lock is stale. */
function liveHolder(holder: LockHolder, probe: ProcessProbe): LockHolder | undefined {
  // Our own pid, but not a lock we hold (checked first): left by an earlier life of this pid.
  if (holder.pid === probe.pid) return undefined;
  const bootId = probe.bootId();
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) return undefined;
  if (!probe.isAlive(holder.pid)) return undefined;
  const startTicks = probe.startTicks(holder.pid);
  if (holder.startTicks !== undefined && startTicks !== undefined && holder.startTicks !== startTicks) {
    return undefined;
  }
  return holder;
}

/**
 * The lock file's holder; 'missing' when there is no file; undefined when it names nobody (stale): unreadable, or
 * still empty a moment later (its writer died between creating and writing it).
 */
async function readHolder(path: string): Promise<LockHolder | undefined | 'missing'> {
  for (let look = 0; look < 2; look += 1) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    if (text.trim() !== '') return parseLockFile(text);
    await setTimeout(EMPTY_LOCK_GRACE_MS);
  }
  return undefined;
}

/** How long a just-created, still empty lock file is given to be written. */
const EMPTY_LOCK_GRACE_MS = 200;

function parseLockFile(text: string): LockHolder | undefined {
  // Before the JSON format the file held just the pid.
  if (/^\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10) };
  try {
    const parsed = LockFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EEXIST';
}

const systemProbe: ProcessProbe = {
  pid: process.pid,
  bootId: () => readOrUndefined('/proc/sys/kernel/random/boot_id')?.trim() || undefined,
  startTicks: (pid) => {
    const stat = readOrUndefined(`/proc/${pid}/stat`);
    if (stat === undefined) return undefined;
    // Field 22 (starttime); fields 3… follow the command name in parentheses, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : undefined;
  },
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Only one process opens an embedded database directory, and a restart takes over at once from a process that died
 * holding it.
 *
 * The lock is the operating system's: an exclusive SQLite transaction (`BEGIN EXCLUSIVE`, file locks taken by SQLite
 * itself) on a small lock database, kept open for the holder's life. The kernel drops it the moment the holder dies,
 * however it dies, zombie or not: no pid, boot id or start time decides who holds it.
 *
 * A note next to it records the holder's pid and start time, for the message only, and to tell a live holder (refused
 * at once) from one that is exiting or just starting (waited for, a few seconds, before giving up). Which locks this
 * process holds is tracked in memory.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout } from 'node:timers/promises';
import { z } from 'zod';

export interface DirectoryLock {
  release(): Promise<void>;
}

/** What the note says about the holder. */
export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), or absent. */
  startTicks?: number | undefined;
}

/** How the lock sees processes; tests pass their own. */
export interface ProcessProbe {
  pid: number;
  startTicks(pid: number): number | undefined;
  /** The process exists and is not exiting (a zombie counts as exiting). */
  isRunning(pid: number): boolean;
}

export interface LockOptions {
  /** How long a held lock whose holder is not a running process is waited for; 5 s unless told. */
  waitMs?: number;
  probe?: ProcessProbe;
}

/** The lock database and the note, for a lock at `path`. */
export function lockFiles(path: string): { database: string; note: string } {
  return { database: `${path}.db`, note: path };
}

const Note = z.object({
  pid: z.number().int().positive(),
  startTicks: z.number().int().nonnegative().optional(),
});

/** Locks this process holds (resolved paths). */
const held = new Set<string>();

const DEFAULT_WAIT_MS = 5_000;
const RETRY_MS = 100;

/**
 * Takes the lock at `path` (the note; the lock database is `<path>.db`). Refuses at once when a running process
 * holds it; waits up to `waitMs` for a holder that is exiting, or not yet named in the note.
 */
export async function acquireDirectoryLock(path: string, options: LockOptions = {}): Promise<DirectoryLock> {
  const probe = options.probe ?? systemProbe;
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const key = resolve(path);
  if (held.has(key)) {
    throw new Error(
      `the embedded database lock ${path} is already held by this process: close the other store first`,
    );
  }
  const { database, note } = lockFiles(path);
  const { DatabaseSync } = await import('node:sqlite');
  const deadline = Date.now() + waitMs;
  for (;;) {
    const db = tryLock(new DatabaseSync(database, { timeout: 0 }));
    if (db !== undefined) {
      held.add(key);
      try {
        const mine: LockHolder = { pid: probe.pid, startTicks: probe.startTicks(probe.pid) };
        await writeFile(note, `${JSON.stringify(mine)}\n`);
      } catch (error) {
        held.delete(key);
        db.close();
        throw error;
      }
      return {
        release: async () => {
          if (!held.delete(key)) return;
          try {
            await rm(note, { force: true });
          } finally {
            db.close();
          }
        },
      };
    }
    const holder = await readNote(note);
    const running = holder !== undefined && holder.pid !== probe.pid && isSameProcess(holder, probe);
    if (running || Date.now() >= deadline) {
      throw new Error(
        `the embedded database lock ${path} is held by ${running ? `process ${holder.pid}` : 'another process'}` +
          `${running ? '' : ` (still after ${Math.round(waitMs / 1000)} s)`}: only one app process may use a ` +
          'DATA_DIR (set DATABASE_URL to a PostgreSQL database to run several replicas)',
      );
    }
    await setTimeout(RETRY_MS);
  }
}

/** The open connection holding the lock, or undefined (closed) when another connection holds it. */
function tryLock(db: DatabaseSync): DatabaseSync | undefined {
  try {
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
}

/** SQLITE_BUSY (5) or SQLITE_LOCKED (6): the lock is held. */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === 'number' && [5, 6].includes(code & 0xff);
}

/** The note's process is still the one that wrote it, and is running. */
function isSameProcess(holder: LockHolder, probe: ProcessProbe): boolean {
  if (!probe.isRunning(holder.pid)) return false;
  const startTicks = probe.startTicks(holder.pid);
  return holder.startTicks === undefined || startTicks === undefined || holder.startTicks === startTicks;
}

/** The note's holder; undefined when there is no note or it names nobody (stale or being written). */
async function readNote(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Before this note format the file held just the pid.
  if (/^\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10) };
  try {
    const parsed = Note.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const systemProbe: ProcessProbe = {
  pid: process.pid,
  startTicks: (pid) => {
    const fields = statFields(pid);
    const ticks = Number(fields?.[19]);
    return Number.isSafeInteger(ticks) ? ticks : undefined;
  },
  isRunning: (pid) => {
    const fields = statFields(pid);
    // Z: a zombie, dead but not yet reaped; X: being removed.
    if (fields !== undefined) return fields[0] !== 'Z' && fields[0] !== 'X';
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

/** `/proc/<pid>/stat` from field 3 (state) on, or undefined (no such process, or not Linux). */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name, in parentheses, may contain spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Makes the embedded store's commits durable off the event loop. SQLite runs with `synchronous = NORMAL` in WAL mode:
 * a commit only writes its frames to the `-wal` file (a process that is killed loses nothing: the operating system
 * has them), and SQLite syncs the WAL itself before each checkpoint. What a power cut could still lose is the
 * commits since the last sync, so before a write is reported done the WAL is `fdatasync`ed here, on libuv's thread
 * pool instead of inside the synchronous COMMIT. Writes that finish while a sync is under way share the next one.
 */
import { open } from 'node:fs/promises';

export interface WalSync {
  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void>;
  /** Waits for the syncs under way, then lets the file go. */
  close(): Promise<void>;
}

export function walSync(walPath: string): WalSync {
  let handle: ReturnType<typeof open> | undefined;
  /** The sync under way, and the one queued behind it for commits made meanwhile. */
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const syncNow = async (): Promise<void> => {
    // The WAL exists once the first write is committed; the handle stays on it (checkpoints reuse the same file).
    handle ??= open(walPath, 'r');
    const file = await handle.catch((error: unknown) => {
      handle = undefined;
      // No WAL (yet, or no more after a clean close's checkpoint): no commit is waiting in one.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    await file?.datasync();
  };
  const start = (): Promise<void> => {
    const current = syncNow().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };

  return {
    sync() {
      if (running === undefined) return start();
      // A sync is under way, but it may have begun before this commit: one more after it, shared by all who ask now.
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return start();
        });
      return queued;
    },
    async close() {
      await Promise.allSettled([running, queued]);
      const opened = handle;
      handle = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

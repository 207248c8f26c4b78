/**
 * Makes the embedded store's commits durable off the event loop. SQLite runs with `synchronous = NORMAL` in WAL mode:
 * a commit only writes its frames to the `-wal` file (a process that is killed loses nothing: the operating system
 * has them), and SQLite syncs the WAL itself before each checkpoint. What a power cut could still lose is the
 * commits since the last sync, so before a write is reported done the WAL is `fdatasync`ed here, on libuv's thread
 * pool instead of inside the synchronous COMMIT. Writes that finish while a sync is under way share the next one.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WalSync {
  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void>;
  /** Resolves once the syncs asked for so at this moment are done: what a read may have seen is then on disk too. */
  synced(): Promise<void>;
  /** Waits for the syncs under way, then lets the file go. */
  close(): Promise<void>;
}

export function walSync(walPath: string): WalSync {
  let handle: Promise<FileHandle | undefined> | undefined;
  /** The sync under way, and the one queued behind it for commits made meanwhile. */
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  /**
   * A failed fdatasync: the pages it should have written may be gone, and a later fdatasync can succeed without them,
   * so no later write is reported durable (the writes fail, naming this error, until the app is restarted).
   */
  let failed: Error | undefined;

  /** Opens the WAL; a WAL just created gets its directory entry synced too, or a power cut could lose the file. */
  const openWal = async (): Promise<FileHandle | undefined> => {
    try {
      const file = await open(walPath, 'r');
      const directory = await open(dirname(walPath), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      return file;
    } catch (error) {
      handle = undefined;
      // No WAL (yet, or no more after a clean close's checkpoint): no commit is waiting in one.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const syncNow = async (): Promise<void> => {
    if (failed) throw failed;
    // The handle stays on the WAL: SQLite resets and reuses the same file after a checkpoint; it deletes it only when
    // the connection closes.
    handle ??= openWal();
    const file = await handle;
    try {
      await file?.datasync();
    } catch (error) {
      failed = new Error(`the WAL could not be synced (${String(error)}); restart the app`, { cause: error });
      throw failed;
    }
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
    synced() {
      return (queued ?? running ?? Promise.resolve()).catch(() => undefined);
    },
    async close() {
      await Promise.allSettled([running, queued]);
      const opened = handle;
      handle = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

/**
 * A lock file so that only one process opens an embedded database directory: PGlite is single-process, and two
 * writers would corrupt it. A lock left by a process that is gone is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';

export interface DirectoryLock {
  release(): Promise<void>;
}

export async function acquireDirectoryLock(path: string, pid: number = process.pid): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(pid));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) {
        throw new Error(
          `the embedded database lock ${path} is held by process ${holder}: only one app process may use a DATA_DIR ` +
            '(set DATABASE_URL to a PostgreSQL database to run several replicas)',
        );
      }
      if (holder === pid) {
        throw new Error(
          `the embedded database lock ${path} is already held by this process: close the other store first`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not take the embedded database lock ${path}`);
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EEXIST';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

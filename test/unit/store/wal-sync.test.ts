import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walSync } from '../../../src/store/wal-sync.js';

describe('walSync', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wal-sync-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves when there is no WAL file: nothing is waiting in one', async () => {
    const wal = walSync(join(dir, 'none-wal'));
    await expect(wal.sync()).resolves.toBeUndefined();
    await wal.close();
  });

  it('syncs an existing file, and callers during a sync share the one queued after it', async () => {
    const path = join(dir, 'db-wal');
    await writeFile(path, 'frames');
    const wal = walSync(path);
    const first = wal.sync();
    const second = wal.sync();
    const third = wal.sync();
    expect(third).toBe(second);
    expect(first).not.toBe(second);
    await Promise.all([first, second, third]);
    await wal.close();
  });

  it('lets a read wait for the syncs asked for before it, and answers at once when none is under way', async () => {
    const path = join(dir, 'db-wal');
    await writeFile(path, 'frames');
    const wal = walSync(path);
    await expect(wal.synced()).resolves.toBeUndefined();
    let synced = false;
    const writing = wal.sync().then(() => {
      synced = true;
    });
    await wal.synced();
    expect(synced).toBe(true);
    await writing;
    await wal.close();
  });

  it('reports a file it cannot open', async () => {
    const wal = walSync(join(dir, 'not-a-dir', 'x', '\u0000'));
    await expect(wal.sync()).rejects.toThrow();
    await wal.close();
  });
});

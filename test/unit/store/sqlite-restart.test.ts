/**
 * The embedded store on disk: data survives close/reopen and a killed process, migrations run again as a no-op,
 * the DATA_DIR lock keeps a second opener out, and a restart takes over at once whatever a killed process held.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import { loadSqlite, SQLITE_FILE, SQLITE_LOCK_FILE } from '../../../src/store/sqlite-database.js';
import { createTestClock } from './test-clock.js';

const WRITER = join(import.meta.dirname, 'fixtures', 'crashing-writer.ts');

describe('embedded store in DATA_DIR', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'codecloud-store-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps runs, jobs and leases across close and reopen; migrate is a no-op the second time', async () => {
    const clock = createTestClock();
    const first = await openStore({ dataDir, now: clock.now });
    await first.migrate();
    expect(first.engine).toBe('sqlite');
    expect(await first.enqueueJob({ dedupeKey: 'd-1', kind: 'github', payload: { n: 1 } })).toBe(true);
    const run = await first.createRun({
      backend: 'codecloud',
      installationId: 5,
      owner: 'o',
      repo: 'r',
      threadKey: 'o/r#1',
      number: 1,
      targetKind: 'issue',
      triggerCommentId: 1,
      triggerKind: 'issue_comment',
      requestedBy: 'mona',
      mode: 'plan',
      prompt: 'plan it',
      status: 'queued',
    });
    await first.updateRun(run.id, { remoteRunId: 'run_1', result: { prs: [{ repo: 'o/r', number: 9 }] } });
    await first.setInstallationNotBefore(5, clock.now() + 60_000);
    expect(await stat(join(dataDir, SQLITE_FILE))).toBeTruthy();
    expect(JSON.parse(await readFile(join(dataDir, SQLITE_LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    await first.close();
    await expect(stat(join(dataDir, SQLITE_LOCK_FILE))).rejects.toThrow();

    clock.advance(1_000);
    const second = await openStore({ dataDir, now: clock.now });
    try {
      await second.migrate();
      expect(await second.ping()).toBe(true);
      expect((await second.getRunByRemoteId('run_1'))?.id).toBe(run.id);
      expect((await second.findRunByPullRequest('o/r', 9))?.mode).toBe('plan');
      expect((await second.listActiveRunsAfter(null, 1_000)).map((active) => active.id)).toEqual([run.id]);
      expect(await second.enqueueJob({ dedupeKey: 'd-1', kind: 'github', payload: {} })).toBe(false);
      expect((await second.claimJobs(5, 1_000)).map((job) => job.payload)).toEqual([{ n: 1 }]);
      expect(await second.installationNotBefore(5)).toBe(clock.now() + 59_000);
    } finally {
      await second.close();
    }
  });

  it('refuses a second opener while the first is open; a lock naming our pid that we do not hold is taken over', async () => {
    const first = await openStore({ dataDir });
    try {
      await expect(openStore({ dataDir })).rejects.toThrow(
        /codecloud\.sqlite\.lock is already held by this process/,
      );
    } finally {
      await first.close();
    }
    expect(await first.ping()).toBe(false);
    // What a container whose app is PID 1 finds after a SIGKILL and restart: a lock that names PID 1, i.e. us.
    await writeFile(join(dataDir, SQLITE_LOCK_FILE), JSON.stringify({ pid: process.pid }));
    const restarted = await openStore({ dataDir });
    try {
      expect(await restarted.ping()).toBe(true);
    } finally {
      await restarted.close();
    }
  });

  it('after a SIGKILL, a restart takes over the lock and at once resumes what the dead process held', async () => {
    const crashDir = await mkdtemp(join(tmpdir(), 'codecloud-store-crash-'));
    let child: ChildProcess | undefined;
    try {
      // One process (no tsx wrapper), so the child's pid is the lock holder and SIGKILL really kills it.
      child = spawn(process.execPath, ['--import', 'tsx', WRITER, crashDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const [runId, finishedId] = await readyLine(child);
      const lockHolder = JSON.parse(await readFile(join(crashDir, SQLITE_LOCK_FILE), 'utf8'));
      expect(lockHolder.pid).toBe(child.pid);
      await expect(openStore({ dataDir: crashDir })).rejects.toThrow(
        `held by process ${child.pid}: only one app process may use a DATA_DIR`,
      );
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      // No waiting for the dead process's hour-long leases.
      const restarted = await openStore({ dataDir: crashDir });
      try {
        const run = await restarted.getRun(runId ?? '');
        expect(run).toMatchObject({ status: 'running', remoteRunId: 'run_before_crash', installationId: 77 });
        expect(
          await restarted.enqueueJob({ dedupeKey: 'delivery-before-crash', kind: 'github', payload: {} }),
        ).toBe(false);
        const [job] = await restarted.claimJobs(5, 60_000);
        expect(job).toMatchObject({ dedupeKey: 'delivery-before-crash', attempts: 2 });
        expect(await restarted.tryAcquireLease('reconciler', 'new-process', 60_000)).toBe(true);
        expect((await restarted.listRunsAwaitingFinalComment()).map((r) => r.id)).toEqual([finishedId]);
        expect(await restarted.claimFinalComment(finishedId ?? '', 60_000)).toBe(true);
      } finally {
        await restarted.close();
      }
    } finally {
      child?.kill('SIGKILL');
      await rm(crashDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an in-memory store for tests: memory:// takes no lock and keeps nothing', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    const other = await openStore({ dataDir: 'memory://' });
    try {
      await store.enqueueJob({ dedupeKey: 'm', kind: 'k', payload: {} });
      expect(await other.enqueueJob({ dedupeKey: 'm', kind: 'k', payload: {} })).toBe(true);
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });

  it('without node:sqlite (Node.js before 22.13) the error names the version needed and the alternative', async () => {
    await expect(
      loadSqlite(() => Promise.reject(new Error('No such built-in module: node:sqlite'))),
    ).rejects.toThrow(/needs Node\.js 22\.13 or later for node:sqlite; this is Node\.js .*set DATABASE_URL/);
  });
});

function readyLine(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\S+) (\S+)\n/.exec(output);
      if (match?.[1] && match[2]) resolve([match[1], match[2]]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before ready: ${errors}`)));
  });
}

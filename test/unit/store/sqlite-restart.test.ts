/**
 * The embedded store on disk: data survives close/reopen and a killed process, migrations run again as a no-op,
 * and the DATA_DIR lock keeps a second opener out while letting a restart take over a dead process's lock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
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
    expect(first.engine).toBe('pglite');
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
    expect(await first.tryAcquireLease('reconciler', 'a', 60_000)).toBe(true);
    expect(await stat(join(dataDir, 'pglite.lock'))).toBeTruthy();
    await first.close();
    await expect(stat(join(dataDir, 'pglite.lock'))).rejects.toThrow();

    clock.advance(1_000);
    const second = await openStore({ dataDir, now: clock.now });
    try {
      await second.migrate();
      await second.migrate();
      expect(await second.ping()).toBe(true);
      expect((await second.getRunByRemoteId('run_1'))?.id).toBe(run.id);
      expect((await second.findRunByPullRequest('o/r', 9))?.mode).toBe('plan');
      expect((await second.listActiveRuns()).map((active) => active.id)).toEqual([run.id]);
      expect(await second.enqueueJob({ dedupeKey: 'd-1', kind: 'github', payload: {} })).toBe(false);
      expect((await second.claimJobs(5, 1_000)).map((job) => job.payload)).toEqual([{ n: 1 }]);
      expect(await second.tryAcquireLease('reconciler', 'b', 60_000)).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('refuses a second opener of the same DATA_DIR while the first is open, naming the remedy', async () => {
    const first = await openStore({ dataDir });
    try {
      await expect(openStore({ dataDir })).rejects.toThrow(/pglite\.lock.*already held by this process/);
      await writeFile(join(dataDir, 'pglite.lock'), String(process.ppid));
      await expect(openStore({ dataDir })).rejects.toThrow(/held by process \d+.*DATABASE_URL/);
      await writeFile(join(dataDir, 'pglite.lock'), String(process.pid));
    } finally {
      await first.close();
    }
    expect(await first.ping()).toBe(false);
  });

  it('after a crash (SIGKILL, no close) a restart takes over the lock and finds everything committed', async () => {
    const crashDir = await mkdtemp(join(tmpdir(), 'codecloud-store-crash-'));
    let child: ChildProcess | undefined;
    try {
      // One process (no tsx wrapper), so the child's pid is the lock holder and SIGKILL really kills it.
      child = spawn(process.execPath, ['--import', 'tsx', WRITER, crashDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const runId = await readyLine(child);
      const lockHolder = Number(await readFile(join(crashDir, 'pglite.lock'), 'utf8'));
      expect(lockHolder).toBe(child.pid);
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const restarted = await openStore({ dataDir: crashDir, now: () => Date.now() + 120_000 });
      try {
        await restarted.migrate();
        const run = await restarted.getRun(runId);
        expect(run).toMatchObject({ status: 'running', remoteRunId: 'run_before_crash', installationId: 77 });
        expect(
          await restarted.enqueueJob({ dedupeKey: 'delivery-before-crash', kind: 'github', payload: {} }),
        ).toBe(false);
        // The crashed worker's lease on the job and on the reconciler have expired two minutes later.
        const [job] = await restarted.claimJobs(5, 60_000);
        expect(job).toMatchObject({ dedupeKey: 'delivery-before-crash', attempts: 2 });
        expect(await restarted.tryAcquireLease('reconciler', 'new-replica', 60_000)).toBe(true);
      } finally {
        await restarted.close();
      }
    } finally {
      child?.kill('SIGKILL');
      await rm(crashDir, { recursive: true, force: true });
    }
  }, 60_000);
});

function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\S+)\n/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before ready: ${errors}`)));
  });
}

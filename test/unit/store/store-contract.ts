/**
 * The behaviour every `Store` engine must have, as one vitest suite run against SQLite (unit) and against a real
 * PostgreSQL server through `pg` (integration). Two stores on one database play two app replicas (on SQLite they share
 * the one connection, as the embedded engine is for one process).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrationsFor } from '../../../src/store/migrations.js';
import { type NewRun, RELEASED_AT_SHUTDOWN, type Run, type Store } from '../../../src/store/store.js';
import { readJob } from './job-records.js';
import { createTestClock, type TestClock } from './test-clock.js';

export interface StoreContractDatabase {
  /** Two stores on the same database (two replicas); both read the clock they were opened with. */
  stores: [Store, Store];
  /** Empties every table. */
  reset(): Promise<void>;
  /** Raw SQL for assertions about the schema. */
  query(text: string): Promise<Record<string, unknown>[]>;
  /** The names of the database's tables, sorted. */
  tables(): Promise<string[]>;
  teardown(): Promise<void>;
}

export function describeStoreContract(
  engine: 'sqlite' | 'postgres',
  open: (clock: TestClock) => Promise<StoreContractDatabase>,
): void {
  describe(`Store contract on ${engine}`, () => {
    const clock = createTestClock();
    let database: StoreContractDatabase;
    let store: Store;
    let replica: Store;
    let nextInstallation = 1000;

    beforeAll(async () => {
      database = await open(clock);
      [store, replica] = database.stores;
      await store.migrate();
    });
    afterAll(async () => {
      await database?.teardown();
    });
    beforeEach(async () => {
      await database.reset();
      clock.advance(60_000);
    });

    const getJob = (id: string) => readJob((text) => database.query(text), id);

    const newRun = (overrides: Partial<NewRun> = {}): NewRun => ({
      backend: 'codecloud',
      installationId: 1,
      owner: 'octo-org',
      repo: 'widgets',
      threadKey: 'octo-org/widgets#7',
      number: 7,
      targetKind: 'issue',
      triggerCommentId: 5_000_000_001,
      triggerKind: 'issue_comment',
      requestedBy: 'mona',
      mode: 'execute',
      prompt: 'fix the flaky test',
      ...overrides,
    });

    it('reports its engine and answers ping', async () => {
      expect(store.engine).toBe(engine);
      expect(await store.ping()).toBe(true);
    });

    describe('migrations', () => {
      it('are recorded once and are a no-op the second and third time, also when run at once', async () => {
        await store.migrate();
        await Promise.all([store.migrate(), replica.migrate()]);
        const rows = await database.query('SELECT version, name FROM schema_migrations ORDER BY version');
        expect(rows.map((row) => Number(row.version))).toEqual(
          migrationsFor(engine).map((migration) => migration.version),
        );
        expect(await database.tables()).toEqual([
          'autofix_pulls',
          'jobs',
          'kept_schedules',
          'leases',
          'once_marks',
          'run_events',
          'run_prs',
          'run_tokens',
          'runs',
          'schema_migrations',
          'usage_charges',
          'usage_counters',
        ]);
      });
    });

    describe('autofix', () => {
      const claim = (sha: string, claimant: string, on = store, pullKey = 'Acme/App#7') =>
        on.claimAutofixAttempt({ pullKey, sha, claimant, maxAttempts: 2 });

      it('claims one attempt per head commit, counted in one step, up to max_attempts; the claimant may ask again', async () => {
        const first = await Promise.all([
          claim('a1', 'job-1'),
          claim('a1', 'job-2', replica),
          claim('a1', 'job-3'),
        ]);
        expect(first.filter((c) => c.kind === 'claimed')).toEqual([{ kind: 'claimed', attempt: 1 }]);
        expect(first.filter((c) => c.kind === 'handled')).toHaveLength(2);
        const winner = ['job-1', 'job-2', 'job-3'][first.findIndex((c) => c.kind === 'claimed')] ?? '';
        // After a crash, the job that claimed it asks again and gets the same attempt.
        expect(await claim('a1', winner, replica)).toEqual({ kind: 'claimed', attempt: 1 });
        expect(await claim('b2', 'job-4')).toEqual({ kind: 'claimed', attempt: 2 });
        expect(await claim('c3', 'job-5')).toEqual({ kind: 'limit', attempts: 2 });
      });

      it('a paused pull request gets nothing until it is resumed', async () => {
        expect(await store.setAutofixPaused('acme/app#8', true)).toBe(true);
        expect(await replica.setAutofixPaused('Acme/App#8', true)).toBe(false);
        expect(await claim('a1', 'job-1', store, 'acme/app#8')).toEqual({ kind: 'paused' });
        await store.setAutofixPaused('acme/app#8', false);
        expect(await claim('a1', 'job-1', store, 'acme/app#8')).toEqual({ kind: 'claimed', attempt: 1 });
      });

      it('marks a key once, with a value that can be read and changed', async () => {
        const key = `k-${Math.random()}`;
        const firsts = await Promise.all([store.markOnce(key), replica.markOnce(key), store.markOnce(key)]);
        expect(firsts.filter(Boolean)).toHaveLength(1);
        expect(await store.readMark(key)).toBeNull();
        expect(await store.readMark(`${key}-other`)).toBeUndefined();
        await replica.writeMark(key, 'paused');
        expect(await store.readMark(key)).toBe('paused');
      });

      it('removes a mark once: it reads as never marked, and the next markOnce is first again', async () => {
        const key = `k-${Math.random()}`;
        await store.markOnce(key, 'v');
        const removed = await Promise.all([store.deleteMark(key), replica.deleteMark(key)]);
        expect(removed.filter(Boolean)).toHaveLength(1);
        expect(await replica.readMark(key)).toBeUndefined();
        expect(await store.deleteMark(key)).toBe(false);
        expect(await replica.markOnce(key)).toBe(true);
        expect(await store.markOnce(key)).toBe(false);
      });
    });

    describe('jobs', () => {
      it('dedupes by key: the second enqueue of a delivery id returns false and keeps the first payload', async () => {
        expect(await store.enqueueJob({ dedupeKey: 'delivery-1', kind: 'github', payload: { n: 1 } })).toBe(
          true,
        );
        expect(await replica.enqueueJob({ dedupeKey: 'delivery-1', kind: 'github', payload: { n: 2 } })).toBe(
          false,
        );
        const jobs = await store.claimJobs(10, 30_000);
        expect(jobs).toHaveLength(1);
        expect(jobs[0]).toMatchObject({
          dedupeKey: 'delivery-1',
          kind: 'github',
          payload: { n: 1 },
          attempts: 1,
        });
      });

      it('records through the intake lane into the same jobs, deduped against the store itself', async () => {
        const intake = store.intake();
        expect(store.intake()).toBe(intake);
        expect(await intake.enqueueJob({ dedupeKey: 'lane-1', kind: 'github', payload: { n: 1 } })).toBe(
          true,
        );
        expect(await store.enqueueJob({ dedupeKey: 'lane-1', kind: 'github', payload: { n: 2 } })).toBe(
          false,
        );
        expect(await intake.enqueueJob({ dedupeKey: 'lane-1', kind: 'github', payload: { n: 3 } })).toBe(
          false,
        );
        const jobs = await replica.claimJobs(10, 30_000);
        expect(jobs.map((job) => [job.dedupeKey, job.payload])).toEqual([['lane-1', { n: 1 }]]);
      });

      it('keeps JSON payloads intact, arrays and nested values included', async () => {
        const payload = { list: [1, 'two', { three: [3] }], flag: false, nothing: null, text: 'ünï 🚀' };
        await store.enqueueJob({ dedupeKey: 'json', kind: 'k', payload });
        await store.enqueueJob({ dedupeKey: 'array', kind: 'k', payload: [1, 2] });
        const jobs = await store.claimJobs(10, 30_000);
        expect(jobs.map((job) => job.payload)).toEqual([payload, [1, 2]]);
      });

      it('claims oldest first up to the limit and leases them away from other workers', async () => {
        for (const key of ['a', 'b', 'c']) {
          await store.enqueueJob({ dedupeKey: key, kind: 'k', payload: key });
          clock.advance(1);
        }
        const first = await store.claimJobs(2, 30_000);
        expect(first.map((job) => job.dedupeKey)).toEqual(['a', 'b']);
        const second = await replica.claimJobs(10, 30_000);
        expect(second.map((job) => job.dedupeKey)).toEqual(['c']);
        expect(await store.claimJobs(10, 30_000)).toEqual([]);
      });

      it("claims a job again once a crashed worker's lease has expired, counting attempts", async () => {
        await store.enqueueJob({ dedupeKey: 'crash', kind: 'k', payload: {} });
        const [job] = await store.claimJobs(1, 30_000);
        expect(job?.attempts).toBe(1);
        clock.advance(29_999);
        expect(await replica.claimJobs(1, 30_000)).toEqual([]);
        clock.advance(1);
        const [again] = await replica.claimJobs(1, 30_000);
        expect(again).toMatchObject({ id: job?.id, attempts: 2 });
        const record = await getJob(job?.id ?? '');
        expect(record).toMatchObject({ state: 'leased', leaseUntil: clock.now() + 30_000 });
      });

      it('does not claim a job before its runAt', async () => {
        await store.enqueueJob({ dedupeKey: 'later', kind: 'k', payload: {}, runAt: clock.now() + 5_000 });
        expect(await store.claimJobs(1, 1_000)).toEqual([]);
        clock.advance(5_000);
        expect(await store.claimJobs(1, 1_000)).toHaveLength(1);
      });

      it('completes a job: never claimed again, its key still deduped', async () => {
        await store.enqueueJob({ dedupeKey: 'done', kind: 'k', payload: {} });
        const [job] = await store.claimJobs(1, 1_000);
        await store.completeJob(job?.id ?? '');
        const completedAt = clock.now();
        clock.advance(10_000);
        expect(await store.claimJobs(1, 1_000)).toEqual([]);
        expect(await store.enqueueJob({ dedupeKey: 'done', kind: 'k', payload: {} })).toBe(false);
        expect(await getJob(job?.id ?? '')).toMatchObject({ state: 'done', finishedAt: completedAt });
      });

      it('retries a failed job at retryAt with the error kept, and gives up with null keeping the last error', async () => {
        await store.enqueueJob({ dedupeKey: 'flaky', kind: 'k', payload: {} });
        const [job] = await store.claimJobs(1, 60_000);
        const id = job?.id ?? '';
        await store.failJob(id, 'GitHub answered 502', clock.now() + 2_000);
        expect(await store.claimJobs(1, 60_000)).toEqual([]);
        clock.advance(2_000);
        const [retry] = await store.claimJobs(1, 60_000);
        expect(retry).toMatchObject({ id, attempts: 2, lastError: 'GitHub answered 502' });
        await store.failJob(id, 'GitHub answered 404', null);
        clock.advance(600_000);
        expect(await store.claimJobs(1, 60_000)).toEqual([]);
        expect(await getJob(id)).toMatchObject({
          state: 'dead',
          attempts: 2,
          lastError: 'GitHub answered 404',
        });
      });

      it('prunes finished jobs older than the cut-off, which frees their dedupe keys', async () => {
        await store.enqueueJob({ dedupeKey: 'old', kind: 'k', payload: {} });
        await store.enqueueJob({ dedupeKey: 'pending', kind: 'k', payload: {} });
        const [old] = await store.claimJobs(1, 1_000);
        await store.completeJob(old?.id ?? '');
        clock.advance(1_000);
        await store.enqueueJob({ dedupeKey: 'recent', kind: 'k', payload: {} });
        const cutOff = clock.now();
        expect(await store.pruneJobs(cutOff)).toBe(1);
        expect(await getJob(old?.id ?? '')).toBeNull();
        expect(await store.enqueueJob({ dedupeKey: 'old', kind: 'k', payload: {} })).toBe(true);
        expect(await store.enqueueJob({ dedupeKey: 'pending', kind: 'k', payload: {} })).toBe(false);
      });

      it('never hands one job to two workers claiming at the same time', async () => {
        for (let index = 0; index < 24; index += 1) {
          await store.enqueueJob({ dedupeKey: `burst-${index}`, kind: 'k', payload: index });
        }
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? store : replica).claimJobs(4, 30_000)),
        );
        const ids = batches.flat().map((job) => job.id);
        expect(ids).toHaveLength(24);
        expect(new Set(ids).size).toBe(24);
      });

      it('records a fairness group and skips the excluded groups when claiming', async () => {
        await store.enqueueJob({ dedupeKey: 'g1-a', kind: 'k', payload: 1, group: '101' });
        clock.advance(1);
        await store.enqueueJob({ dedupeKey: 'g2-a', kind: 'k', payload: 2, group: '202' });
        clock.advance(1);
        await store.enqueueJob({ dedupeKey: 'none', kind: 'k', payload: 3 });
        clock.advance(1);
        await store.enqueueJob({ dedupeKey: 'g3-a', kind: 'k', payload: 4, group: '303' });
        const first = await store.claimJobs(10, 30_000, { excludeGroups: ['101', '303', '101'] });
        expect(first.map((job) => [job.dedupeKey, job.group])).toEqual([
          ['g2-a', '202'],
          ['none', null],
        ]);
        expect(await replica.claimJobs(10, 30_000, { excludeGroups: [] })).toHaveLength(2);
        const record = await getJob(first[0]?.id ?? '');
        expect(record).toMatchObject({ group: '202', state: 'leased' });
      });

      it('renews a lease only for the claim that still holds it', async () => {
        await store.enqueueJob({ dedupeKey: 'long', kind: 'k', payload: {} });
        const [job] = await store.claimJobs(1, 10_000);
        if (job === undefined) throw new Error('no job claimed');
        clock.advance(9_000);
        expect(await store.renewJobLease(job, 10_000)).toBe(true);
        expect(await getJob(job.id)).toMatchObject({ leaseUntil: clock.now() + 10_000, attempts: 1 });
        clock.advance(9_000);
        expect(await replica.claimJobs(1, 10_000)).toEqual([]);
        clock.advance(1_000);
        const [stolen] = await replica.claimJobs(1, 10_000);
        expect(stolen).toMatchObject({ id: job.id, attempts: 2 });
        expect(await store.renewJobLease(job, 10_000)).toBe(false);
        expect(await replica.renewJobLease({ id: job.id, attempts: 2 }, 20_000)).toBe(true);
        expect(await store.renewJobLease({ id: 'not-an-id', attempts: 1 }, 1_000)).toBe(false);
        await replica.completeJob(job.id, 2);
        expect(await replica.renewJobLease({ id: job.id, attempts: 2 }, 20_000)).toBe(false);
      });

      it('completeJob and failJob with attempts act only for the claim that still holds the job', async () => {
        await store.enqueueJob({ dedupeKey: 'lapsed', kind: 'k', payload: {} });
        const [first] = await store.claimJobs(1, 1_000);
        clock.advance(1_000);
        const [second] = await replica.claimJobs(1, 60_000);
        const id = first?.id ?? '';
        expect(second).toMatchObject({ id, attempts: 2 });
        await store.completeJob(id, 1);
        await store.failJob(id, 'late worker', null, 1);
        await store.failJob(id, 'late worker', clock.now(), 1);
        expect(await getJob(id)).toMatchObject({ state: 'leased', attempts: 2, lastError: null });
        await replica.failJob(id, 'GitHub answered 502', clock.now() + 1_000, 2);
        expect(await getJob(id)).toMatchObject({ state: 'pending', lastError: 'GitHub answered 502' });
        // Pending is no longer held by claim 2 either.
        await replica.completeJob(id, 2);
        expect((await getJob(id))?.state).toBe('pending');
        clock.advance(1_000);
        const [third] = await store.claimJobs(1, 60_000);
        await store.completeJob(id, third?.attempts);
        expect(await getJob(id)).toMatchObject({ state: 'done', finishedAt: clock.now() });
        // The old call shapes still work.
        await store.enqueueJob({ dedupeKey: 'plain', kind: 'k', payload: {} });
        const [plain] = await store.claimJobs(1, 60_000);
        await store.failJob(plain?.id ?? '', 'gave up', null);
        expect((await getJob(plain?.id ?? ''))?.state).toBe('dead');
        await store.completeJob('not-an-id');
      });
    });

    describe('runs', () => {
      it('creates a run with defaults and reads it back by id, big GitHub ids included', async () => {
        const created = await store.createRun(
          newRun({ triggerCommentId: 9_007_199_254_740_000, reviewCommentThreadId: 4_294_967_297 }),
        );
        expect(created).toMatchObject({
          status: 'waiting',
          remoteRunId: null,
          options: {},
          result: {},
          progress: null,
          finalCommentPosted: false,
          followUpCount: 0,
          createdAt: clock.now(),
          triggerCommentId: 9_007_199_254_740_000,
          reviewCommentThreadId: 4_294_967_297,
        });
        expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(await replica.getRun(created.id)).toEqual(created);
        expect(await store.getRun('00000000-0000-4000-8000-000000000000')).toBeNull();
        expect(await store.getRun('not-a-uuid')).toBeNull();
      });

      it('round-trips every patchable field and clears with null', async () => {
        const run = await store.createRun(newRun({ options: { model: 'm', autoCreatePr: true } }));
        clock.advance(5);
        const patched = await store.updateRun(run.id, {
          remoteRunId: 'run_abc',
          cloudcodingThreadId: 'thread_1',
          statusCommentId: 3_000_000_123,
          status: 'running',
          remoteStatus: 'running',
          result: {
            title: 'Fix',
            result: 'done',
            inputTokens: 10,
            outputTokens: 20,
            branch: 'codecloud/fix',
          },
          stopRequestedBy: 'hubot',
          startedAt: clock.now(),
          deadlineAt: clock.now() + 3_600_000,
          progress: { toolCalls: [{ name: 'bash', status: 'running' }], thinking: 'running tests' },
          prompt: 'new prompt',
          mode: 'plan',
          options: { model: 'other' },
        });
        expect(patched).toMatchObject({
          remoteRunId: 'run_abc',
          cloudcodingThreadId: 'thread_1',
          statusCommentId: 3_000_000_123,
          status: 'running',
          remoteStatus: 'running',
          result: {
            title: 'Fix',
            result: 'done',
            inputTokens: 10,
            outputTokens: 20,
            branch: 'codecloud/fix',
          },
          stopRequestedBy: 'hubot',
          startedAt: clock.now(),
          deadlineAt: clock.now() + 3_600_000,
          progress: { toolCalls: [{ name: 'bash', status: 'running' }], thinking: 'running tests' },
          prompt: 'new prompt',
          mode: 'plan',
          options: { model: 'other' },
          updatedAt: clock.now(),
          createdAt: run.createdAt,
        });
        const cleared = await store.updateRun(run.id, {
          stopRequestedBy: null,
          progress: null,
          deadlineAt: null,
        });
        expect(cleared).toMatchObject({
          stopRequestedBy: null,
          progress: null,
          deadlineAt: null,
          remoteRunId: 'run_abc',
        });
        await expect(
          store.updateRun('00000000-0000-4000-8000-000000000000', { status: 'failed' }),
        ).rejects.toThrow(/no run/);
      });

      it('refuses an invalid status instead of storing it', async () => {
        const run = await store.createRun(newRun());
        await expect(store.updateRun(run.id, { status: 'bogus' as Run['status'] })).rejects.toThrow();
        expect((await store.getRun(run.id))?.status).toBe('waiting');
      });

      it('finds a run by remote id; a remote id is unique per backend', async () => {
        const a = await store.createRun(newRun());
        const b = await store.createRun(newRun());
        const c = await store.createRun(newRun({ backend: 'cloudcoding' }));
        await store.updateRun(a.id, { remoteRunId: 'run_1' });
        await expect(store.updateRun(b.id, { remoteRunId: 'run_1' })).rejects.toThrow();
        await store.updateRun(c.id, { remoteRunId: 'run_1' });
        expect((await replica.getRunByRemoteId('run_1'))?.id).toBe(a.id);
        expect((await replica.getRunByRemoteId('run_1', 'cloudcoding'))?.id).toBe(c.id);
        expect(await replica.getRunByRemoteId('run_2')).toBeNull();
      });

      it('answers the latest run of a thread, even when created in the same millisecond', async () => {
        await store.createRun(newRun({ threadKey: 'o/r#1' }));
        const second = await store.createRun(newRun({ threadKey: 'o/r#1', prompt: 'second' }));
        await store.createRun(newRun({ threadKey: 'o/r#2' }));
        expect((await replica.latestRunForThread('o/r#1'))?.id).toBe(second.id);
        expect(await replica.latestRunForThread('o/r#3')).toBeNull();
      });

      it('finds the run that opened a PR through its result.prs, case-insensitively, re-indexed on change', async () => {
        const first = await store.createRun(newRun());
        await store.updateRun(first.id, {
          result: {
            prs: [
              { repo: 'Octo-Org/Widgets', number: 12, url: 'https://github.com/Octo-Org/Widgets/pull/12' },
            ],
          },
        });
        expect((await replica.findRunByPullRequest('octo-org/widgets', 12))?.id).toBe(first.id);
        expect(await replica.findRunByPullRequest('octo-org/widgets', 13)).toBeNull();
        expect(await replica.findRunByPullRequest('octo-org/gadgets', 12)).toBeNull();

        const second = await store.createRun(newRun());
        await store.transitionRun(second.id, ['waiting'], {
          result: {
            prs: [
              { repo: 'octo-org/widgets', number: 12 },
              { repo: 'octo-org/widgets', number: 12 },
              { repo: 'octo-org/widgets', number: 14 },
            ],
          },
        });
        expect((await replica.findRunByPullRequest('OCTO-ORG/WIDGETS', 12))?.id).toBe(second.id);
        await store.updateRun(second.id, { result: { prs: [{ repo: 'octo-org/widgets', number: 14 }] } });
        expect((await replica.findRunByPullRequest('octo-org/widgets', 12))?.id).toBe(first.id);
        expect((await replica.findRunByPullRequest('octo-org/widgets', 14))?.id).toBe(second.id);
      });

      it('lists active runs oldest first, and counts slot-holding runs per installation', async () => {
        const installation = nextInstallation++;
        const statuses = [
          'waiting',
          'starting',
          'queued',
          'running',
          'completed',
          'failed',
          'stopped',
          'timed_out',
        ] as const;
        const runs: Run[] = [];
        for (const status of statuses)
          runs.push(await store.createRun(newRun({ installationId: installation, status })));
        await store.createRun(newRun({ installationId: installation + 1, status: 'running' }));
        const active = await replica.listActiveRunsAfter(null, 1_000);
        expect(active.filter((run) => run.installationId === installation).map((run) => run.status)).toEqual([
          'waiting',
          'starting',
          'queued',
          'running',
        ]);
        expect(await replica.listActiveRunsAfter(null, 2)).toHaveLength(2);
        expect(await replica.countSlotHoldingRuns(installation)).toBe(3);
        expect(await replica.countSlotHoldingRuns(installation + 1)).toBe(1);
        expect(await replica.countSlotHoldingRuns(installation + 2)).toBe(0);
      });

      it('queues per installation: oldest waiting runs, installations with waiting runs', async () => {
        const a = await store.createRun(newRun({ installationId: 11, prompt: 'a' }));
        const b = await store.createRun(newRun({ installationId: 11, prompt: 'b' }));
        await store.createRun(newRun({ installationId: 12, status: 'running' }));
        await store.createRun(newRun({ installationId: 13 }));
        expect((await replica.oldestWaitingRuns(11, 5)).map((run) => run.id)).toEqual([a.id, b.id]);
        expect((await replica.oldestWaitingRuns(11, 1)).map((run) => run.id)).toEqual([a.id]);
        expect(await replica.installationsWithWaitingRuns()).toEqual([11, 13]);
      });

      it('claims waiting runs up to max_concurrent_runs, oldest first, never more across replicas', async () => {
        await store.createRun(newRun({ installationId: 21, status: 'running' }));
        const waiting: Run[] = [];
        for (let index = 0; index < 10; index += 1) {
          waiting.push(
            await store.createRun(
              newRun({ installationId: 21, prompt: `w${index}`, statusCommentId: 9_000 + index }),
            ),
          );
        }
        await store.createRun(newRun({ installationId: 22, statusCommentId: 9_100 }));
        const claims = await Promise.all([
          store.claimWaitingRunsWithComment(21, 3),
          replica.claimWaitingRunsWithComment(21, 3),
          store.claimWaitingRunsWithComment(21, 3),
          replica.claimWaitingRunsWithComment(21, 3),
        ]);
        const claimed = claims.flat();
        expect(claimed.map((run) => run.id).sort()).toEqual([waiting[0]?.id, waiting[1]?.id].sort());
        expect(claimed.every((run) => run.status === 'starting')).toBe(true);
        expect(await store.countSlotHoldingRuns(21)).toBe(3);
        expect(await store.claimWaitingRunsWithComment(21, 3)).toEqual([]);
        expect((await store.oldestWaitingRuns(22, 5)).map((run) => run.status)).toEqual(['waiting']);
        const first = claimed.find((run) => run.id === waiting[0]?.id);
        await store.transitionRun(first?.id ?? '', ['starting'], { status: 'failed' });
        expect((await replica.claimWaitingRunsWithComment(21, 3)).map((run) => run.id)).toEqual([
          waiting[2]?.id,
        ]);
      });

      it('lists non-final runs whose deadline has passed', async () => {
        const due = await store.createRun(newRun({ status: 'running', deadlineAt: clock.now() + 1_000 }));
        const later = await store.createRun(newRun({ status: 'queued', deadlineAt: clock.now() + 5_000 }));
        await store.createRun(newRun({ status: 'completed', deadlineAt: clock.now() }));
        await store.createRun(newRun({ status: 'running' }));
        expect(await replica.listRunsPastDeadline()).toEqual([]);
        clock.advance(1_000);
        expect((await replica.listRunsPastDeadline()).map((run) => run.id)).toEqual([due.id]);
        clock.advance(4_000);
        expect((await replica.listRunsPastDeadline()).map((run) => run.id)).toEqual([due.id, later.id]);
      });

      it('transitionRun is a compare-and-set on status: exactly one of racing finishers wins', async () => {
        const run = await store.createRun(newRun({ status: 'running' }));
        expect(await store.transitionRun(run.id, ['queued'], { status: 'completed' })).toBeNull();
        expect(await store.transitionRun(run.id, [], { status: 'completed' })).toBeNull();
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            (index % 2 === 0 ? store : replica).transitionRun(run.id, ['queued', 'running'], {
              status: index < 3 ? 'completed' : 'stopped',
              finishedAt: clock.now(),
            }),
          ),
        );
        const winners = results.filter((result) => result !== null);
        expect(winners).toHaveLength(1);
        expect((await store.getRun(run.id))?.status).toBe(winners[0]?.status);
      });

      it('unmarkFinalCommentPosted re-opens a confirmed final comment', async () => {
        const run = await store.createRun(newRun({ status: 'completed' }));
        expect(await store.claimFinalComment(run.id, 60_000)).toBe(true);
        await store.confirmFinalComment(run.id);
        expect(await replica.claimFinalComment(run.id, 60_000)).toBe(false);
        expect((await store.getRun(run.id))?.finalCommentPosted).toBe(true);
        await store.unmarkFinalCommentPosted(run.id);
        expect((await store.getRun(run.id))?.finalCommentPosted).toBe(false);
        expect(await replica.claimFinalComment(run.id, 60_000)).toBe(true);
        await store.unmarkFinalCommentPosted('not-a-uuid');
      });

      it('claimFinalComment: one winner; deferred claims come back at their time; a dead claimer is replaced', async () => {
        const running = await store.createRun(newRun({ status: 'running' }));
        expect(await store.claimFinalComment(running.id, 60_000)).toBe(false);
        const run = await store.createRun(newRun({ status: 'failed', threadKey: 'o/r#9' }));
        expect((await store.listRunsAwaitingFinalComment()).map((r) => r.id)).toEqual([run.id]);
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? store : replica).claimFinalComment(run.id, 60_000)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.listRunsAwaitingFinalComment()).toEqual([]);
        const attempts: number[] = [];
        await store.deferFinalComment(run.id, (n) => {
          attempts.push(n);
          return clock.now() + 5_000;
        });
        expect(await store.claimFinalComment(run.id, 60_000)).toBe(false);
        clock.advance(5_000);
        expect((await store.listRunsAwaitingFinalComment()).map((r) => r.id)).toEqual([run.id]);
        expect(await replica.claimFinalComment(run.id, 60_000)).toBe(true);
        await store.deferFinalComment(run.id, (n) => {
          attempts.push(n);
          return clock.now();
        });
        expect(attempts).toEqual([1, 2]);
        expect(await store.claimFinalComment(run.id, 60_000)).toBe(true);
        // The claimer died: after the lease the run is due again.
        clock.advance(60_000);
        expect((await store.listRunsAwaitingFinalComment()).map((r) => r.id)).toEqual([run.id]);
        expect(await store.claimFinalComment(run.id, 60_000)).toBe(true);
        await store.confirmFinalComment(run.id);
        clock.advance(600_000);
        expect(await store.listRunsAwaitingFinalComment()).toEqual([]);
        expect(await store.claimFinalComment(run.id, 60_000)).toBe(false);
      });

      it('createRunIfThreadIdle: of many racing creates in one thread exactly one wins; a final run does not block', async () => {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? store : replica).createRunIfThreadIdle(newRun({ threadKey: 'o/r#3', prompt: `p${i}` })),
          ),
        );
        const created = results.flatMap((r) => ('created' in r ? [r.created] : []));
        expect(created).toHaveLength(1);
        for (const r of results) if ('busy' in r) expect(r.busy.id).toBe(created[0]?.id);
        await store.updateRun(created[0]?.id ?? '', { status: 'completed' });
        expect('created' in (await store.createRunIfThreadIdle(newRun({ threadKey: 'o/r#3' })))).toBe(true);
      });

      it('listActiveRunsAfter pages through every non-final run; claimWaitingRunsWithComment skips runs without a comment', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i += 1)
          ids.push((await store.createRun(newRun({ threadKey: `o/r#${i}` }))).id);
        await store.createRun(newRun({ status: 'completed' }));
        const first = await store.listActiveRunsAfter(null, 2);
        const second = await store.listActiveRunsAfter(first[1]?.id ?? null, 2);
        const third = await store.listActiveRunsAfter(second[1]?.id ?? null, 2);
        expect([...first, ...second, ...third].map((r) => r.id)).toEqual(ids);
        await store.updateRun(ids[1] ?? '', { statusCommentId: 42 });
        const claimed = await store.claimWaitingRunsWithComment(1, 5);
        expect(claimed.map((r) => r.id)).toEqual([ids[1]]);
      });

      it('an installation not-before time: pending until it passes, the later of two wins', async () => {
        expect(await store.installationNotBefore(5)).toBeNull();
        await store.setInstallationNotBefore(5, clock.now() + 30_000);
        await replica.setInstallationNotBefore(5, clock.now() + 10_000);
        expect(await replica.installationNotBefore(5)).toBe(clock.now() + 30_000);
        expect(await store.installationNotBefore(6)).toBeNull();
        clock.advance(30_000);
        expect(await store.installationNotBefore(5)).toBeNull();
      });

      it('throttles status-comment edits: one per interval, and never the same body twice', async () => {
        const run = await store.createRun(newRun({ status: 'running' }));
        expect(await store.tryReserveCommentEdit(run.id, 'h1', 10_000)).toBe(true);
        expect(await replica.tryReserveCommentEdit(run.id, 'h2', 10_000)).toBe(false);
        clock.advance(9_999);
        expect(await replica.tryReserveCommentEdit(run.id, 'h2', 10_000)).toBe(false);
        clock.advance(1);
        expect(await replica.tryReserveCommentEdit(run.id, 'h1', 10_000)).toBe(false);
        const racers = await Promise.all([
          store.tryReserveCommentEdit(run.id, 'h2', 10_000),
          replica.tryReserveCommentEdit(run.id, 'h3', 10_000),
          store.tryReserveCommentEdit(run.id, 'h4', 10_000),
        ]);
        expect(racers.filter(Boolean)).toHaveLength(1);
        const reserved = await store.getRun(run.id);
        expect(reserved?.lastCommentEditAt).toBe(clock.now());
        clock.advance(3_000);
        await store.recordCommentEdit(run.id, 'final');
        expect(await store.getRun(run.id)).toMatchObject({
          lastCommentEditAt: clock.now(),
          lastCommentBodyHash: 'final',
        });
        clock.advance(10_000);
        expect(await store.tryReserveCommentEdit(run.id, 'final', 10_000)).toBe(false);
        expect(await store.tryReserveCommentEdit(run.id, 'next', 10_000)).toBe(true);
      });

      it('counts follow-ups atomically', async () => {
        const run = await store.createRun(newRun({ status: 'completed' }));
        const counts = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            (index % 2 === 0 ? store : replica).incrementFollowUpCount(run.id),
          ),
        );
        expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await store.getRun(run.id))?.followUpCount).toBe(8);
        await expect(store.incrementFollowUpCount('00000000-0000-4000-8000-000000000000')).rejects.toThrow(
          /no run/,
        );
      });
    });

    describe('recoverAfterCrash', () => {
      it("releases a dead process's job leases, named leases and final-comment claims at once", async () => {
        await store.enqueueJob({ dedupeKey: 'held', kind: 'k', payload: {} });
        await store.enqueueJob({ dedupeKey: 'waiting', kind: 'k', payload: {}, runAt: clock.now() + 60_000 });
        const [held] = await store.claimJobs(5, 600_000);
        expect(await store.tryAcquireLease('reconciler', 'dead-process', 600_000)).toBe(true);
        expect(await store.tryAcquireLease('cloudcoding-stream:run_1', 'dead-process', 600_000)).toBe(true);
        await store.setInstallationNotBefore(9, clock.now() + 600_000);
        const run = await store.createRun(newRun({ status: 'completed' }));
        expect(await store.claimFinalComment(run.id, 600_000)).toBe(true);
        const posted = await store.createRun(newRun({ status: 'failed' }));
        expect(await store.claimFinalComment(posted.id, 600_000)).toBe(true);
        await store.confirmFinalComment(posted.id);

        expect(await replica.recoverAfterCrash()).toEqual({ jobs: 1, leases: 2, finalComments: 1 });

        const [again] = await replica.claimJobs(5, 60_000);
        expect(again).toMatchObject({ id: held?.id, attempts: 2 });
        expect(await replica.tryAcquireLease('reconciler', 'new-process', 60_000)).toBe(true);
        expect(await replica.tryAcquireLease('cloudcoding-stream:run_1', 'new-process', 60_000)).toBe(true);
        expect(await replica.installationNotBefore(9)).toBe(clock.now() + 600_000);
        expect((await replica.listRunsAwaitingFinalComment()).map((r) => r.id)).toEqual([run.id]);
        expect(await replica.claimFinalComment(run.id, 60_000)).toBe(true);
        expect(await replica.claimFinalComment(posted.id, 60_000)).toBe(false);
        expect(await replica.recoverAfterCrash()).toEqual({ jobs: 1, leases: 2, finalComments: 1 });
        expect((await getJob(held?.id ?? ''))?.state).toBe('leased');
      });

      it('makes jobs the dead process released at shutdown due at once; other retries keep their time', async () => {
        await store.enqueueJob({ dedupeKey: 'released', kind: 'k', payload: {} });
        await store.enqueueJob({ dedupeKey: 'failed', kind: 'k', payload: {} });
        const claimed = await store.claimJobs(5, 600_000);
        const byKey = (key: string) => claimed.find((job) => job.dedupeKey === key);
        await store.failJob(byKey('released')?.id ?? '', RELEASED_AT_SHUTDOWN, clock.now() + 5_000, 1);
        await store.failJob(byKey('failed')?.id ?? '', 'GitHub answered 502', clock.now() + 5_000, 1);
        expect(await replica.claimJobs(5, 60_000)).toEqual([]);

        expect(await replica.recoverAfterCrash()).toMatchObject({ jobs: 1 });

        expect((await replica.claimJobs(5, 60_000)).map((job) => job.dedupeKey)).toEqual(['released']);
      });
    });

    describe('completion signs (the wait route)', () => {
      it('reports recorded completion events and final runs of the waited ids, in one query, to any replica', async () => {
        const job = (key: string) => ({ dedupeKey: key, kind: 'codecloud.event', payload: {} });
        await store.enqueueJob(job('codecloud:run_a:agent.completed:completed:2026-01-01T00:00:00Z'));
        await store.enqueueJob(job('codecloud:run_a:progress:abc'));
        await store.enqueueJob(job('codecloud:runXb:agent.failed:failed:2026-01-01T00:00:00Z'));
        await store.enqueueJob({ ...job('codecloud:run_c:agent.completed:x'), kind: 'other' });
        const final = await store.createRun(newRun({ status: 'completed', remoteRunId: 'run_d' }));
        await store.createRun(
          newRun({ status: 'running', remoteRunId: 'run_e', threadKey: 'octo-org/widgets#8' }),
        );
        const signs = await replica.completionSigns(['run_a', 'run_b', 'run_c', 'run_d', 'run_e', "x'; --"]);
        expect(signs.sort((x, y) => x.sign.localeCompare(y.sign))).toEqual([
          { remoteRunId: 'run_a', sign: 'codecloud:run_a:agent.completed:completed:2026-01-01T00:00:00Z' },
          { remoteRunId: 'run_d', sign: 'run:completed' },
        ]);
        expect(final.remoteRunId).toBe('run_d');
        expect(await replica.completionSigns([])).toEqual([]);
      });
    });

    describe('kept schedules', () => {
      it('records a schedule (again: the latest name wins), reads it from any replica, and forgets it', async () => {
        const kept = { remoteScheduleId: 'sch-1', installationId: 7, repo: 'acme/app', name: 'nightly' };
        expect(await store.keptSchedule('sch-1')).toBeNull();
        await store.keepSchedule(kept);
        await replica.keepSchedule({ ...kept, name: 'nightly-tests' });
        expect(await store.keptSchedule('sch-1')).toEqual({ ...kept, name: 'nightly-tests' });
        await replica.forgetSchedule('sch-1');
        expect(await store.keptSchedule('sch-1')).toBeNull();
        await store.forgetSchedule('sch-1');
      });
    });

    describe('figures (GET /metrics)', () => {
      it('counts jobs by state and runs by backend and status', async () => {
        await store.enqueueJob({ dedupeKey: 'fig-1', kind: 'k', payload: {} });
        await store.enqueueJob({ dedupeKey: 'fig-2', kind: 'k', payload: {} });
        const [claimed] = await store.claimJobs(1, 60_000);
        if (claimed) await store.completeJob(claimed.id, claimed.attempts);
        const early = await store.createRun(newRun({ threadKey: 'octo-org/widgets#1', status: 'completed' }));
        await store.updateRun(early.id, { result: { inputTokens: 100, outputTokens: 20 } });
        clock.advance(24 * 60 * 60_000);
        const today = await store.createRun(newRun({ threadKey: 'octo-org/widgets#2', status: 'running' }));
        await store.updateRun(today.id, { result: { inputTokens: 5 } });
        await store.createRun(
          newRun({
            backend: 'cloudcoding',
            repo: 'gadgets',
            threadKey: 'octo-org/gadgets#3',
            status: 'failed',
          }),
        );
        expect((await replica.countJobsByState()).sort((a, b) => a.state.localeCompare(b.state))).toEqual([
          { state: 'done', count: 1 },
          { state: 'pending', count: 1 },
        ]);
        const runs = (await replica.countRunsByStatus()).map((r) => `${r.backend}/${r.status}=${r.count}`);
        expect(runs.sort()).toEqual(['cloudcoding/failed=1', 'codecloud/completed=1', 'codecloud/running=1']);
        // Usage per repository is the limits' counters (`usage.repositoryUsage`, see the usage contract).
      });
    });

    describe('leases', () => {
      it('lets one holder at a time have a lease, renews for the holder, and expires', async () => {
        expect(await store.tryAcquireLease('reconciler', 'replica-a', 30_000)).toBe(true);
        expect(await replica.tryAcquireLease('reconciler', 'replica-b', 30_000)).toBe(false);
        clock.advance(20_000);
        expect(await store.tryAcquireLease('reconciler', 'replica-a', 30_000)).toBe(true);
        clock.advance(20_000);
        expect(await replica.tryAcquireLease('reconciler', 'replica-b', 30_000)).toBe(false);
        expect(await replica.tryAcquireLease('other-task', 'replica-b', 30_000)).toBe(true);
        clock.advance(10_000);
        expect(await replica.tryAcquireLease('reconciler', 'replica-b', 30_000)).toBe(true);
        expect(await store.tryAcquireLease('reconciler', 'replica-a', 30_000)).toBe(false);
      });

      it('release frees the lease only for its holder', async () => {
        expect(await store.tryAcquireLease('reconciler', 'replica-a', 30_000)).toBe(true);
        await replica.releaseLease('reconciler', 'replica-b');
        expect(await replica.tryAcquireLease('reconciler', 'replica-b', 30_000)).toBe(false);
        await store.releaseLease('reconciler', 'replica-a');
        expect(await replica.tryAcquireLease('reconciler', 'replica-b', 30_000)).toBe(true);
      });

      it('gives a contested free lease to exactly one of many replicas', async () => {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            (index % 2 === 0 ? store : replica).tryAcquireLease('tick', `holder-${index}`, 5_000),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('the dashboard', () => {
      const widgets = { owner: 'octo-org', repo: 'widgets' };
      const gadgets = { owner: 'octo-org', repo: 'gadgets' };

      it('lists runs of the given repositories only, newest first, filtered, in keyset pages', async () => {
        const made: Run[] = [];
        for (let i = 0; i < 7; i += 1) {
          const where = i % 3 === 2 ? { repo: 'secret', threadKey: `octo-org/secret#${i}` } : {};
          made.push(
            await store.createRun(
              newRun({
                threadKey: `octo-org/widgets#${i}`,
                number: i,
                requestedBy: i % 2 ? 'mona' : 'hubot',
                ...where,
              }),
            ),
          );
          clock.advance(1);
        }
        const visible = made.filter((run) => run.repo === 'widgets').reverse();
        const first = await replica.listDashboardRuns({ repos: [widgets, gadgets], limit: 3 });
        expect(first.map((run) => run.id)).toEqual(visible.slice(0, 3).map((run) => run.id));
        const second = await replica.listDashboardRuns({
          repos: [widgets],
          limit: 3,
          beforeId: first.at(-1)!.id,
        });
        expect(second.map((run) => run.id)).toEqual(visible.slice(3).map((run) => run.id));
        const mona = await store.listDashboardRuns({ repos: [widgets], requestedBy: 'mona', limit: 50 });
        expect(mona.every((run) => run.requestedBy === 'mona' && run.repo === 'widgets')).toBe(true);
        expect(mona).toHaveLength(visible.filter((run) => run.requestedBy === 'mona').length);
        await store.updateRun(visible[0]?.id ?? '', { status: 'running' });
        const running = await store.listDashboardRuns({ repos: [widgets], statuses: ['running'], limit: 50 });
        expect(running.map((run) => run.id)).toEqual([visible[0]?.id]);
        expect(await store.listDashboardRuns({ repos: [], limit: 50 })).toEqual([]);
        expect(await store.listDashboardRuns({ repos: [widgets], beforeId: 'not-a-uuid', limit: 5 })).toEqual(
          [],
        );
      });

      it('keeps a timeline: one event per status change or stop, with its time and detail', async () => {
        const run = await store.createRun(newRun());
        clock.advance(1_000);
        await store.transitionRun(run.id, ['waiting'], { status: 'starting' });
        clock.advance(1_000);
        await store.updateRun(run.id, { status: 'running', remoteStatus: 'running' });
        await store.updateRun(run.id, { progress: { toolCalls: [], thinking: 'hm' } });
        await replica.transitionRun(run.id, ['running'], { stopRequestedBy: 'mona' });
        await store.transitionRun(run.id, ['completed'], { status: 'failed' });
        clock.advance(1_000);
        await store.updateRun(run.id, {
          status: 'stopped',
          finishedAt: clock.now(),
          result: { error: 'stopped by mona' },
        });
        const events = await replica.listRunEvents(run.id);
        expect(events.map((event) => [event.status, event.detail])).toEqual([
          ['starting', null],
          ['running', 'backend: running'],
          ['running', 'stop asked by mona'],
          ['stopped', 'stopped by mona'],
        ]);
        expect(events[0]?.at).toBe(run.createdAt + 1_000);
        expect(await store.listRunEvents('not-a-uuid')).toEqual([]);
      });
    });
  });
}

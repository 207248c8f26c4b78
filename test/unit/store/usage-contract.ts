/**
 * The usage counters' behaviour on each engine (SQLite: unit; PostgreSQL: integration): keyed, atomic charges that
 * refuse past a limit and count nothing then, refunds once, and run tokens counted by difference.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { USAGE_SCOPES } from '../../../src/store/usage-store.js';

let trial = 0;

export function describeUsageContract(engine: 'sqlite' | 'postgres', stores: () => [Store, Store]): void {
  describe(`usage counters on ${engine}`, () => {
    let repo: string;
    beforeEach(() => {
      trial += 1;
      repo = `acme/usage-${engine}-${trial}`;
    });
    const charge = (
      store: Store,
      key: string,
      login = 'alice',
      limits: { repo?: number; user?: number } = {},
    ) =>
      store.usage.charge({
        chargeKey: `${repo}:${key}`,
        repoKey: repo,
        userKey: `7:${login}`,
        day: '2026-12-06',
        repoLimit: limits.repo,
        userLimit: limits.user,
      });

    it('counts up to the limit, then refuses and counts nothing; both replicas see one counter', async () => {
      const [a, b] = stores();
      expect(await charge(a, 'c1', 'alice', { repo: 2 })).toMatchObject({ kind: 'counted', repoCount: 1 });
      expect(await charge(b, 'c2', 'bob', { repo: 2 })).toMatchObject({ kind: 'counted', repoCount: 2 });
      expect(await charge(a, 'c3', 'carol', { repo: 2 })).toEqual({
        kind: 'refused',
        which: 'repo',
        used: 2,
        limit: 2,
      });
      expect(await a.usage.count(USAGE_SCOPES.repoRuns, repo, '2026-12-06')).toBe(2);
      // carol's refused charge counted nothing for her either
      expect(await a.usage.count(USAGE_SCOPES.userRuns, '7:carol', '2026-12-06')).toBe(0);
    });

    it('a charge over the person’s limit rolls the repository’s count back', async () => {
      const [a] = stores();
      const login = `dora-${engine}-${trial}`;
      expect(await charge(a, 'c1', login, { user: 1 })).toMatchObject({ kind: 'counted', userCount: 1 });
      expect(await charge(a, 'c2', login, { user: 1 })).toEqual({
        kind: 'refused',
        which: 'user',
        used: 1,
        limit: 1,
      });
      expect(await a.usage.count(USAGE_SCOPES.repoRuns, repo, '2026-12-06')).toBe(1);
    });

    it('a second charge with the same key counts nothing; a refund gives it back once', async () => {
      const [a, b] = stores();
      expect((await charge(a, 'same')).kind).toBe('counted');
      expect(await charge(b, 'same')).toEqual({ kind: 'already' });
      expect(await a.usage.count(USAGE_SCOPES.repoRuns, repo, '2026-12-06')).toBe(1);
      const refunds = await Promise.all([a.usage.refund(`${repo}:same`), b.usage.refund(`${repo}:same`)]);
      expect(refunds.filter(Boolean)).toHaveLength(1);
      expect(await a.usage.count(USAGE_SCOPES.repoRuns, repo, '2026-12-06')).toBe(0);
      expect(await a.usage.refund('never-charged')).toBe(false);
    });

    it("reads each repository's runs of a day and tokens of a month (the metrics' and the dashboard's usage)", async () => {
      const [a, b] = stores();
      const other = `${repo}-b`;
      await charge(a, 'r1');
      await charge(b, 'r2', 'bob');
      // Given back (the backend refused to create it): not counted.
      await charge(a, 'r3');
      await b.usage.refund(`${repo}:r3`);
      // Yesterday's run of the other repository, and last month's tokens of this one: out of the periods.
      await a.usage.charge({ chargeKey: `${other}:y`, repoKey: other, userKey: '7:bob', day: '2026-12-05' });
      await a.usage.recordRunTokens({ runId: `${repo}:old`, repoKey: repo, month: '2026-11', total: 99 });
      await a.usage.recordRunTokens({ runId: `${repo}:run`, repoKey: other, month: '2026-12', total: 1_000 });
      await b.usage.recordRunTokens({ runId: `${repo}:run`, repoKey: other, month: '2026-12', total: 1_125 });
      const name = repo.split('/')[1];
      const usage = await b.usage.repositoryUsage({ day: '2026-12-06', month: '2026-12' });
      expect(usage.filter((u) => u.repo === name || u.repo === `${name}-b`)).toEqual([
        { owner: 'acme', repo: name, runsToday: 2, tokensThisMonth: 0 },
        { owner: 'acme', repo: `${name}-b`, runsToday: 0, tokensThisMonth: 1_125 },
      ]);
      expect(await a.usage.repositoryUsage({ day: '2031-01-01', month: '2031-01' })).toEqual([]);
    });

    it('another day is another counter', async () => {
      const [a] = stores();
      await charge(a, 'x', 'alice', { repo: 1 });
      const next = await a.usage.charge({
        chargeKey: `${repo}:next-day`,
        repoKey: repo,
        userKey: '7:alice',
        day: '2026-12-07',
        repoLimit: 1,
      });
      expect(next).toMatchObject({ kind: 'counted', repoCount: 1 });
    });

    it('run tokens count by difference into the month, never go down, and the token stop is claimed once', async () => {
      const [a, b] = stores();
      const runId = `run-${engine}-${trial}`;
      const month = '2026-12';
      expect(await a.usage.recordRunTokens({ runId, repoKey: repo, month, total: 1_000 })).toEqual({
        attemptTokens: 1_000,
        stopClaimed: false,
      });
      await b.usage.recordRunTokens({ runId, repoKey: repo, month, total: 1_500 });
      await a.usage.recordRunTokens({ runId, repoKey: repo, month, total: 1_200 }); // stale: ignored
      expect(await a.usage.count(USAGE_SCOPES.repoTokens, repo, month)).toBe(1_500);
      const claims = await Promise.all([a.usage.claimTokenStop(runId), b.usage.claimTokenStop(runId)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await b.usage.claimTokenStop(runId)).toBe(false);
      // A claimer that died: the stop may be made again once the claim is old enough.
      expect(await b.usage.claimTokenStop(runId, 0)).toBe(true);
      // A follow-up: its own tokens count from here, and it may be stopped again.
      await a.usage.startAttempt(runId);
      expect(await a.usage.recordRunTokens({ runId, repoKey: repo, month, total: 1_800 })).toEqual({
        attemptTokens: 300,
        stopClaimed: false,
      });
      expect(await a.usage.count(USAGE_SCOPES.repoTokens, repo, month)).toBe(1_800);
    });
  });
}

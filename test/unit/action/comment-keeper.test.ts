import { describe, expect, it } from 'vitest';
import type { ActionLog } from '../../../src/action/action-context.js';
import { type CommentApi, commentKeeper, type PostedComment } from '../../../src/action/comment-keeper.js';
import { VirtualClock } from './virtual-clock.js';

function fakeApi(existing?: PostedComment, refuse?: number) {
  const calls: Array<{ what: string; at: number; body?: string }> = [];
  const clock = new VirtualClock();
  const fail = () => Object.assign(new Error('Resource not accessible by integration'), { status: refuse });
  const api: CommentApi = {
    where: 'octo/widgets#7',
    async find() {
      calls.push({ what: 'find', at: clock.now() });
      return existing;
    },
    async create(body) {
      calls.push({ what: 'create', at: clock.now(), body });
      if (refuse) throw fail();
      return { id: 1, url: 'https://github.com/octo/widgets/pull/7#issuecomment-1' };
    },
    async update(id, body) {
      calls.push({ what: 'update', at: clock.now(), body });
      return { id, url: `https://github.com/octo/widgets/pull/7#issuecomment-${id}` };
    },
  };
  return { api, calls, clock };
}

const log = (warnings: string[] = []): ActionLog => ({
  info: () => {},
  warning: (text) => warnings.push(text),
  notice: () => {},
  group: () => {},
});

describe('commentKeeper', () => {
  it('posts once, edits at most once per 10 s while the runs go on, and always ends on the final body', async () => {
    const { api, calls, clock } = fakeApi();
    let body = 'queued';
    const keeper = commentKeeper({
      api,
      marker: 'm',
      render: () => body,
      clock,
      log: log(),
      minIntervalMs: 10_000,
    });
    await clock.run(
      (async () => {
        await keeper.start();
        for (const [at, next] of [
          [1_000, 'running 1s'],
          [2_000, 'running 2s'],
          [3_000, 'running 3s'],
          [15_000, 'running 15s'],
        ] as const) {
          await clock.sleep(at - (clock.now() - Date.parse('2026-01-01T00:00:00Z')));
          body = next;
          keeper.changed();
        }
        await clock.sleep(1_000);
        body = 'completed';
        expect(await keeper.finish()).toBe('https://github.com/octo/widgets/pull/7#issuecomment-1');
      })(),
    );
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(calls.map((c) => [c.what, c.at - start, c.body])).toEqual([
      ['find', 0, undefined],
      ['create', 0, 'queued'],
      ['update', 10_000, 'running 3s'],
      // The edit due at 20 s is overtaken by the final one (never throttled).
      ['update', 16_000, 'completed'],
    ]);
  });

  it('edits the comment an earlier run of the job left, instead of posting one', async () => {
    const { api, calls, clock } = fakeApi({
      id: 5,
      url: 'https://github.com/octo/widgets/pull/7#issuecomment-5',
    });
    const keeper = commentKeeper({
      api,
      marker: 'm',
      render: () => 'b',
      clock,
      log: log(),
      minIntervalMs: 10_000,
    });
    await clock.run(keeper.start());
    expect(calls.map((c) => c.what)).toEqual(['find', 'update']);
    expect(keeper.posted()?.id).toBe(5);
  });

  it('turns a refusal into one warning naming the permissions, then stays quiet', async () => {
    const { api, calls, clock } = fakeApi(undefined, 403);
    const warnings: string[] = [];
    const keeper = commentKeeper({
      api,
      marker: 'm',
      render: () => 'b',
      clock,
      log: log(warnings),
      minIntervalMs: 10,
    });
    await clock.run(keeper.start());
    keeper.changed();
    expect(await clock.run(keeper.finish())).toBeUndefined();
    expect(calls.map((c) => c.what)).toEqual(['find', 'create']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/octo\/widgets#7: GitHub answered 403 .*issues: write.*pull-requests: write/);
  });
});

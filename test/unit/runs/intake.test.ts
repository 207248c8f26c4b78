import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codecloudJobKey } from '../../../src/runs/codecloud-events.js';
import { mayHoldCommand, recordCommandTrigger } from '../../../src/runs/intake.js';
import { type CommandTrigger, threadKeyOf } from '../../../src/runs/trigger.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';

const trigger = (overrides: Partial<CommandTrigger> = {}): CommandTrigger => ({
  deliveryId: 'd-1',
  installationId: 1,
  owner: 'Acme',
  repo: 'App',
  defaultBranch: 'main',
  source: 'issue_comment',
  number: 4,
  isPullRequest: false,
  title: 't',
  body: 'b',
  commentId: 10,
  text: '/codecloud fix it',
  sender: { login: 'alice', type: 'User' },
  ...overrides,
});

describe('intake', () => {
  let store: Store;
  let wakes = 0;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await store.migrate();
  });
  beforeEach(() => {
    wakes = 0;
  });
  afterAll(async () => {
    await store.close();
  });
  const deps = () => ({ store, botLogin: 'codecloud[bot]', wake: () => void wakes++ });

  it('keeps anything that may be a command (any trigger word) and drops plain text', () => {
    expect(mayHoldCommand('/codecloud fix')).toBe(true);
    expect(mayHoldCommand('thanks!\n  /agent do it')).toBe(true);
    // A custom trigger may be any one word (`!ai`, `codecloud`): the worker, having the config, decides.
    expect(mayHoldCommand('!ai fix it')).toBe(true);
    expect(mayHoldCommand('lgtm')).toBe(true);
    expect(mayHoldCommand('    /codecloud in a code block')).toBe(false);
    expect(mayHoldCommand(' \n\t\n')).toBe(false);
  });

  it('records a delivery once, ignores the app itself and blank comments', async () => {
    expect(await recordCommandTrigger(deps(), trigger())).toBe('recorded');
    expect(await recordCommandTrigger(deps(), trigger())).toBe('duplicate');
    expect(
      await recordCommandTrigger(
        deps(),
        trigger({ deliveryId: 'd-2', sender: { login: 'codecloud[bot]', type: 'Bot' } }),
      ),
    ).toBe('ignored');
    expect(await recordCommandTrigger(deps(), trigger({ deliveryId: 'd-3', text: '  \n' }))).toBe('ignored');
    expect(
      await recordCommandTrigger(
        deps(),
        trigger({ deliveryId: 'd-4', source: 'label', text: '', label: 'codecloud' }),
      ),
    ).toBe('recorded');
    expect(wakes).toBe(2);
    const jobs = await store.claimJobs(10, 1000);
    expect(jobs.map((j) => j.dedupeKey)).toEqual(['github:issue_comment:10', 'github:d-4']);
  });

  describe('a trigger is recorded once, whatever delivery id carries it (a replayed signed body)', () => {
    const replays = (first: CommandTrigger, again: Partial<CommandTrigger>) => [
      first,
      { ...first, deliveryId: `${first.deliveryId}-replayed`, ...again },
    ];
    it.each([
      ['a comment, by its id', trigger({ deliveryId: 'c-1', commentId: 501 })],
      [
        'an inline review comment, by its id',
        trigger({ deliveryId: 'rc-1', source: 'review_comment', commentId: 502, isPullRequest: true }),
      ],
      [
        'a review, by its id',
        trigger({ deliveryId: 'r-1', source: 'review', commentId: 503, isPullRequest: true }),
      ],
      [
        'a new issue body, by the issue',
        trigger({ deliveryId: 'ib-1', source: 'issue_body', commentId: null, number: 77 }),
      ],
      [
        'a label, by the issue, the label and the labeling',
        trigger({
          deliveryId: 'l-1',
          source: 'label',
          commentId: null,
          text: '',
          number: 78,
          label: 'codecloud',
          createdAt: '2026-01-01T10:00:00Z',
        }),
      ],
    ])('%s', async (_what, first) => {
      const [original, replayed] = replays(first, {});
      expect(await recordCommandTrigger(deps(), original as CommandTrigger)).toBe('recorded');
      expect(await recordCommandTrigger(deps(), replayed as CommandTrigger)).toBe('duplicate');
      // GitHub's own redelivery (the same id) too.
      expect(await recordCommandTrigger(deps(), original as CommandTrigger)).toBe('duplicate');
    });

    it('labeling again after removing the label is a new request', async () => {
      const labeled = trigger({
        deliveryId: 'l-2',
        source: 'label',
        commentId: null,
        text: '',
        number: 79,
        label: 'codecloud',
        createdAt: '2026-01-01T10:00:00Z',
      });
      expect(await recordCommandTrigger(deps(), labeled)).toBe('recorded');
      expect(
        await recordCommandTrigger(deps(), {
          ...labeled,
          deliveryId: 'l-3',
          createdAt: '2026-01-01T11:00:00Z',
        }),
      ).toBe('recorded');
    });
  });

  it('thread keys are case-insensitive and separate review threads', () => {
    expect(threadKeyOf(trigger())).toBe('acme/app#4');
    expect(
      threadKeyOf(trigger({ reviewComment: { path: 'a', line: 1, diffHunk: '', threadRootId: 9 } })),
    ).toBe('acme/app#4:review-9');
  });

  it('codecloud job keys: retries of one event collide, a later follow-up completion does not', () => {
    const completed = {
      event: 'agent.completed' as const,
      status: 'completed' as const,
      run_id: 'r1',
      created_at: '2026-01-01T00:00:00Z',
      completed_at: '2026-01-01T00:05:00Z',
    };
    expect(codecloudJobKey(completed)).toBe(codecloudJobKey({ ...completed }));
    expect(codecloudJobKey(completed)).not.toBe(
      codecloudJobKey({ ...completed, completed_at: '2026-01-01T01:00:00Z' }),
    );
    const p1 = { event: 'agent.progress' as const, status: 'running' as const, run_id: 'r1', thinking: 'a' };
    expect(codecloudJobKey(p1)).not.toBe(codecloudJobKey({ ...p1, thinking: 'b' }));
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cloudCodingAgentBackend,
  LOST_STREAM_MESSAGE,
  STREAM_HOLD_TTL_MS,
} from '../../../src/backends/cloudcoding-backend.js';
import type { CloudCodingClient } from '../../../src/cloudcoding/client.js';
import type { CloudCodingRunState } from '../../../src/cloudcoding/run-recorder.js';
import { progressTextOf, storeStreamHolders } from '../../../src/runs/cloudcoding-runs.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';

describe('Cloud Coding streams across replicas', () => {
  let store: Store;
  let now = 1_700_000_000_000;
  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://', now: () => now });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
  });

  const replica = (holder: string) =>
    cloudCodingAgentBackend({
      client: {} as unknown as CloudCodingClient, // never called: get() of a stream held elsewhere
      githubToken: async () => 'unused',
      streamHolders: storeStreamHolders(store, holder),
    });

  it('a run whose stream another live replica holds is running; once its hold lapses it is lost', async () => {
    const holderA = storeStreamHolders(store, 'replica-a');
    expect(await holderA.hold('cc_1', STREAM_HOLD_TTL_MS)).toBe(true);
    const b = replica('replica-b');
    expect((await b.get('cc_1')).status).toBe('running');
    // The probe gave the hold back: A still renews it.
    expect(await holderA.hold('cc_1', STREAM_HOLD_TTL_MS)).toBe(true);
    now += STREAM_HOLD_TTL_MS + 1;
    const lost = await b.get('cc_1');
    expect(lost.status).toBe('failed');
    expect(lost.error).toBe(LOST_STREAM_MESSAGE);
  });

  it('without a holder record a stream nobody holds is lost at once', async () => {
    expect((await replica('replica-b').get('cc_2')).status).toBe('failed');
  });
});

describe('progressTextOf', () => {
  const state = (tasks: Array<{ name?: string; output: string }>, latestTask?: string) =>
    ({ status: 'running', tasks, latestTask }) as unknown as CloudCodingRunState;

  it('shows the latest output lines of the most recent task, inertly', () => {
    const text = progressTextOf(
      state(
        [
          { name: 'a', output: 'old a\n' },
          { name: 'b', output: 'line 1\nsee [x](https://evil.example)\n' },
        ],
        'b',
      ),
    );
    expect(text).toContain('\\[b\\]');
    expect(text).toContain('line 1');
    expect(text).not.toContain('](https://');
  });
  it('has nothing to show before any output', () => {
    expect(progressTextOf(state([{ output: '' }]))).toBeUndefined();
  });
});

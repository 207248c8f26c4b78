// The Cloud Coding thread of a run, kept on its record in the store (what a follow-up continues).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeThreadIds } from '../../../src/runs/cloudcoding-runs.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { issueRun } from './run-fixtures.js';

describe('storeThreadIds', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
  });

  it('records the thread on the Cloud Coding run and reads it back', async () => {
    await store.createRunIfThreadIdle(issueRun({ backend: 'cloudcoding', remoteRunId: 'cc_1' }));
    const threadIds = storeThreadIds(store);
    expect(await threadIds.get('cc_1')).toBeUndefined();
    await threadIds.set('cc_1', 'thread-9');
    expect(await threadIds.get('cc_1')).toBe('thread-9');
    expect((await store.getRunByRemoteId('cc_1', 'cloudcoding'))?.cloudcodingThreadId).toBe('thread-9');
  });

  it('ignores a run it does not know, and a codecloud run of the same id', async () => {
    await store.createRunIfThreadIdle(issueRun({ backend: 'codecloud', remoteRunId: 'cc_2' }));
    const threadIds = storeThreadIds(store);
    await threadIds.set('cc_2', 'thread-9');
    await threadIds.set('cc_unknown', 'thread-9');
    expect(await threadIds.get('cc_2')).toBeUndefined();
    expect(await threadIds.get('cc_unknown')).toBeUndefined();
  });
});

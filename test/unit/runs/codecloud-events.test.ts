import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, BackendRunView } from '../../../src/backends/agent-backend.js';
import type { CodecloudEvent } from '../../../src/codecloud/webhook-events.js';
import type { GitHubApi } from '../../../src/github/github-api.js';
import { handleCodecloudEventJob } from '../../../src/runs/codecloud-events.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { drainInstallation } from '../../../src/runs/run-lifecycle.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { issueRun, testRunDeps } from './run-fixtures.js';

describe('codecloud progress events', () => {
  let store: Store;
  let now = 1_700_000_000_000;
  let gets = 0;
  const edits: string[] = [];
  let deps: RunDeps;

  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://', now: () => now });
    await store.migrate();
    gets = 0;
    edits.length = 0;
    const view: BackendRunView = { status: 'running', prs: [] };
    const backend: AgentBackend = {
      name: 'codecloud',
      start: async () => ({ kind: 'started', remoteRunId: 'r1' }),
      followUp: async () => ({ kind: 'sent' }),
      stop: async () => undefined,
      get: async () => {
        gets += 1;
        return view;
      },
    };
    const fail = async (): Promise<never> => {
      throw new Error('not used');
    };
    const gh: GitHubApi = {
      permissionOf: async () => 'write',
      createComment: fail,
      updateComment: async (_ref, _id, body) => {
        edits.push(body);
      },
      replyToReviewComment: fail,
      updateReviewComment: fail,
      react: async () => undefined,
      getPull: fail,
      listComments: async () => [],
      listReviewComments: async () => [],
      dispatch: fail,
    };
    deps = testRunDeps({ store, backend, gh, now: () => now });
    const run = await store.createRun(issueRun({ options: {} }));
    await store.updateRun(run.id, { statusCommentId: 900 });
    await drainInstallation(deps, 7); // started: queued, one edit
  });
  afterEach(async () => {
    await store.close();
  });

  const progress = (thinking: string): CodecloudEvent => ({
    event: 'agent.progress',
    run_id: 'r1',
    status: 'running',
    thinking,
  });

  it('signed: shows the text inertly, at most one edit and one read-back per 10 s', async () => {
    now += 1_000;
    await handleCodecloudEventJob(deps, progress('Look [here](https://evil.example)'), {
      bodiesVerified: true,
    });
    expect(gets).toBe(1); // queued → running: read back
    expect(edits.at(-1)).toContain('Running');
    expect(edits.at(-1)).toContain('\\[here\\]');
    expect(edits.at(-1)).not.toContain('](https://');
    const editsBefore = edits.length;
    now += 3_000;
    await handleCodecloudEventJob(deps, progress('Second thought'), { bodiesVerified: true });
    expect(gets).toBe(1); // throttled: not even read back
    expect(edits).toHaveLength(editsBefore);
    now += 10_000;
    await handleCodecloudEventJob(deps, progress('Third thought'), { bodiesVerified: true });
    expect(gets).toBe(2);
    expect(edits.at(-1)).toContain('Third thought');
  });

  it('unsigned: reads the run back but shows nothing from the body', async () => {
    now += 1_000;
    await handleCodecloudEventJob(deps, progress('Forged text'), { bodiesVerified: false });
    expect(gets).toBe(1);
    expect(edits.at(-1)).toContain('Running');
    expect(edits.join('\n')).not.toContain('Forged');
    expect((await store.getRunByRemoteId('r1'))?.progress ?? null).toBeNull();
  });
});

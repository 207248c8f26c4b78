// What counts against the limits, through the command handler on a real (embedded) store: a started run counts; a
// command refused for any reason (bad options, busy thread, a limit) counts nothing; a run codecloud refused to create
// counts nothing; a run that started and failed counts; a retried job counts once; the refusal is one reply and 😕.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBackend, StartRunResult } from '../../../src/backends/agent-backend.js';
import type { GitHubApi } from '../../../src/github/github-api.js';
import { handleCommandJob } from '../../../src/runs/command-handler.js';
import { loadRunConfig } from '../../../src/runs/run-config.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { finalizeRun } from '../../../src/runs/run-lifecycle.js';
import type { CommandTrigger } from '../../../src/runs/trigger.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { USAGE_SCOPES } from '../../../src/store/usage-store.js';
import { quietGitHub, testRunDeps } from './run-fixtures.js';

const NOW = Date.parse('2026-12-06T20:48:00Z');
let store: Store;
let replies: string[];
let reactions: string[];
let starts: number;
let refuseCreate: boolean;
let seq = 0;

const backend: AgentBackend = {
  name: 'codecloud',
  async start(): Promise<StartRunResult> {
    starts += 1;
    if (refuseCreate) throw new Error('codecloud API 422: invalid repo');
    return { kind: 'started', remoteRunId: `remote-${seq}-${starts}` };
  },
  async followUp() {
    return { kind: 'sent' };
  },
  async stop() {},
  async get() {
    return { status: 'running', prs: [] };
  },
};

function deps(config: unknown, ceilings: RunDeps['limitCeilings'] = {}): RunDeps {
  const gh: GitHubApi = quietGitHub({
    createComment: async (_ref, _n, body) => {
      replies.push(body);
      return replies.length + 100;
    },
    react: async (_ref, _target, content) => {
      reactions.push(content);
    },
  });
  return {
    ...testRunDeps({ store, backend, gh, now: () => NOW }),
    loadConfig: async () => loadRunConfig(config),
    limitCeilings: ceilings,
  };
}

function command(text: string, number: number, login = 'alice'): CommandTrigger {
  seq += 1;
  return {
    deliveryId: `d-${seq}`,
    installationId: 7,
    owner: 'acme',
    repo: 'app',
    defaultBranch: 'main',
    source: 'issue_comment',
    number,
    isPullRequest: false,
    title: 'Crash',
    body: 'It crashes',
    commentId: 5_000 + seq,
    text,
    sender: { login, type: 'User' },
  };
}

const repoRuns = () => store.usage.count(USAGE_SCOPES.repoRuns, 'acme/app', '2026-12-06');
const userRuns = (login: string) => store.usage.count(USAGE_SCOPES.userRuns, `7:${login}`, '2026-12-06');

beforeEach(async () => {
  store = await openStore({ dataDir: 'memory://', now: () => NOW });
  replies = [];
  reactions = [];
  starts = 0;
  refuseCreate = false;
});
afterEach(async () => {
  await store.close();
});

describe('counting against the limits', () => {
  it('a started run counts for the repository and the person; a retried job counts it once', async () => {
    const d = deps({ limits: { runs_per_day: 5 } });
    const trigger = command('/codecloud fix it', 1);
    await handleCommandJob(d, trigger);
    await handleCommandJob(d, trigger, { attempt: 2 });
    expect(starts).toBe(1);
    expect(await repoRuns()).toBe(1);
    expect(await userRuns('alice')).toBe(1);
  });

  it('bad options and a busy thread count nothing', async () => {
    const d = deps({ limits: { runs_per_day: 5 } });
    await handleCommandJob(d, command('/codecloud --colour=red fix it', 1));
    expect(await repoRuns()).toBe(0);
    await handleCommandJob(d, command('/codecloud fix it', 1));
    await handleCommandJob(d, command('/codecloud and this too', 1, 'bob'));
    expect(starts).toBe(1);
    expect(await repoRuns()).toBe(1);
    expect(await userRuns('bob')).toBe(0);
    expect(replies.at(-1)).toContain('still working');
  });

  it('a run codecloud refused to create counts nothing; one that started and failed counts', async () => {
    const d = deps({ limits: { runs_per_day: 5 } });
    refuseCreate = true;
    await handleCommandJob(d, command('/codecloud fix it', 1));
    expect(starts).toBe(1);
    expect(await repoRuns()).toBe(0);
    expect(await userRuns('alice')).toBe(0);
    refuseCreate = false;
    await handleCommandJob(d, command('/codecloud fix it again', 2));
    const run = await store.latestRunForThread('acme/app#2');
    if (!run) throw new Error('no run');
    await finalizeRun(d, run, { status: 'failed', result: { error: 'agent crashed' } });
    expect(await repoRuns()).toBe(1);
  });

  it('over runs_per_day: one reply naming the limit, 😕, nothing runs, nothing counted', async () => {
    const d = deps({ limits: { runs_per_day: 2 } });
    await handleCommandJob(d, command('/codecloud one', 1));
    await handleCommandJob(d, command('/codecloud two', 2));
    replies = [];
    reactions = [];
    await handleCommandJob(d, command('/codecloud three', 3, 'bob'));
    expect(starts).toBe(2);
    expect(await store.latestRunForThread('acme/app#3')).toBeNull();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(
      'This repository has used 2 of its 2 runs today (UTC) (`limits.runs_per_day`); the count resets at 00:00 UTC (2026-12-07), in 3 h 12 min.',
    );
    expect(reactions).toEqual(['confused']);
    expect(await repoRuns()).toBe(2);
    expect(await userRuns('bob')).toBe(0);
  });

  it("the operator's ceiling caps a higher config value; runs_per_user_per_day counts across the person's runs", async () => {
    const d = deps({ limits: { runs_per_day: 50, runs_per_user_per_day: 5 } }, { runs_per_day: 1 });
    await handleCommandJob(d, command('/codecloud one', 1));
    await handleCommandJob(d, command('/codecloud two', 2, 'bob'));
    expect(starts).toBe(1);
    expect(replies.at(-1)).toContain('used 1 of its 1 runs today');

    const perUser = deps({ limits: { runs_per_user_per_day: 1 } });
    await handleCommandJob(perUser, command('/codecloud three', 3, 'carol'));
    await handleCommandJob(perUser, command('/codecloud four', 4, 'carol'));
    expect(starts).toBe(2);
    expect(replies.at(-1)).toContain('@carol, you have used 1 of your 1 runs today (UTC)');
  });

  it('a follow-up on the agent’s pull request counts; over the limit it is refused and nothing is sent', async () => {
    let followUps = 0;
    backend.followUp = async () => {
      followUps += 1;
      return { kind: 'sent' };
    };
    const d = deps({ limits: { runs_per_day: 2 } });
    await handleCommandJob(d, command('/codecloud fix it', 1));
    const run = await store.latestRunForThread('acme/app#1');
    if (!run) throw new Error('no run');
    await store.transitionRun(run.id, ['queued', 'running'], {
      status: 'completed',
      result: { prs: [{ repo: 'acme/app', number: 9, branch: 'codecloud/x' }] },
    });
    const onPull = (text: string) => ({ ...command(text, 9), isPullRequest: true });
    await handleCommandJob(d, onPull('/codecloud also add tests'));
    expect(followUps).toBe(1);
    expect(await repoRuns()).toBe(2);
    await store.transitionRun(run.id, ['queued', 'running', 'starting'], { status: 'completed' });
    replies = [];
    await handleCommandJob(d, onPull('/codecloud and docs'));
    expect(followUps).toBe(1);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('used 2 of its 2 runs today');
    expect(await repoRuns()).toBe(2);
  });

  it('tokens_per_month used up refuses new runs until the month ends', async () => {
    const d = deps({ limits: { tokens_per_month: 1_000 } });
    await store.usage.recordRunTokens({ runId: 'old', repoKey: 'acme/app', month: '2026-12', total: 1_500 });
    await handleCommandJob(d, command('/codecloud one', 1));
    expect(starts).toBe(0);
    expect(replies.at(-1)).toContain(
      'This repository has used 1,500 of its 1,000 tokens this month (UTC) (`limits.tokens_per_month`); the count resets on 1 January at 00:00 UTC (2027-01-01)',
    );
  });
});

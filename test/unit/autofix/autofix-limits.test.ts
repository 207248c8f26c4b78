// Autofix attempts count against the limits, through the autofix follow-up on a real (embedded) store: a sent attempt
// counts for the person who asked for the run; a retried attempt counts once; over `runs_per_day` nothing is sent and
// one comment says which limit and when it resets, however often it is tried; an attempt the backend refused counts
// nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendAutofixFollowUp } from '../../../src/autofix/send-follow-up.js';
import type { AgentBackend, FollowUpResult } from '../../../src/backends/agent-backend.js';
import type { GitHubApi } from '../../../src/github/github-api.js';
import { chargeAttempt } from '../../../src/limits/charge.js';
import type { Limits } from '../../../src/limits/limits.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Run, Store } from '../../../src/store/store.js';
import { USAGE_SCOPES } from '../../../src/store/usage-store.js';
import { issueRun, quietGitHub, testRunDeps } from '../runs/run-fixtures.js';

const NOW = Date.parse('2026-12-06T20:48:00Z');
let store: Store;
let comments: string[];
let followUps: string[];
let refuseFollowUp: boolean;

const backend: AgentBackend = {
  name: 'codecloud',
  async start() {
    throw new Error('unused');
  },
  async followUp(_id, message): Promise<FollowUpResult> {
    if (refuseFollowUp) throw new Error('codecloud API 422: session gone');
    followUps.push(message.idempotencyKey ?? '');
    return { kind: 'sent' };
  },
  async stop() {},
  async get() {
    return { status: 'running', prs: [] };
  },
};

function deps(): RunDeps {
  const gh: GitHubApi = quietGitHub({
    createComment: async (_ref, _n, body) => {
      comments.push(body);
      return comments.length + 100;
    },
  });
  return testRunDeps({ store, backend, gh, now: () => NOW });
}

/** A completed run (asked for by alice) that opened acme/app#2. */
async function agentRun(): Promise<Run> {
  const created = await store.createRun(issueRun({ status: 'completed' }));
  return store.updateRun(created.id, {
    remoteRunId: 'remote-1',
    result: { prs: [{ repo: 'acme/app', number: 2, url: 'https://github.com/acme/app/pull/2' }] },
  });
}

const attempt = (sha: string) => ({
  number: 2,
  prompt: 'The checks failed',
  headline: `Fix the failed checks on ${sha}`,
  origin: {
    kind: 'ci' as const,
    sha,
    commitUrl: `https://github.com/acme/app/commit/${sha}`,
    checks: ['test'],
    attempt: 1,
    maxAttempts: 3,
  },
  idempotencyKey: `autofix-ci-${sha}`,
});
const config = { timeoutMinutes: 30, trigger: '/codecloud' };

const repoRuns = () => store.usage.count(USAGE_SCOPES.repoRuns, 'acme/app', '2026-12-06');
const userRuns = (login: string) => store.usage.count(USAGE_SCOPES.userRuns, `7:${login}`, '2026-12-06');
/** Someone else's command, counted today. */
const otherRun = (n: number, limits: Limits) =>
  chargeAttempt(
    store,
    limits,
    { chargeKey: `command:issue_comment:${n}`, installationId: 7, owner: 'acme', repo: 'app', login: 'bob' },
    NOW,
  );

beforeEach(async () => {
  store = await openStore({ dataDir: 'memory://', now: () => NOW });
  comments = [];
  followUps = [];
  refuseFollowUp = false;
});
afterEach(async () => {
  await store.close();
});

describe('autofix attempts against the limits', () => {
  it('a sent attempt counts for the person who asked for the run, once however often it is tried', async () => {
    const d = deps();
    const run = await agentRun();
    expect(await sendAutofixFollowUp(d, run, config, attempt('abc1234'), { runs_per_day: 5 })).toBe('sent');
    expect(followUps).toEqual(['autofix-ci-abc1234']);
    expect(await repoRuns()).toBe(1);
    expect(await userRuns('alice')).toBe(1);
    const after = await store.getRun(run.id);
    expect(after?.options.usageCharge).toBe('autofix:acme/app#2:autofix-ci-abc1234');
    // A retried job (the run already moved on): busy, and the charge it carries is not counted again nor given back.
    expect(await sendAutofixFollowUp(d, run, config, attempt('abc1234'), { runs_per_day: 5 })).toBe('busy');
    expect(await repoRuns()).toBe(1);
  });

  it('over runs_per_day: nothing is sent and one comment names the limit and the reset, however often', async () => {
    const d = deps();
    const limits = { runs_per_day: 2 };
    await otherRun(1, limits);
    await otherRun(2, limits);
    const run = await agentRun();
    expect(await sendAutofixFollowUp(d, run, config, attempt('abc1234'), limits)).toBe('refused');
    expect(await sendAutofixFollowUp(d, run, config, attempt('abc1234'), limits)).toBe('refused');
    expect(await sendAutofixFollowUp(d, run, config, attempt('def5678'), limits)).toBe('refused');
    expect(followUps).toEqual([]);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('Autofix stopped');
    expect(comments[0]).toContain('used 2 of its 2 runs today');
    expect(comments[0]).toContain('limits.runs_per_day');
    expect(comments[0]).toContain('00:00 UTC');
    expect(await repoRuns()).toBe(2);
    expect(await userRuns('alice')).toBe(0);
    expect((await store.getRun(run.id))?.status).toBe('completed');
  });

  it('over runs_per_user_per_day of the person who asked for the run: the comment names them', async () => {
    const d = deps();
    const run = await agentRun();
    await chargeAttempt(
      store,
      {},
      { chargeKey: 'command:issue_comment:9', installationId: 7, owner: 'acme', repo: 'app', login: 'alice' },
      NOW,
    );
    const limits = { runs_per_user_per_day: 1 };
    expect(await sendAutofixFollowUp(d, run, config, attempt('abc1234'), limits)).toBe('refused');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('limits.runs_per_user_per_day');
    expect(comments[0]).toContain('`alice`');
    expect(comments[0]).not.toContain('@alice');
  });

  it('an attempt the backend refused to take counts nothing', async () => {
    const d = deps();
    const run = await agentRun();
    refuseFollowUp = true;
    await sendAutofixFollowUp(d, run, config, attempt('abc1234'), { runs_per_day: 5 });
    expect((await store.getRun(run.id))?.status).toBe('failed');
    expect(await repoRuns()).toBe(0);
    expect(await userRuns('alice')).toBe(0);
  });
});

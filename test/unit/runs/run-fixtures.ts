// Shared set-up for the orchestration unit tests: the RunDeps around a store, a backend and a GitHub fake, and a
// plain issue run as the store records it.

import {
  JOB_AUTOFIX_CI,
  JOB_AUTOFIX_PUSH,
  JOB_AUTOFIX_REVIEW,
  JOB_STOP_BUTTON,
} from '../../../src/autofix/triggers.js';
import type { AgentBackend } from '../../../src/backends/agent-backend.js';
import type { GitHubApi } from '../../../src/github/github-api.js';
import { lookUpLostCreate } from '../../../src/runs/create-look-up.js';
import { jobHandlers } from '../../../src/runs/jobs.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
import { drainInstallation } from '../../../src/runs/run-lifecycle.js';
import {
  JOB_BACKEND_FINISHED,
  JOB_CODECLOUD_EVENT,
  JOB_COMMAND,
  JOB_DRAIN,
  JOB_LOOK_UP_CREATE,
  JOB_PUSH,
  JOB_RELAY_COMPLETION,
  JOB_RELAY_SCHEDULE,
} from '../../../src/runs/trigger.js';
import type { NewRun, Store } from '../../../src/store/store.js';

export function testRunDeps(parts: {
  store: Store;
  backend: AgentBackend;
  gh: GitHubApi;
  now: () => number;
}): RunDeps {
  return {
    store: parts.store,
    backends: { codecloud: parts.backend },
    github: async () => parts.gh,
    loadConfig: async () => {
      throw new Error('unused');
    },
    installationOf: async () => null,
    botLogin: 'codecloud[bot]',
    knownSecrets: [],
    now: parts.now,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    wake() {},
    holder: 'test-process',
  };
}

/**
 * A GitHub where the commenter has write access, every write succeeds and nothing is listed; `overrides` replace
 * the calls a test watches. `getPull` throws: an issue run never asks for one.
 */
export function quietGitHub(overrides: Partial<GitHubApi> = {}): GitHubApi {
  return {
    permissionOf: async () => 'write',
    createComment: async () => 1,
    updateComment: async () => undefined,
    replyToReviewComment: async () => 2,
    updateReviewComment: async () => undefined,
    react: async () => undefined,
    getPull: async () => {
      throw new Error('unused');
    },
    listComments: async () => [],
    listReviewComments: async () => [],
    dispatch: async () => undefined,
    ...overrides,
  };
}

/** A `/codecloud fix it` run on issue acme/app#1 of installation 7. */
export function issueRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    backend: 'codecloud',
    installationId: 7,
    owner: 'acme',
    repo: 'app',
    threadKey: 'acme/app#1',
    number: 1,
    targetKind: 'issue',
    triggerCommentId: 55,
    triggerKind: 'issue_comment',
    requestedBy: 'alice',
    mode: 'execute',
    prompt: 'fix it',
    ...overrides,
  };
}

/**
 * Works off the store's due jobs once, as the worker would, with the orchestration's own handlers (drains and
 * look-ups of lost creates); returns the kinds run. Time moves only with the store's clock.
 */
export async function runDueJobs(deps: RunDeps): Promise<string[]> {
  const handlers = jobHandlers({
    [JOB_COMMAND]: async () => undefined,
    [JOB_PUSH]: async () => undefined,
    [JOB_CODECLOUD_EVENT]: async () => undefined,
    [JOB_RELAY_COMPLETION]: async () => undefined,
    [JOB_RELAY_SCHEDULE]: async () => undefined,
    [JOB_BACKEND_FINISHED]: async () => undefined,
    [JOB_DRAIN]: ({ installationId }) => drainInstallation(deps, installationId),
    [JOB_LOOK_UP_CREATE]: (payload) => lookUpLostCreate(deps, payload),
    [JOB_AUTOFIX_CI]: async () => undefined,
    [JOB_AUTOFIX_PUSH]: async () => undefined,
    [JOB_AUTOFIX_REVIEW]: async () => undefined,
    [JOB_STOP_BUTTON]: async () => undefined,
  });
  const ran: string[] = [];
  for (const job of await deps.store.claimJobs(50, 60_000)) {
    await handlers[job.kind]?.(job.payload, job);
    await deps.store.completeJob(job.id);
    ran.push(job.kind);
  }
  return ran;
}

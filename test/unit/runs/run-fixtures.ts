// Shared set-up for the orchestration unit tests: the RunDeps around a store, a backend and a GitHub fake, and a
// plain issue run as the store records it.
import type { GitHubApi } from '../../../src/github/github-api.js';
import type { AgentBackend } from '../../../src/runs/agent-backend.js';
import type { RunDeps } from '../../../src/runs/run-deps.js';
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

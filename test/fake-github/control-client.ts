// Typed helpers for the fake GitHub's /_fake control API, for tests (works against a process or in-process).
import type { Permission } from './state.js';

export interface FakeGitHubState {
  now?: string;
  repos: Array<{
    id: number;
    full_name: string;
    owner: string;
    name: string;
    default_branch: string;
    installation_id: number;
    private: boolean;
    files: Record<string, string>;
  }>;
  users: Array<{ login: string; id: number; type: 'User' | 'Bot' }>;
  issues: Array<{
    id: number;
    repo: string;
    number: number;
    title: string;
    body: string;
    user: string;
    labels: string[];
    state: string;
    created_at: string;
  }>;
  pulls: Array<{
    id: number;
    repo: string;
    number: number;
    title: string;
    body: string;
    user: string;
    head: string;
    base: string;
    headSha: string;
    headRepo: string;
    fork: boolean;
    state: string;
  }>;
  comments: Array<{
    id: number;
    kind: 'issue' | 'review';
    repo: string;
    number: number;
    user: string;
    body: string;
    created_at: string;
    updated_at: string;
    edits: number;
    in_reply_to?: number;
    path?: string;
    line?: number | null;
  }>;
  reactions: Array<{
    subject: 'issue' | 'comment' | 'review_comment';
    id: number;
    repo: string;
    content: string;
    user: string;
  }>;
  reviews: Array<{ id: number; repo: string; number: number; user: string; body: string; state: string }>;
  checkSuites: Array<{
    id: number;
    repo: string;
    headSha: string;
    app: { id: number; slug: string };
    status: string;
    conclusion: string | null;
  }>;
  checkRuns: Array<{
    id: number;
    suiteId: number;
    repo: string;
    headSha: string;
    name: string;
    status: string;
    conclusion: string | null;
    externalId: string | null;
    detailsUrl: string | null;
    output: { title: string | null; summary: string | null; text: string | null };
    actions: Array<{ label: string; description: string; identifier: string }>;
    updates: number;
  }>;
  dispatches: Array<{ repo: string; event_type: string; client_payload: unknown }>;
  tokens: Array<{
    token: string;
    installationId: number;
    expires_at: string;
    repositories?: string[];
    permissions?: Record<string, string>;
  }>;
  requests: Array<{
    method: string;
    path: string;
    query?: string;
    status: number;
    at: string;
    operationId?: string;
    body?: unknown;
  }>;
  violations: Array<{ method: string; path: string; reason: string }>;
  deliveries: Array<{
    id: string;
    event: string;
    action?: string;
    status?: number;
    error?: string;
    at: string;
  }>;
  echo_bot_comments: boolean;
}

export interface RandomFaultInput {
  methods: string[];
  path?: string;
  rate: number;
  status: number;
  headers?: Record<string, string>;
  message?: string;
  seed?: number;
}

export interface RandomFault extends Required<Omit<RandomFaultInput, 'seed' | 'headers' | 'message'>> {
  id: string;
  headers?: Record<string, string>;
  message?: string;
  hits: number;
}

/** `async: true` returns as soon as the webhook is sent instead of waiting for the receiver's answer. */
interface Delivery {
  async?: boolean;
}

export interface FakeGitHubControl {
  createRepo(input: {
    owner: string;
    name: string;
    defaultBranch?: string;
    installationId?: number;
    private?: boolean;
  }): Promise<{ id: number; full_name: string }>;
  setPermission(input: { repo: string; user: string; permission: Permission }): Promise<void>;
  putFile(input: { repo: string; path: string; content: string | null }): Promise<void>;
  createUser(input: { login: string; type?: 'User' | 'Bot' }): Promise<void>;
  openIssue(
    input: { repo: string; title: string; body?: string; user: string; labels?: string[] } & Delivery,
  ): Promise<{ number: number; deliveryId: string }>;
  openPull(
    input: {
      repo: string;
      title: string;
      body?: string;
      head: string;
      base?: string;
      user: string;
      fork?: boolean;
    } & Delivery,
  ): Promise<{ number: number; html_url: string; deliveryId: string }>;
  comment(
    input: { repo: string; number: number; user: string; body: string } & Delivery,
  ): Promise<{ id: number; deliveryId: string }>;
  editComment(
    input: { repo: string; commentId: number; body: string; user: string } & Delivery,
  ): Promise<{ id: number; deliveryId: string }>;
  reviewComment(
    input: {
      repo: string;
      number: number;
      user: string;
      body: string;
      path: string;
      line: number;
      diff_hunk?: string;
      in_reply_to?: number;
    } & Delivery,
  ): Promise<{ id: number; deliveryId: string }>;
  submitReview(
    input: {
      repo: string;
      number: number;
      user: string;
      body: string;
      state?: string;
      comments?: Array<{ path: string; line?: number; body: string; diff_hunk?: string }>;
    } & Delivery,
  ): Promise<{ id: number; deliveryId: string }>;
  label(
    input: { repo: string; number: number; label: string; user: string } & Delivery,
  ): Promise<{ deliveryId: string }>;
  redeliver(deliveryId: string): Promise<{ deliveryId: string; status: number | null }>;
  setWebhook(input: { url?: string; secret?: string }): Promise<void>;
  /** The user GitHub's OAuth authorize page signs in at once (null: nobody). */
  setOAuthUser(login: string | null): Promise<void>;
  echoBotComments(enabled: boolean): Promise<void>;
  /** Registers `token` as the workflow token (GITHUB_TOKEN) of `repo`. */
  workflowToken(input: { repo: string; token: string }): Promise<void>;
  expireTokens(token?: string): Promise<{ expired: number }>;
  /**
   * The next `times` (default 1) API requests matching `method` and the `path` regular expression answer `status`;
   * with `phase: 'after'` each is carried out first (e.g. the comment is created) and only its answer is lost.
   */
  fault(input: {
    method: string;
    path: string;
    status: number;
    times?: number;
    headers?: Record<string, string>;
    message?: string;
    phase?: 'before' | 'after';
  }): Promise<void>;
  reset(): Promise<void>;
  state(): Promise<FakeGitHubState>;
  /** Polls /_fake/state until `predicate` returns a truthy value, and returns that value. */
  waitFor<T>(
    predicate: (state: FakeGitHubState) => T | undefined | null | false,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<T>;
  /**
   * From now on, every API request with a method in `methods` and a path matching `path` (default `^/repos/`)
   * answers `status` (with `headers` and `message`) with probability `rate`; `seed` reseeds the dice.
   */
  randomFault(input: RandomFaultInput): Promise<RandomFault>;
  /** The random faults and how often each hit. */
  randomFaults(): Promise<RandomFault[]>;
  clearRandomFaults(): Promise<void>;
  /** CI finished (or is running) a check suite on a pull request's head (`number`) or a `sha`. */
  checkSuite(
    input: CheckSuiteInput & Delivery,
  ): Promise<{ id: number; sha: string; runs: number[]; deliveryId?: string }>;
  /** Someone pushed to a pull request's head branch: its head moves to a new commit, `push` is sent. */
  push(
    input: { repo: string; number: number; user: string; sha?: string; message?: string } & Delivery,
  ): Promise<{ sha: string; deliveryId: string }>;
  /** Someone clicked a check run's button (`requested_action`). */
  checkRunAction(
    input: { repo: string; checkRunId: number; user: string; identifier: string } & Delivery,
  ): Promise<{ deliveryId: string }>;
  /** The permissions an installation has accepted (its tokens get no more). */
  installationPermissions(input: {
    installationId: number;
    permissions: Record<string, string>;
  }): Promise<void>;
  /** An owner accepts the app's updated permissions: new tokens get them all, `installation` is sent. */
  acceptPermissions(
    input: { installationId: number; user?: string } & Delivery,
  ): Promise<{ deliveryId: string }>;
}

export interface CheckSuiteInput {
  repo: string;
  number?: number;
  sha?: string;
  /** `github-actions` (default) or another CI app's slug. */
  app?: string;
  status?: 'completed' | 'in_progress';
  sender?: string;
  send?: boolean;
  runs: Array<{
    name: string;
    conclusion?: string;
    output?: { title?: string; summary?: string; text?: string };
    /** An Actions job log: `head` lines, `filler.lines` generated lines, `tail` lines. */
    log?: { head?: string[]; filler?: { lines: number; text: string }; tail?: string[] };
  }>;
}

export function fakeGitHubControl(baseUrl: string): FakeGitHubControl {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fake GitHub ${method} ${path} → ${response.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  const state = (): Promise<FakeGitHubState> => call('GET', '/_fake/state');
  return {
    createRepo: (input) => call('POST', '/_fake/repos', input),
    setPermission: async (input) => void (await call('PUT', '/_fake/permissions', input)),
    putFile: async (input) => void (await call('PUT', '/_fake/files', input)),
    createUser: async (input) => void (await call('POST', '/_fake/users', input)),
    openIssue: (input) => call('POST', '/_fake/issues', input),
    openPull: (input) => call('POST', '/_fake/pulls', input),
    comment: (input) => call('POST', '/_fake/comments', input),
    editComment: (input) => call('POST', '/_fake/comment-edits', input),
    reviewComment: (input) => call('POST', '/_fake/review-comments', input),
    submitReview: (input) => call('POST', '/_fake/reviews', input),
    label: (input) => call('POST', '/_fake/labels', input),
    redeliver: (deliveryId) => call('POST', '/_fake/redeliver', { deliveryId }),
    setWebhook: async (input) => void (await call('POST', '/_fake/webhook', input)),
    setOAuthUser: async (login) => void (await call('POST', '/_fake/oauth-user', { login })),
    echoBotComments: async (enabled) => void (await call('POST', '/_fake/echo-bot-comments', { enabled })),
    workflowToken: async (input) => void (await call('POST', '/_fake/tokens', input)),
    expireTokens: (token) => call('POST', '/_fake/tokens/expire', token === undefined ? {} : { token }),
    fault: async (input) => void (await call('POST', '/_fake/faults', input)),
    reset: async () => void (await call('POST', '/_fake/reset', {})),
    state,
    randomFault: (input) => call('POST', '/_fake/random-faults', input),
    randomFaults: () => call('GET', '/_fake/random-faults'),
    checkSuite: (input) => call('POST', '/_fake/check-suites', input),
    push: (input) => call('POST', '/_fake/pushes', input),
    checkRunAction: (input) => call('POST', '/_fake/check-run-actions', input),
    installationPermissions: async (input) =>
      void (await call('PUT', '/_fake/installation-permissions', input)),
    acceptPermissions: (input) => call('POST', '/_fake/installation-permissions/accept', input),
    clearRandomFaults: async () => void (await call('POST', '/_fake/random-faults/clear', {})),
    async waitFor(predicate, options = {}) {
      const timeoutMs = options.timeoutMs ?? 10_000;
      const intervalMs = options.intervalMs ?? 50;
      const deadline = Date.now() + timeoutMs;
      let last: FakeGitHubState | undefined;
      for (;;) {
        last = await state();
        const value = predicate(last);
        if (value) return value;
        if (Date.now() >= deadline) {
          throw new Error(
            `fake GitHub waitFor timed out after ${timeoutMs} ms; last requests: ${JSON.stringify(last.requests.slice(-5))}; violations: ${JSON.stringify(last.violations)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
}

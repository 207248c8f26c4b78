// The little state the fake GitHub keeps, and the JSON shapes (REST and webhook) built from it.

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export const PERMISSIONS: readonly Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  installationId: number;
  private: boolean;
  /** Fork repos created for fork PRs are not installed. */
  isFork: boolean;
  files: Map<string, string>;
  nextNumber: number;
}

export interface FakeIssue {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string;
  user: string;
  labels: string[];
  state: 'open' | 'closed';
  createdAt: string;
  updatedAt: string;
  pull?: { head: string; base: string; headSha: string; headRepo: string; fork: boolean };
}

export interface FakeComment {
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
  diff_hunk?: string;
  review_id?: number;
  commit_id?: string;
  viaApp: boolean;
}

export interface FakeReaction {
  id: number;
  subject: 'issue' | 'comment' | 'review_comment';
  /** Issue/PR number for 'issue', comment id otherwise. */
  subjectId: number;
  repo: string;
  content: string;
  user: string;
}

export interface FakeToken {
  token: string;
  installationId: number;
  expiresAt: number;
  repositories?: string[];
  permissions?: Record<string, string>;
}

export interface FakeDelivery {
  id: string;
  event: string;
  action: string | undefined;
  status: number | undefined;
  error?: string;
  /** ms from sending until the receiver's answer (its status line and headers). */
  ms?: number;
  url: string;
  payload: string;
  at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query?: string;
  status: number;
  at: string;
  operationId?: string;
  body?: unknown;
}

export interface Violation {
  method: string;
  path: string;
  reason: string;
}

/** `path` is a regular expression matched against the API path (without `/api/v3`), e.g. `^/repos/o/r/issues/comments/\\d+$`. */
export interface FakeFault {
  method: string;
  path: string;
  status: number;
  times: number;
  /** `before` (default): nothing happens; `after`: the request is carried out, then answered with `status`. */
  phase?: 'before' | 'after';
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** The error message (GitHub says "You have exceeded a secondary rate limit" for those). */
  message?: string;
}

/**
 * An injected GitHub error that hits at random: each API request whose method is in `methods` and whose path matches
 * the `path` regular expression answers `status` with probability `rate` (seeded, so a run is repeatable).
 */
export interface FakeRandomFault {
  id: string;
  methods: string[];
  path: string;
  rate: number;
  status: number;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  message?: string;
  hits: number;
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A check suite on a commit (`app` is who made it: `github-actions`, another CI, or the app itself). */
export interface FakeCheckSuite {
  id: number;
  repo: string;
  headSha: string;
  headBranch: string | null;
  app: { id: number; slug: string };
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
}

/** How a fake Actions job log is made, as a stream: `head` lines, `filler.lines` generated lines, `tail` lines. */
export interface FakeJobLog {
  head: string[];
  filler?: { lines: number; text: string };
  tail: string[];
}

export interface FakeCheckRun {
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
  actions: unknown[];
  startedAt: string;
  completedAt: string | null;
  /** Edits after creation (PATCH). */
  updates: number;
  log?: FakeJobLog;
}

const threadKey = (kind: FakeComment['kind'], repo: string, number: number): string =>
  `${kind} ${repo}#${number}`;

/**
 * The comments by id, also found by thread (`on`) without a scan of every comment: a soak's fake holds tens of
 * thousands, and every issue it serves counts its own.
 */
export class CommentMap extends Map<number, FakeComment> {
  readonly #byThread = new Map<string, Map<number, FakeComment>>();

  override set(id: number, comment: FakeComment): this {
    this.#unindex(id);
    super.set(id, comment);
    const key = threadKey(comment.kind, comment.repo, comment.number);
    let thread = this.#byThread.get(key);
    if (!thread) {
      thread = new Map();
      this.#byThread.set(key, thread);
    }
    thread.set(id, comment);
    return this;
  }

  override delete(id: number): boolean {
    this.#unindex(id);
    return super.delete(id);
  }

  /** Takes the comment now under `id`, if any, out of its thread. */
  #unindex(id: number): void {
    const before = super.get(id);
    if (before) this.#byThread.get(threadKey(before.kind, before.repo, before.number))?.delete(id);
  }

  override clear(): void {
    this.#byThread.clear();
    super.clear();
  }

  /** The thread's comments of one kind, oldest first. */
  on(kind: FakeComment['kind'], repo: string, number: number): FakeComment[] {
    return [...(this.#byThread.get(threadKey(kind, repo, number))?.values() ?? [])].sort(
      (a, b) => a.id - b.id,
    );
  }
}

export class FakeState {
  nextId = 1000;
  checkSuites: FakeCheckSuite[] = [];
  checkRuns: FakeCheckRun[] = [];
  /** Installations granted fewer permissions than the app asks for (not yet accepted). */
  installationPermissions = new Map<number, Record<string, string>>();
  users = new Map<string, FakeUser>();
  repos = new Map<string, FakeRepo>();
  permissions = new Map<string, Permission>();
  issues = new Map<string, FakeIssue>();
  comments = new CommentMap();
  /** Every reaction, in order; add with `addReaction` (it also keeps them by subject). */
  reactions: FakeReaction[] = [];
  readonly #reactionsBySubject = new Map<string, FakeReaction[]>();
  reviews: Array<{ id: number; repo: string; number: number; user: string; body: string; state: string }> =
    [];
  dispatches: Array<{ repo: string; event_type: string; client_payload: unknown }> = [];
  tokens = new Map<string, FakeToken>();
  /** User-to-server tokens (`ghu_…`, from the OAuth flow) → the user's login. */
  userTokens = new Map<string, string>();
  /** The user `GET /login/oauth/authorize` signs in (`POST /_fake/oauth-user`); undefined: nobody. */
  oauthUser: string | undefined;
  requests: RecordedRequest[] = [];
  violations: Violation[] = [];
  deliveries: FakeDelivery[] = [];
  echoBotComments = false;
  /** Injected GitHub errors: the next `times` API requests matching `method` and `path` answer `status`. */
  faults: FakeFault[] = [];
  /** Injected GitHub errors that hit at random (`POST /_fake/random-faults`), in order: the first hit wins. */
  randomFaults: FakeRandomFault[] = [];
  randomFaultDice: () => number = seededRandom(1);

  addReaction(reaction: FakeReaction): void {
    this.reactions.push(reaction);
    const key = `${reaction.subject} ${reaction.subjectId}`;
    const toSubject = this.#reactionsBySubject.get(key);
    if (toSubject) toSubject.push(reaction);
    else this.#reactionsBySubject.set(key, [reaction]);
  }

  /** The reactions to one issue or comment (`subjectId` as in `FakeReaction`), in order. */
  reactionsTo(subject: FakeReaction['subject'], subjectId: number): readonly FakeReaction[] {
    return this.#reactionsBySubject.get(`${subject} ${subjectId}`) ?? [];
  }

  /** The random fault that hits this request (counting the hit), or undefined. */
  pickRandomFault(method: string, path: string): FakeRandomFault | undefined {
    for (const fault of this.randomFaults) {
      if (!fault.methods.includes(method) || !new RegExp(fault.path).test(path)) continue;
      if (this.randomFaultDice() >= fault.rate) continue;
      fault.hits += 1;
      return fault;
    }
    return undefined;
  }

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  user(login: string, type?: 'User' | 'Bot'): FakeUser {
    const existing = this.users.get(login.toLowerCase());
    if (existing) {
      if (type) existing.type = type;
      return existing;
    }
    const created: FakeUser = {
      login,
      id: this.id(),
      type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
    };
    this.users.set(login.toLowerCase(), created);
    return created;
  }

  repo(fullName: string): FakeRepo | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  issue(repo: string, number: number): FakeIssue | undefined {
    return this.issues.get(`${repo.toLowerCase()}#${number}`);
  }

  putIssue(issue: FakeIssue): void {
    this.issues.set(`${issue.repo.toLowerCase()}#${issue.number}`, issue);
  }

  permission(repo: FakeRepo, login: string): Permission {
    const explicit = this.permissions.get(`${repo.fullName.toLowerCase()}#${login.toLowerCase()}`);
    if (explicit) return explicit;
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    return repo.private ? 'none' : 'read';
  }

  snapshot(): Record<string, unknown> {
    return {
      repos: [...this.repos.values()].map((r) => ({
        id: r.id,
        full_name: r.fullName,
        owner: r.owner,
        name: r.name,
        default_branch: r.defaultBranch,
        installation_id: r.installationId,
        private: r.private,
        files: Object.fromEntries(r.files),
      })),
      users: [...this.users.values()],
      permissions: [...this.permissions.entries()].map(([key, permission]) => {
        const [repo, user] = key.split('#');
        return { repo, user, permission };
      }),
      issues: [...this.issues.values()].filter((i) => !i.pull).map((i) => ({ ...publicIssue(i) })),
      pulls: [...this.issues.values()].filter((i) => i.pull).map((i) => ({ ...publicIssue(i), ...i.pull })),
      comments: [...this.comments.values()].map((c) => ({
        id: c.id,
        kind: c.kind,
        repo: c.repo,
        number: c.number,
        user: c.user,
        body: c.body,
        created_at: c.created_at,
        updated_at: c.updated_at,
        edits: c.edits,
        ...(c.in_reply_to !== undefined ? { in_reply_to: c.in_reply_to } : {}),
        ...(c.path !== undefined ? { path: c.path, line: c.line ?? null } : {}),
      })),
      reactions: this.reactions.map((r) => ({
        subject: r.subject,
        id: r.subjectId,
        repo: r.repo,
        content: r.content,
        user: r.user,
      })),
      reviews: this.reviews,
      checkSuites: this.checkSuites,
      checkRuns: this.checkRuns.map(({ log: _log, ...run }) => run),
      dispatches: this.dispatches,
      tokens: [...this.tokens.values()].map((t) => ({
        token: t.token,
        installationId: t.installationId,
        expires_at: new Date(t.expiresAt).toISOString(),
        ...(t.repositories ? { repositories: t.repositories } : {}),
        ...(t.permissions ? { permissions: t.permissions } : {}),
      })),
      requests: this.requests,
      violations: this.violations,
      deliveries: this.deliveries.map((d) => ({
        id: d.id,
        event: d.event,
        action: d.action,
        status: d.status,
        ...(d.error ? { error: d.error } : {}),
        at: d.at,
      })),
      echo_bot_comments: this.echoBotComments,
    };
  }
}

function publicIssue(i: FakeIssue): Record<string, unknown> {
  return {
    id: i.id,
    repo: i.repo,
    number: i.number,
    title: i.title,
    body: i.body,
    user: i.user,
    labels: i.labels,
    state: i.state,
    created_at: i.createdAt,
  };
}

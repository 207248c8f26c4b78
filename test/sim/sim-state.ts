// The simulator's state: accounts, runs, schedules, scripts, idempotency records and everything recorded for
// inspection. Behaviour lives in run-engine.ts, schedule-engine.ts and api-routes.ts.
import { randomBytes } from 'node:crypto';
import type { FaultBook } from './faults.js';
import type { SimClock } from './sim-clock.js';
import type {
  PromptScript,
  PullRequestEvent,
  RecordedRequest,
  RunScript,
  SimPlan,
  SimRun,
  SimSchedule,
  WebhookAttempt,
} from './types.js';
import type { WebhookSender } from './webhook-delivery.js';

/** Concurrent runs per plan (codecloud documents starter 1, pro 5; `free` is not documented: 1). */
export const PLAN_LIMITS: Record<SimPlan, number> = { free: 1, starter: 1, pro: 5 };

/** How long an idempotency key is remembered (codecloud documents 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RunInternal {
  script: RunScript;
  /** Remaining scripts of `script.followUps`. */
  followUps: RunScript[];
  /** Bumped by every phase start and by stop: timers of an older generation do nothing. */
  generation: number;
  cancels: Array<() => void>;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newId(): string {
  const bytes = randomBytes(16);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

export class SimState {
  readonly clock: SimClock;
  readonly faults: FaultBook;
  readonly webhooks: WebhookSender;
  readonly githubUrl: string;
  readonly onPullRequest: ((event: PullRequestEvent) => void | Promise<void>) | undefined;

  keys = new Map<string, SimPlan>();
  /** Concurrent runs per plan (`SimulatorOptions.planLimits` over `PLAN_LIMITS`). */
  planLimits: Record<SimPlan, number> = { ...PLAN_LIMITS };
  secret: string | null;
  progress: boolean;

  runs = new Map<string, SimRun>();
  runInternals = new Map<string, RunInternal>();
  schedules = new Map<string, SimSchedule>();
  scheduleCancels = new Map<string, () => void>();
  attempts: WebhookAttempt[];
  requests: RecordedRequest[] = [];
  idempotency = new Map<string, { expiresAt: number; answer: ApiAnswer }>();
  prNumbers = new Map<string, number>();

  defaultScript: RunScript;
  defaultFollowUpScript: RunScript;
  scriptQueue: RunScript[] = [];
  followUpQueue: RunScript[] = [];
  promptScripts: PromptScript[] = [];

  constructor(init: {
    clock: SimClock;
    faults: FaultBook;
    webhooks: WebhookSender;
    attempts: WebhookAttempt[];
    githubUrl: string;
    secret: string | null;
    progress: boolean;
    defaultScript: RunScript;
    defaultFollowUpScript: RunScript;
    onPullRequest: ((event: PullRequestEvent) => void | Promise<void>) | undefined;
  }) {
    this.clock = init.clock;
    this.faults = init.faults;
    this.webhooks = init.webhooks;
    this.attempts = init.attempts;
    this.githubUrl = init.githubUrl.replace(/\/+$/, '');
    this.secret = init.secret;
    this.progress = init.progress;
    this.defaultScript = init.defaultScript;
    this.defaultFollowUpScript = init.defaultFollowUpScript;
    this.onPullRequest = init.onPullRequest;
  }

  /** Runs of this key that hold a slot (`queued` or `running`). */
  activeRunCount(key: string): number {
    let count = 0;
    for (const run of this.runs.values()) {
      if (run.api_key === key && (run.status === 'queued' || run.status === 'running')) count++;
    }
    return count;
  }

  atLimit(key: string): boolean {
    const plan = this.keys.get(key);
    return plan === undefined || this.activeRunCount(key) >= this.planLimits[plan];
  }

  pickRunScript(prompt: string): RunScript {
    const queued = this.scriptQueue.shift();
    if (queued) return queued;
    const matched = this.promptScripts.find(
      (entry) => (entry.scope ?? 'any') !== 'follow-up' && prompt.includes(entry.match),
    );
    return matched?.script ?? this.defaultScript;
  }

  pickFollowUpScript(runId: string, prompt: string): RunScript {
    const own = this.runInternals.get(runId)?.followUps.shift();
    if (own) return own;
    const queued = this.followUpQueue.shift();
    if (queued) return queued;
    const matched = this.promptScripts.find(
      (entry) => (entry.scope ?? 'any') !== 'run' && prompt.includes(entry.match),
    );
    return matched?.script ?? this.defaultFollowUpScript;
  }

  nextPrNumber(repo: string): number {
    const next = (this.prNumbers.get(repo) ?? 99) + 1;
    this.prNumbers.set(repo, next);
    return next;
  }

  /** Claims a PR number chosen by a script, so generated numbers never collide with it. */
  claimPrNumber(repo: string, number: number): void {
    if (number > (this.prNumbers.get(repo) ?? 99)) this.prNumbers.set(repo, number);
  }

  rememberIdempotent(scope: string, answer: ApiAnswer): void {
    this.idempotency.set(scope, { expiresAt: this.clock.now() + IDEMPOTENCY_TTL_MS, answer });
  }

  recallIdempotent(scope: string): ApiAnswer | undefined {
    const entry = this.idempotency.get(scope);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.idempotency.delete(scope);
      return undefined;
    }
    return entry.answer;
  }

  /** Forgets runs, schedules, webhooks, requests, scripts and faults; cancels their timers. */
  reset(): void {
    for (const internal of this.runInternals.values()) {
      internal.generation++;
      for (const cancel of internal.cancels) cancel();
    }
    for (const cancel of this.scheduleCancels.values()) cancel();
    this.runs.clear();
    this.runInternals.clear();
    this.schedules.clear();
    this.scheduleCancels.clear();
    this.attempts.length = 0;
    this.requests.length = 0;
    this.idempotency.clear();
    this.prNumbers.clear();
    this.scriptQueue = [];
    this.followUpQueue = [];
    this.promptScripts = [];
    this.faults.clear();
  }
}

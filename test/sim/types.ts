// The codecloud simulator's public types: options, run scripts, faults, recorded state and the control interface.
// The in-process control (`simulator.control`) and the HTTP control client (`simulatorControl(url)`) both implement
// `SimulatorControl`, so a test reads the same whether the simulator runs in-process or as `npm run sim`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunStatus, ScheduleStatus, ScheduleType } from '../../src/codecloud/schemas.js';
import type { CodecloudEventName, ToolCall } from '../../src/codecloud/webhook-events.js';
import type { RunMode } from '../../src/vocabulary.js';

/** `starter`: 1 concurrent run, `pro`: 5, `free`: 1 and no schedules (a downgrade to `free` deletes them). */
export type SimPlan = 'free' | 'starter' | 'pro';

export interface SimApiKey {
  key: string;
  plan: SimPlan;
}

/** One progress step, sent as an `agent.progress` webhook while the run is `running`. */
/** Tokens a progress step adds to the run's `input_tokens`/`output_tokens` (reported while it runs). */
interface StepTokens {
  inputTokens?: number;
  outputTokens?: number;
}

export type ProgressStep =
  | ({ thinking: string; tool_call?: never; atMs?: number } & StepTokens)
  | ({ tool_call: ToolCall; thinking?: never; atMs?: number } & StepTokens);

export interface ScriptPr {
  /** Default: the next free number of the repo (starting at 100). */
  number?: number;
  /** Default: `codecloud/<run id>`. */
  branch?: string;
  /** Default: the run's repo. */
  repo?: string;
  title?: string;
  /** Default: `<githubUrl>/<repo>/pull/<number>`. */
  url?: string;
}

/**
 * What a run (or a follow-up) does. Durations are simulated milliseconds (scaled by the time factor).
 * Every field is optional; the defaults make a quick successful run that opens one PR when `auto_create_pr` is on.
 */
export interface RunScript {
  /** Time in `queued` (default 1 000). */
  queuedMs?: number;
  /** Time in `running` (default 5 000). */
  runningMs?: number;
  /** Default `completed`. */
  outcome?: 'completed' | 'failed';
  /** Execute mode, completed (default: "Done: <prompt>"). */
  result?: string;
  /** Plan mode, completed (default: "Plan:\n1. <prompt>"). */
  plan?: string;
  /** Run title (default: the prompt's first 60 characters). */
  title?: string;
  /**
   * PRs the run opens when it completes in execute mode with `auto_create_pr` (default: one PR with generated
   * fields). `[]` opens none. For a follow-up with `update_pr` on a run that already has a PR, a commit is added to
   * that PR instead and these are ignored.
   */
  prs?: ScriptPr[];
  /** The failure message (default: "Agent failed: <prompt>"). */
  error?: string;
  /** Progress steps, spread evenly over `runningMs` unless they carry `atMs` (ms after the run started). */
  progress?: ProgressStep[];
  /** Token counts reported when the run ends (defaults 1 000 / 200). */
  inputTokens?: number;
  outputTokens?: number;
  /** Scripts for this run's follow-ups, used in order before any other follow-up script. */
  followUps?: RunScript[];
}

/** Where a prompt-matched script applies. */
export type ScriptScope = 'run' | 'follow-up' | 'any';

export interface PromptScript {
  /** Case-sensitive substring of the prompt. */
  match: string;
  script: RunScript;
  /** Default `any`. */
  scope?: ScriptScope;
}

/**
 * A route id: `METHOD /path` with `{id}` for path parameters, as the docs write them:
 * `POST /api/v1/agents`, `GET /api/v1/agents`, `GET /api/v1/agents/run/{id}`, `POST /api/v1/agents/run/{id}/message`,
 * `POST /api/v1/agents/run/{id}/stop`, `POST /api/v1/schedules`, `GET /api/v1/schedules`,
 * `GET /api/v1/schedules/{id}`, `DELETE /api/v1/schedules/{id}`, `GET /api/v1/providers`, `GET /api/v1/models`,
 * extension routes such as `POST /invoke/stdout`, or `*` for every route (never the `/_sim` control API).
 */
export type SimRouteId = string;

export interface RouteFault {
  route: SimRouteId;
  /** Added latency in REAL milliseconds (not scaled: it is for client time-outs). */
  latencyMs?: number;
  /** Answer with this status instead (e.g. 429, 500, 503). */
  status?: number;
  /** Error body for `status` (default `{ error: <reason phrase>, message: "Simulated fault" }`). */
  body?: { error: string; message: string };
  /** `Retry-After` header (seconds, or an HTTP date) with `status`. */
  retryAfter?: number | string;
  /** Never answer: the socket is held open until the client gives up or the simulator closes. */
  hang?: boolean;
  /** Drop the connection without an answer. */
  reset?: boolean;
  /**
   * `before` (default): the fault replaces the request (nothing happens on the server).
   * `after`: the request is processed (a run is created…), then the answer is replaced/lost: "answer lost".
   */
  phase?: 'before' | 'after';
  /** Probability in [0, 1] that a matching request is hit (default 1). Seeded: see `SimulatorOptions.seed`. */
  rate?: number;
  /** How many matching requests it hits before it expires (default: unlimited). */
  times?: number;
}

export interface WebhookFault {
  /** Which event (default `*`, every event). */
  event?: CodecloudEventName | '*';
  /** `drop`: never delivered (no attempt at all). `duplicate`: the whole delivery happens twice. */
  action: 'drop' | 'duplicate';
  /** Probability in [0, 1] (default 1). */
  rate?: number;
  /** How many events it hits (default: unlimited). */
  times?: number;
}

export interface SimulatorOptions {
  /** Default `[{ key: 'test-key', plan: 'pro' }]`. */
  apiKeys?: SimApiKey[];
  /** Simulated seconds per real second (default 1). 100 makes the 30 s webhook retry take 0.3 s. */
  timeFactor?: number;
  /** The simulated clock's start (default: the real now). */
  startTime?: Date | string | number;
  /** Signs webhooks with `X-Codecloud-Signature` when set (default: none, unsigned). */
  webhookSecret?: string;
  /** `agent.progress` webhooks ("when enabled in your dashboard"), default on. */
  progressWebhooks?: boolean;
  /** Default script of every run. */
  defaultScript?: RunScript;
  /** Default script of every follow-up. */
  defaultFollowUpScript?: RunScript;
  /** Base of generated PR URLs (default `https://github.com`). */
  githubUrl?: string;
  /** Seed of the pseudo-random source used by `rate` faults (default 1). */
  seed?: number;
  /**
   * Concurrent runs per plan, instead of the documented ones (starter 1, pro 5, free 1): e.g. `{ pro: 1000 }` for a
   * load or fault run that is not about the plan limit.
   */
  planLimits?: Partial<Record<SimPlan, number>>;
  /** Port (default 0: any free port). */
  port?: number;
  /** Time a webhook receiver gets to answer, real ms (default 10 000). */
  webhookTimeoutMs?: number;
  /** More routes (e.g. Cloud Coding's `POST /invoke/stdout`), besides those in `extensions.ts`. */
  extensions?: SimExtensionFactory[];
  /** In-process hook, called when a run opens a PR or adds a commit to one (e.g. to mirror it in a fake GitHub). */
  onPullRequest?: (event: PullRequestEvent) => void | Promise<void>;
}

// ---- Recorded state (what inspection returns; all plain JSON) ----

export interface RecordedRequest {
  seq: number;
  /** Simulated time. */
  at: string;
  method: string;
  path: string;
  /** The query string without `?`, or ''. */
  query: string;
  /** The route id it matched (`GET /api/v1/agents/run/{id}`) or undefined for unknown paths. */
  route: SimRouteId | undefined;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (or the raw text when it is not JSON; undefined when empty). */
  body: unknown;
  /** The status answered, or undefined when the answer was never sent (hang/reset). */
  status: number | undefined;
  /** The fault that hit this request, if any. */
  fault?: RouteFault;
}

export interface SimCommit {
  at: string;
  message: string;
  /** The follow-up that made it (index into `SimRun.messages`). */
  message_index: number;
}

export interface SimPullRequest {
  url: string;
  number: number;
  branch: string;
  repo: string;
  title?: string;
  commits: SimCommit[];
}

export interface PullRequestEvent {
  kind: 'opened' | 'commit';
  run_id: string;
  pr: SimPullRequest;
}

export interface SimMessage {
  at: string;
  prompt: string;
  mode: RunMode;
  update_pr: boolean;
  idempotency_key?: string;
  /** The follow-up's `tools`, as received (they replace the run's for this follow-up). */
  tools?: unknown[];
  /** How the run ended after this follow-up (undefined while it is still going). */
  outcome?: 'completed' | 'failed';
}

export interface SimStop {
  at: string;
  status_before: RunStatus;
  status_after: RunStatus;
}

export interface SimRun {
  id: string;
  api_key: string;
  status: RunStatus;
  mode: RunMode;
  prompt: string;
  title: string;
  repo?: string;
  branch?: string;
  model: string;
  provider: string;
  agent_provider: string;
  webhook_url?: string;
  auto_create_pr: boolean;
  blank_workspace: boolean;
  schedule_id?: string;
  /** The create request's body as received. */
  request: unknown;
  result?: string;
  plan?: string;
  error?: string;
  prs: SimPullRequest[];
  input_tokens: number;
  output_tokens: number;
  created_at: string;
  started_at?: string;
  completed_at?: string;
  /** Follow-ups accepted, in order. */
  messages: SimMessage[];
  /** Every stop request on the run. */
  stops: SimStop[];
}

export interface WebhookAttempt {
  /** The event's id (same for every attempt of one delivery; a `duplicate` fault makes a second one). */
  event_id: string;
  /** `X-Codecloud-Delivery` of this attempt. */
  delivery_id: string;
  event: CodecloudEventName;
  url: string;
  /** 1 for the first try, 2–4 for the retries. */
  attempt: number;
  /** Simulated time the attempt was made. */
  at: string;
  headers: Record<string, string>;
  body: string;
  /** The receiver's status, undefined when it did not answer. */
  status?: number;
  /** Network error or time-out. */
  error?: string;
}

export interface SimSchedule {
  id: string;
  api_key: string;
  type: ScheduleType;
  status: ScheduleStatus;
  prompt: string;
  repo?: string;
  branch?: string;
  cron?: string;
  run_at?: string;
  mode: RunMode;
  auto_create_pr: boolean;
  webhook_url?: string;
  next_run_at?: string;
  total_runs: number;
  total_skips: number;
  last_run_at?: string;
  last_run_id?: string;
  created_at: string;
  /** The create request's body as received. */
  request: unknown;
}

export interface SimulatorState {
  now: string;
  time_factor: number;
  api_keys: SimApiKey[];
  webhook_secret: string | null;
  runs: SimRun[];
  schedules: SimSchedule[];
  webhooks: WebhookAttempt[];
  requests: RecordedRequest[];
  faults: Array<RouteFault & { id: string; hits: number }>;
  webhook_faults: Array<WebhookFault & { id: string; hits: number }>;
}

export interface RequestFilter {
  method?: string;
  route?: SimRouteId;
  /** Substring of the path. */
  path?: string;
}

/** Everything a test drives and inspects. Every method is async so the HTTP client implements it too. */
export interface SimulatorControl {
  // inspection
  state(): Promise<SimulatorState>;
  runs(): Promise<SimRun[]>;
  run(id: string): Promise<SimRun | undefined>;
  schedules(): Promise<SimSchedule[]>;
  webhooks(filter?: { event?: CodecloudEventName; run_id?: string }): Promise<WebhookAttempt[]>;
  requests(filter?: RequestFilter): Promise<RecordedRequest[]>;

  // accounts
  setApiKey(key: string, plan: SimPlan): Promise<void>;
  removeApiKey(key: string): Promise<void>;
  /** Changes a key's plan; a downgrade to `free` deletes its active schedules (`schedule.deleted` webhook). */
  setPlan(key: string, plan: SimPlan): Promise<void>;
  setWebhookSecret(secret: string | null): Promise<void>;
  setProgressWebhooks(enabled: boolean): Promise<void>;

  // time
  now(): Promise<string>;
  setTimeFactor(factor: number): Promise<void>;
  /** Moves the simulated clock forward by `ms` and fires everything that became due, in order. */
  advance(ms: number): Promise<string>;

  // scripts
  setDefaultScript(script: RunScript): Promise<void>;
  setDefaultFollowUpScript(script: RunScript): Promise<void>;
  /** Scripts for the next runs, first in first out (before prompt matches and the default). */
  queueScripts(...scripts: RunScript[]): Promise<void>;
  /** Scripts for the next follow-ups (after the run's own `followUps`). */
  queueFollowUpScripts(...scripts: RunScript[]): Promise<void>;
  addPromptScript(entry: PromptScript): Promise<void>;
  clearScripts(): Promise<void>;

  // faults
  addFault(fault: RouteFault): Promise<string>;
  addWebhookFault(fault: WebhookFault): Promise<string>;
  removeFault(id: string): Promise<void>;
  clearFaults(): Promise<void>;

  /** Forgets runs, schedules, webhooks, requests, scripts and faults (keys, clock and secret stay). */
  reset(): Promise<void>;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`: the codecloud API base URL (`CODECLOUD_API_URL`, the Action's `api-url`). */
  url: string;
  control: SimulatorControl;
  close(): Promise<void>;
}

// ---- Extensions (more routes on the same server) ----

/** A request as the server hands it to an extension: the body already read. */
export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** The underlying request (e.g. to notice a client disconnect). */
  raw: IncomingMessage;
}

export interface SimExtensionContext {
  /** Simulated now in ms. */
  now(): number;
  /** Calls `fn` at simulated time `atMs` (scaled by the time factor, fired by `advance`). Returns a cancel. */
  at(atMs: number, fn: () => void): () => void;
  /** Resolves after `ms` simulated milliseconds. */
  sleep(ms: number): Promise<void>;
  timeFactor(): number;
  /** The plan of an API key, or undefined when it is not a known key. */
  planOf(key: string): SimPlan | undefined;
}

export interface SimExtension {
  name: string;
  /** Route ids it serves (for fault matching and request records), e.g. `POST /invoke/stdout`. */
  routes: SimRouteId[];
  /** Answers a request on one of its routes. */
  handle(route: SimRouteId, req: SimRequest, res: ServerResponse): Promise<void>;
  /** Its own control operations, reachable at `POST /_sim/ext/<name>/<op>` with a JSON array of arguments. */
  control?(op: string, args: unknown[]): Promise<unknown>;
  reset?(): void;
  close?(): Promise<void>;
}

export type SimExtensionFactory = (context: SimExtensionContext) => SimExtension;

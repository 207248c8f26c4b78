/**
 * The seam between the orchestration and the service that runs agents: start, follow up, stop, read. Its two
 * implementations live beside it: `codecloud-backend.ts` (the codecloud REST API) and `cloudcoding-backend.ts`
 * (Cloud Coding). The orchestration in `src/runs` uses them only through this interface.
 */
import type { RunPullRequest } from '../store/store.js';
import type { AgentProvider, Backend, RunMode } from '../vocabulary.js';

export interface StartRunRequest {
  repo: string;
  prompt: string;
  mode: RunMode;
  branch?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  agentProvider?: AgentProvider | undefined;
  autoCreatePr: boolean;
  installationId: number;
  /** Cloud Coding: the conversation (`thread_id`) this run continues; a new one when absent. */
  threadId?: string | undefined;
}

export type StartRunResult =
  | { kind: 'started'; remoteRunId: string; title?: string | undefined }
  /** The plan's concurrent-run limit (or a rate limit): try again later, never in a tight loop. */
  | { kind: 'limit-reached'; retryAfterMs?: number | undefined; message: string }
  /**
   * No answer (time-out, cut off, 5xx): the run may exist all the same. Never sent again; it is looked up with
   * `findStarted` for a while, then adopted or failed.
   */
  | { kind: 'unknown'; message: string };

export interface FollowUpRequest {
  prompt: string;
  mode?: RunMode | undefined;
  updatePr: boolean;
  idempotencyKey: string;
}

export type FollowUpResult = { kind: 'sent' } | { kind: 'limit-reached'; message: string };

/** What the backend says about a run right now. */
export interface BackendRunView {
  status: 'queued' | 'running' | 'completed' | 'failed';
  /** `owner/name`, when the backend says. */
  repo?: string | undefined;
  title?: string | undefined;
  result?: string | undefined;
  plan?: string | undefined;
  error?: string | undefined;
  prs: RunPullRequest[];
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
}

export interface AgentBackend {
  readonly name: Backend;
  start(request: StartRunRequest): Promise<StartRunResult>;
  followUp(remoteRunId: string, request: FollowUpRequest): Promise<FollowUpResult>;
  stop(remoteRunId: string): Promise<void>;
  get(remoteRunId: string): Promise<BackendRunView>;
  /**
   * Looks for a run this request created since `since` (ms) whose answer was lost (the app died mid-call): its
   * remote id, or undefined when none. Optional: a backend without a look-up cannot adopt lost runs.
   */
  findStarted?(
    request: StartRunRequest,
    since: number,
  ): Promise<{ remoteRunId: string; title?: string } | undefined>;
  /**
   * The backend's newest runs with their status, in one call (codecloud: the newest 100). Lets the reconciler find
   * runs that finished without a completion webhook between its full passes. Optional: without it, they are found by
   * the full pass only.
   */
  listRecent?(): Promise<Array<{ remoteRunId: string; status: BackendRunView['status'] }>>;
}

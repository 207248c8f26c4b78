/**
 * Cloud Coding behind the App's `AgentBackend` seam (`agent-backend.ts`). The API has no run resource to
 * poll: the open stream is the run. So this adapter keeps each run's stream open in this process, folds it into a
 * `CloudCodingRunRecorder`, and answers `get()` from that. `start()` returns once the stream is open (an HTTP error
 * throws, a 429 is `limit-reached`); a follow-up is a new invocation on the run's `thread_id`; `stop()` closes the
 * stream (the API documents no stop call). A run whose stream no live process holds (after a restart) is reported
 * `failed`, saying so: it never stays "running". With several replicas, `streamHolders` records which process holds
 * each stream (a lease renewed while it is open): another replica reports such a run as still running.
 */
import { randomUUID } from 'node:crypto';
import type { CloudCodingClient } from '../cloudcoding/client.js';
import { CloudCodingError } from '../cloudcoding/errors.js';
import type { CloudCodingRequest } from '../cloudcoding/request-schema.js';
import { buildCloudCodingRequest } from '../cloudcoding/request-schema.js';
import {
  CloudCodingRunRecorder,
  type CloudCodingRunState,
  combinedOutput,
} from '../cloudcoding/run-recorder.js';
import { definedProps } from '../objects.js';
import type {
  AgentBackend,
  BackendRunView,
  FollowUpRequest,
  FollowUpResult,
  StartRunRequest,
  StartRunResult,
} from './agent-backend.js';

/**
 * Which process holds a run's stream, shared by every replica (the App backs it with its store's leases). `hold`
 * claims or renews this process's hold for `ttlMs`; it answers false when another live process holds it.
 */
export interface StreamHolders {
  hold(remoteRunId: string, ttlMs: number): Promise<boolean>;
  release(remoteRunId: string): Promise<void>;
}

/** A stream's hold lasts this long without renewal; it is renewed every third of it while the stream is open. */
export const STREAM_HOLD_TTL_MS = 60_000;

/** Where the thread id of a run is kept so follow-ups continue it after a restart (the App backs it with its store). */
export interface ThreadIdStore {
  get(remoteRunId: string): Promise<string | undefined>;
  set(remoteRunId: string, threadId: string): Promise<void>;
}

export interface CloudCodingAgentBackendOptions {
  client: CloudCodingClient;
  /** A fresh installation token scoped to the one repository (never a broader one). */
  githubToken(request: { installationId: number; repo: string }): Promise<string>;
  /** Web URL of the GitHub server (`https://github.com`, or GHES). */
  serverUrl?: string | undefined;
  haiku?: boolean | undefined;
  threadIds?: ThreadIdStore | undefined;
  /** Shared record of which process holds which stream (several replicas); without it only this process counts. */
  streamHolders?: StreamHolders | undefined;
  /** Told after every event (throttle it yourself): the latest output for a status comment. */
  onUpdate?: ((remoteRunId: string, state: CloudCodingRunState) => void) | undefined;
  /** Told once when a run's stream ends. */
  onFinished?: ((remoteRunId: string, state: CloudCodingRunState) => void) | undefined;
  newId?: () => string;
  now?: () => number;
}

interface LiveRun {
  repo: string;
  installationId: number;
  branch: string | undefined;
  recorder: CloudCodingRunRecorder;
  controller: AbortController;
  state: CloudCodingRunState | undefined;
  startedAt: string;
  completedAt: string | undefined;
  threadId: string | undefined;
}

export const LOST_STREAM_MESSAGE =
  'The Cloud Coding stream of this run is not held by this app process (it restarted), so its end is unknown';

export interface CloudCodingAgentBackend extends AgentBackend {
  /** The thread id of a run (from memory, else from the store). */
  threadIdOf(remoteRunId: string): Promise<string | undefined>;
  /** Resolves when the run's current stream has ended (at once for an unknown run). */
  settled(remoteRunId: string): Promise<void>;
  /** Closes every open stream (shutdown). */
  closeAll(reason?: string): void;
}

export function cloudCodingAgentBackend(options: CloudCodingAgentBackendOptions): CloudCodingAgentBackend {
  const runs = new Map<string, LiveRun>();
  const pumps = new Map<string, Promise<void>>();
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => `cc_${randomUUID()}`);

  async function open(
    remoteRunId: string,
    run: LiveRun,
    body: CloudCodingRequest,
  ): Promise<{ ok: true } | { ok: false; error: CloudCodingError }> {
    let accepted = false;
    let markOpen!: () => void;
    const opened = new Promise<void>((resolve) => {
      markOpen = resolve;
    });
    const invocation = options.client.invoke(body, {
      signal: run.controller.signal,
      onOpen: () => {
        accepted = true;
        markOpen();
      },
    });
    const notify = (fn: () => void) => {
      try {
        fn();
      } catch {
        // A listener's failure must not end the run's stream.
      }
    };
    const holders = options.streamHolders;
    const renew = (): void => {
      void holders?.hold(remoteRunId, STREAM_HOLD_TTL_MS).catch(() => undefined);
    };
    renew();
    const heartbeat = holders ? setInterval(renew, STREAM_HOLD_TTL_MS / 3) : undefined;
    heartbeat?.unref?.();
    const pump = (async () => {
      try {
        await pumpEvents();
      } finally {
        // The hold is left to expire (not released): until the end is recorded, no replica may call the run lost.
        if (heartbeat) clearInterval(heartbeat);
      }
    })();
    async function pumpEvents(): Promise<void> {
      for await (const event of invocation) {
        run.recorder.apply(event);
        if (event.threadId && event.threadId !== run.threadId) {
          run.threadId = event.threadId;
          await options.threadIds?.set(remoteRunId, event.threadId).catch(() => {});
        }
        notify(() => options.onUpdate?.(remoteRunId, run.recorder.snapshot()));
      }
      const state = run.recorder.finish(await invocation.outcome);
      if (state.threadId && state.threadId !== run.threadId) {
        run.threadId = state.threadId;
        await options.threadIds?.set(remoteRunId, state.threadId).catch(() => {});
      }
      run.state = state;
      run.completedAt = new Date(now()).toISOString();
      if (accepted) notify(() => options.onFinished?.(remoteRunId, state));
    }
    pumps.set(remoteRunId, pump);
    // start()/followUp() return once the API accepted the request; an HTTP or network error is theirs to report.
    await Promise.race([opened, invocation.outcome]);
    if (!accepted) {
      const outcome = await invocation.outcome;
      await pump;
      if (outcome.status !== 'completed') return { ok: false, error: outcome.error };
    }
    return { ok: true };
  }

  async function token(run: { installationId: number; repo: string }): Promise<string> {
    return options.githubToken({ installationId: run.installationId, repo: run.repo });
  }

  const backend: CloudCodingAgentBackend = {
    name: 'cloudcoding',

    async start(request: StartRunRequest): Promise<StartRunResult> {
      const remoteRunId = newId();
      const body = buildCloudCodingRequest({
        repo: request.repo,
        githubToken: await token(request),
        prompt: request.prompt,
        branch: request.branch,
        haiku: options.haiku,
        threadId: request.threadId,
        serverUrl: options.serverUrl,
      });
      const run: LiveRun = {
        repo: request.repo,
        installationId: request.installationId,
        branch: request.branch,
        recorder: new CloudCodingRunRecorder(),
        controller: new AbortController(),
        state: undefined,
        startedAt: new Date(now()).toISOString(),
        completedAt: undefined,
        threadId: request.threadId,
      };
      runs.set(remoteRunId, run);
      const opened = await open(remoteRunId, run, body);
      if (!opened.ok) {
        runs.delete(remoteRunId);
        pumps.delete(remoteRunId);
        if (opened.error.status === 429) return { kind: 'limit-reached', message: opened.error.message };
        throw opened.error;
      }
      return { kind: 'started', remoteRunId };
    },

    async followUp(remoteRunId: string, request: FollowUpRequest): Promise<FollowUpResult> {
      const previous = runs.get(remoteRunId);
      if (previous && !previous.state) {
        throw new CloudCodingError('invalid-request', 'The Cloud Coding run is still working; stop it first');
      }
      const threadId = previous?.threadId ?? (await options.threadIds?.get(remoteRunId));
      if (!previous || !threadId) {
        throw new CloudCodingError(
          'invalid-request',
          threadId
            ? LOST_STREAM_MESSAGE
            : 'No Cloud Coding thread is known for this run, so it cannot be continued',
        );
      }
      const body = buildCloudCodingRequest({
        repo: previous.repo,
        githubToken: await token(previous),
        prompt: request.prompt,
        branch: previous.branch,
        haiku: options.haiku,
        threadId,
        serverUrl: options.serverUrl,
      });
      const run: LiveRun = {
        ...previous,
        recorder: new CloudCodingRunRecorder(),
        controller: new AbortController(),
        state: undefined,
        completedAt: undefined,
      };
      runs.set(remoteRunId, run);
      const opened = await open(remoteRunId, run, body);
      if (!opened.ok) {
        runs.set(remoteRunId, previous);
        if (opened.error.status === 429) return { kind: 'limit-reached', message: opened.error.message };
        throw opened.error;
      }
      return { kind: 'sent' };
    },

    async stop(remoteRunId: string): Promise<void> {
      runs.get(remoteRunId)?.controller.abort(new Error('stopped'));
      await pumps.get(remoteRunId);
    },

    async get(remoteRunId: string): Promise<BackendRunView> {
      const run = runs.get(remoteRunId);
      if (!run) {
        // Held by another live replica: still running as far as anyone here can tell.
        if (options.streamHolders && (await heldElsewhere(options.streamHolders, remoteRunId))) {
          return { status: 'running', prs: [] };
        }
        return { status: 'failed', error: LOST_STREAM_MESSAGE, prs: [] };
      }
      const state = run.state ?? run.recorder.snapshot();
      const result = resultOf(state);
      const view: BackendRunView = {
        status:
          state.status === 'running' ? 'running' : state.status === 'completed' ? 'completed' : 'failed',
        repo: run.repo,
        prs: [],
        startedAt: run.startedAt,
        ...definedProps({
          result: result || undefined,
          error: state.reason || undefined,
          completedAt: run.completedAt || undefined,
        }),
      };
      return view;
    },

    async threadIdOf(remoteRunId: string): Promise<string | undefined> {
      return runs.get(remoteRunId)?.threadId ?? (await options.threadIds?.get(remoteRunId));
    },

    async settled(remoteRunId: string): Promise<void> {
      await pumps.get(remoteRunId);
    },

    closeAll(reason = 'the app is shutting down') {
      for (const run of runs.values()) run.controller.abort(new Error(reason));
    },
  };
  return backend;
}

/** True when another process's hold on the stream is still live (a probe that wins is given back at once). */
async function heldElsewhere(holders: StreamHolders, remoteRunId: string): Promise<boolean> {
  if (!(await holders.hold(remoteRunId, 1_000))) return true;
  await holders.release(remoteRunId).catch(() => undefined);
  return false;
}

/** The agent's final words for a single run, else the collected output. */
function resultOf(state: CloudCodingRunState): string | undefined {
  const [only] = state.tasks;
  if (state.tasks.length === 1 && only?.lastMessage) return only.lastMessage;
  const output = combinedOutput(state);
  return output === '' ? undefined : output;
}

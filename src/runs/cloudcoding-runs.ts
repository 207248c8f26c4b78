/**
 * The App's side of Cloud Coding runs, whose open stream is the run: the latest output shown in the status comment
 * (throttled like codecloud progress), the stream's end recorded as a job that carries what the stream said (so any
 * replica's worker can finish the run), and which process holds each stream (leases in the shared store).
 */

import type { AgentBackend, BackendRunView } from '../backends/agent-backend.js';
import type { ThreadIdStore } from '../backends/cloudcoding-backend.js';
import { latestOutputExcerpt } from '../cloudcoding/output-excerpt.js';
import type { CloudCodingRunState } from '../cloudcoding/run-recorder.js';
import { addLogFields, runLogFields } from '../log-context.js';
import { inertText } from '../render/markdown.js';
import type { Store } from '../store/store.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { enqueue, type JobPayload } from './jobs.js';
import { refreshRun } from './refresh-run.js';
import { PROGRESS_EDIT_INTERVAL_MS, type RunDeps } from './run-deps.js';
import { JOB_BACKEND_FINISHED } from './trigger.js';

/** Stream holds as store leases named per run; `holder` is this process. */
export function storeStreamHolders(store: Pick<Store, 'tryAcquireLease' | 'releaseLease'>, holder: string) {
  const name = (remoteRunId: string) => `cloudcoding-stream:${remoteRunId}`;
  return {
    hold: (remoteRunId: string, ttlMs: number) => store.tryAcquireLease(name(remoteRunId), holder, ttlMs),
    release: (remoteRunId: string) => store.releaseLease(name(remoteRunId), holder),
  };
}

/** The Cloud Coding thread of each run (needed for its follow-ups), kept on the run record in the store. */
export function storeThreadIds(store: Pick<Store, 'getRunByRemoteId' | 'updateRun'>): ThreadIdStore {
  return {
    async get(remoteRunId) {
      return (await store.getRunByRemoteId(remoteRunId, 'cloudcoding'))?.cloudcodingThreadId ?? undefined;
    },
    async set(remoteRunId, threadId) {
      const run = await store.getRunByRemoteId(remoteRunId, 'cloudcoding');
      if (run) await store.updateRun(run.id, { cloudcodingThreadId: threadId });
    },
  };
}

/** The status comment's progress line: the most recently active task's latest output lines, made inert. */
export function progressTextOf(state: CloudCodingRunState): string | undefined {
  // Output only (the agent's messages may echo the prompt): the most recently active task first.
  const tasks = [...state.tasks].sort(
    (a, b) => Number(b.name === state.latestTask) - Number(a.name === state.latestTask),
  );
  for (const task of tasks) {
    const text = latestOutputExcerpt(task.output, { maxLines: 4, maxChars: 400 });
    if (text !== '') return inertText(task.name ? `[${task.name}] ${text}` : text);
  }
  return undefined;
}

export interface CloudCodingProgress {
  /** For the backend's `onUpdate`: at most one store write and comment check per run per 10 s. */
  onUpdate(remoteRunId: string, state: CloudCodingRunState): void;
  /** Resolves once the updates of a run in flight are done (so the end is recorded after them). */
  settled(remoteRunId: string): Promise<void>;
}

export function cloudCodingProgress(
  deps: RunDeps,
  backend: () => AgentBackend | undefined,
): CloudCodingProgress {
  const lastAt = new Map<string, number>();
  const chains = new Map<string, Promise<void>>();
  const show = async (remoteRunId: string, state: CloudCodingRunState): Promise<void> => {
    const run = await deps.store.getRunByRemoteId(remoteRunId, 'cloudcoding');
    if (!run || isFinalLocalRunStatus(run.status) || run.status === 'starting') {
      lastAt.delete(remoteRunId); // not shown: the next event may try again
      return;
    }
    const text = progressTextOf(state);
    if (!text) {
      // Nothing to show yet (e.g. only the thread id): keep the throttle for the first output, which also moves
      // the comment from Queued to Running (silent runs are moved by the reconciler).
      lastAt.delete(remoteRunId);
      return;
    }
    // Only onto the state it was read in: a run finished meanwhile is not touched.
    const current =
      run.options.progress === false
        ? run
        : await deps.store.transitionRun(run.id, [run.status], { progress: { thinking: text } });
    if (current && backend()) await refreshRun(deps, current, { throttled: true });
  };
  return {
    onUpdate(remoteRunId, state) {
      const now = deps.now();
      const last = lastAt.get(remoteRunId);
      if (last !== undefined && now - last < PROGRESS_EDIT_INTERVAL_MS) return;
      lastAt.set(remoteRunId, now);
      const previous = chains.get(remoteRunId) ?? Promise.resolve();
      const next = previous
        .then(() => show(remoteRunId, state))
        .catch((error: unknown) =>
          deps.log.warn(`Cloud Coding progress of ${remoteRunId}: ${String(error)}`),
        );
      chains.set(remoteRunId, next);
    },
    async settled(remoteRunId) {
      await chains.get(remoteRunId);
      chains.delete(remoteRunId);
      lastAt.delete(remoteRunId);
    },
  };
}

/** Records a stream's end as a job carrying what the stream said. */
export async function recordCloudCodingFinished(
  deps: Pick<RunDeps, 'store' | 'wake' | 'now'>,
  remoteRunId: string,
  view: BackendRunView,
): Promise<void> {
  const { prs: _prs, ...rest } = view;
  await enqueue(deps.store, JOB_BACKEND_FINISHED, {
    dedupeKey: `cloudcoding:${remoteRunId}:finished:${view.completedAt ?? deps.now()}`,
    payload: { backend: 'cloudcoding', remoteRunId, view: stripUndefined(rest) },
  });
  deps.wake();
}

/**
 * Finishes a run whose stream ended. Any replica may run this job: one that does not hold the stream reads the end
 * from the job (the stream's last word) instead of calling the run lost.
 */
export async function handleCloudCodingFinishedJob(
  deps: RunDeps,
  payload: JobPayload<typeof JOB_BACKEND_FINISHED>,
): Promise<void> {
  const { remoteRunId, view } = payload;
  const run = await deps.store.getRunByRemoteId(remoteRunId, 'cloudcoding');
  const backend = deps.backends.cloudcoding;
  if (!run || !backend) return;
  addLogFields(runLogFields(run));
  if (!view) {
    await refreshRun(deps, run);
    return;
  }
  const recorded: BackendRunView = { ...stripUndefined(view), prs: [] };
  const fromJob: AgentBackend = {
    ...backend,
    name: backend.name,
    get: async (id) => (id === remoteRunId ? recorded : backend.get(id)),
  };
  await refreshRun({ ...deps, backends: { ...deps.backends, cloudcoding: fromJob } }, run);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

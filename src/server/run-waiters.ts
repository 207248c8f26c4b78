/**
 * Where waiting requests of the wait route park until their run may have ended. One timer per process polls the
 * shared store for every waited run at once (one query, only while someone waits), so a completion webhook that
 * reached another replica, or the reconciler seeing a run end, wakes the waiter within a poll interval; a webhook
 * recorded by this process wakes it at once (`poke`). A waiter holds no database connection, only a callback.
 */
import type { CompletionSign } from '../store/store.js';

export interface RunWaitersOptions {
  /** The store's `completionSigns`. */
  completionSigns(remoteRunIds: readonly string[]): Promise<CompletionSign[]>;
  /** How often the store is polled while someone waits (ms). */
  intervalMs: number;
  onError?: (error: unknown) => void;
}

interface Waiter {
  /** The signs this waiter has already acted on (`undefined`: none seen yet). */
  seen: string | undefined;
  wake(signs: string): void;
}

export interface RunWaiters {
  /**
   * Resolves with the run's signs once they differ from `seen` (a new completion event, or the app's own run ended),
   * or once this process records a completion of the run (`poke`); resolves `undefined` when `signal` aborts.
   */
  next(remoteRunId: string, seen: string | undefined, signal: AbortSignal): Promise<string | undefined>;
  /** A completion of the run was recorded by this process: wake its waiters now. */
  poke(remoteRunId: string): void;
  /** How many requests wait (for tests and diagnostics). */
  readonly size: number;
  /** Whether a request waits on the run now. */
  waitsOn(remoteRunId: string): boolean;
  close(): void;
}

export function runWaiters(options: RunWaitersOptions): RunWaiters {
  const waiting = new Map<string, Set<Waiter>>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let pokes = 0;

  const count = (): number => {
    let n = 0;
    for (const set of waiting.values()) n += set.size;
    return n;
  };

  const poll = async (): Promise<void> => {
    if (polling || waiting.size === 0) return;
    polling = true;
    try {
      const ids = [...waiting.keys()];
      const found = new Map<string, string[]>();
      for (const { remoteRunId, sign } of await options.completionSigns(ids)) {
        const list = found.get(remoteRunId) ?? [];
        list.push(sign);
        found.set(remoteRunId, list);
      }
      for (const [id, list] of found) {
        const signs = list.sort().join('\n');
        for (const waiter of [...(waiting.get(id) ?? [])]) if (waiter.seen !== signs) waiter.wake(signs);
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      polling = false;
    }
  };

  const schedule = (): void => {
    if (timer !== undefined || waiting.size === 0) return;
    timer = setInterval(() => void poll(), options.intervalMs);
    timer.unref();
  };
  const unschedule = (): void => {
    if (timer !== undefined && waiting.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    next(remoteRunId, seen, signal) {
      if (signal.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const set = waiting.get(remoteRunId) ?? new Set<Waiter>();
        const done = (value: string | undefined): void => {
          set.delete(waiter);
          if (set.size === 0) waiting.delete(remoteRunId);
          signal.removeEventListener('abort', onAbort);
          unschedule();
          resolve(value);
        };
        const waiter: Waiter = { seen, wake: (signs) => done(signs) };
        const onAbort = (): void => done(undefined);
        set.add(waiter);
        waiting.set(remoteRunId, set);
        signal.addEventListener('abort', onAbort, { once: true });
        schedule();
      });
    },
    poke(remoteRunId) {
      pokes += 1;
      for (const waiter of [...(waiting.get(remoteRunId) ?? [])]) waiter.wake(`poke:${pokes}`);
    },
    get size() {
      return count();
    },
    waitsOn: (remoteRunId) => waiting.has(remoteRunId),
    close() {
      for (const set of waiting.values()) for (const waiter of [...set]) waiter.wake('closed');
      waiting.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

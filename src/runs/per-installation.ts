/**
 * Works through many runs the way GitHub lets the app write: an installation's runs one after the other (its writes
 * go out a second apart anyway, `app/github-clients.ts`), several installations side by side, so one installation's
 * long write queue never holds up the others' runs.
 */
import { type LogFields, runLogFields, withLogFields } from '../log-context.js';

/**
 * Installations worked on at once. Each one's GitHub writes go out a second apart, so a reconciler pass over many
 * installations with several open runs each is long unless many go side by side. In the soak (200 installations,
 * about 1,000 open runs) with 8, some 600 runs that had finished at codecloud but whose completion webhook was lost
 * stayed open in the app for minutes, holding their installation's `max_concurrent_runs` slots, and the queue of
 * waiting runs grew without end.
 */
export const INSTALLATIONS_AT_ONCE = 64;

/**
 * Calls `work` for every item (a run, an installation), at most `atOnce` installations at a time and one item per
 * installation at a time, in order within an installation. Stops starting new work once `signal` is aborted. `work`
 * must not throw (catch and log inside it).
 */
export async function forEachByInstallation<T extends { installationId: number }>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  options: { atOnce?: number; signal?: AbortSignal | undefined } = {},
): Promise<void> {
  const byInstallation = new Map<number, T[]>();
  for (const item of items) {
    const queue = byInstallation.get(item.installationId);
    if (queue) queue.push(item);
    else byInstallation.set(item.installationId, [item]);
  }
  const queues = [...byInstallation.values()];
  const lane = async (): Promise<void> => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const item of queue) {
        if (options.signal?.aborted) return;
        await withLogFields(logFieldsOf(item), () => work(item));
      }
    }
  };
  const lanes = Math.max(1, Math.min(options.atOnce ?? INSTALLATIONS_AT_ONCE, queues.length));
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** A run's log fields, or an installation's. */
function logFieldsOf(item: { installationId: number }): LogFields {
  const run = item as { id?: unknown; owner?: unknown; repo?: unknown; installationId: number };
  return typeof run.id === 'string' && typeof run.owner === 'string' && typeof run.repo === 'string'
    ? runLogFields({ id: run.id, owner: run.owner, repo: run.repo, installationId: run.installationId })
    : { installation: item.installationId };
}

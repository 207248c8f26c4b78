/**
 * Correlation fields for log lines: while a delivery, a job or a run is handled, every line logged from that work
 * (the app's, Probot's and Octokit's alike) carries `delivery`, `installation`, `repo`, `run` and `job` where known,
 * so one run can be followed with `grep`. The fields live in an AsyncLocalStorage; the app's logger adds them to
 * each line (`src/logging/app-logger.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogFields {
  /** GitHub's `X-GitHub-Delivery`, or the codecloud webhook's delivery id. */
  delivery?: string;
  installation?: number;
  /** `owner/name`. */
  repo?: string;
  /** The app's run id (the status comment's marker). */
  run?: string;
  job?: string;
  /** The job's kind. */
  kind?: string;
}

/** Fields to add; an undefined value adds nothing. */
type AddedFields = { [K in keyof LogFields]?: LogFields[K] | undefined };

const fields = new AsyncLocalStorage<LogFields>();

/** Runs `work` with `added` on top of the fields already in force (a copy: the caller's fields do not change). */
export function withLogFields<T>(added: AddedFields, work: () => T): T {
  return fields.run({ ...fields.getStore(), ...withoutUndefined(added) }, work);
}

/**
 * Runs `work` with `own` as its only fields: for work that is not part of what started it (a job the worker claimed
 * from a timer that some other job's wake set), so no field of that other work comes along.
 */
export function withOwnLogFields<T>(own: AddedFields, work: () => T): T {
  return fields.run(withoutUndefined(own), work);
}

/**
 * Adds fields to the work under way (from where a job learns its run on). Only for work that is one sequence of
 * steps: parallel branches each take `withLogFields`.
 */
export function addLogFields(added: AddedFields): void {
  const current = fields.getStore();
  if (current) Object.assign(current, withoutUndefined(added));
}

/** The fields in force here, or undefined outside any handled work. */
export function currentLogFields(): LogFields | undefined {
  return fields.getStore();
}

/** The fields of a run: its id, repository and installation. */
export function runLogFields(run: {
  id: string;
  owner: string;
  repo: string;
  installationId: number;
}): LogFields {
  return { run: run.id, repo: `${run.owner}/${run.repo}`, installation: run.installationId };
}

function withoutUndefined(added: AddedFields): LogFields {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(added)) if (value !== undefined) out[key] = value;
  return out as LogFields;
}

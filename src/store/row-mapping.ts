/**
 * Turns database rows into domain objects, smoothing over driver differences (`pg` returns int8 as a string and
 * `timestamptz` as a Date; SQLite returns times as epoch ms and booleans as 0/1).
 */

import type { Backend, LocalRunStatus, RunMode } from '../vocabulary.js';
import { parseRunOptions, parseRunProgress } from './run-options.js';
import type { SqlRow } from './sql-database.js';
import type { Job, Json, Run, RunResult, ThreadTargetKind, TriggerKind } from './store.js';

export function jobFromRow(row: SqlRow): Job {
  return {
    id: String(row.id),
    dedupeKey: String(row.dedupe_key),
    kind: String(row.kind),
    payload: (row.payload ?? null) as Json,
    attempts: toNumber(row.attempts),
    lastError: toStringOrNull(row.last_error),
    createdAt: toMs(row.created_at),
    group: toStringOrNull(row.job_group),
  };
}

export function runFromRow(row: SqlRow): Run {
  return {
    id: String(row.id),
    backend: String(row.backend) as Backend,
    remoteRunId: toStringOrNull(row.remote_run_id),
    cloudcodingThreadId: toStringOrNull(row.cloudcoding_thread_id),
    installationId: toNumber(row.installation_id),
    owner: String(row.owner),
    repo: String(row.repo),
    threadKey: String(row.thread_key),
    number: toNumber(row.number),
    targetKind: String(row.target_kind) as ThreadTargetKind,
    reviewCommentThreadId: toNumberOrNull(row.review_comment_thread_id),
    triggerCommentId: toNumberOrNull(row.trigger_comment_id),
    triggerKind: String(row.trigger_kind) as TriggerKind,
    requestedBy: String(row.requested_by),
    mode: String(row.mode) as RunMode,
    prompt: String(row.prompt),
    options: parseRunOptions(row.options),
    statusCommentId: toNumberOrNull(row.status_comment_id),
    status: String(row.status) as LocalRunStatus,
    remoteStatus: toStringOrNull(row.remote_status),
    result: (row.result ?? {}) as RunResult,
    stopRequestedBy: toStringOrNull(row.stop_requested_by),
    createdAt: toMs(row.created_at),
    startedAt: toMsOrNull(row.started_at),
    finishedAt: toMsOrNull(row.finished_at),
    deadlineAt: toMsOrNull(row.deadline_at),
    lastCommentEditAt: toMsOrNull(row.last_comment_edit_at),
    lastCommentBodyHash: toStringOrNull(row.last_comment_body_hash),
    progress: parseRunProgress(row.progress),
    finalCommentPosted: row.final_comment_posted === true || row.final_comment_posted === 1,
    followUpCount: toNumber(row.follow_up_count),
    updatedAt: toMs(row.updated_at),
  };
}

/** A JSON value as a `jsonb` parameter (text: `pg` would turn a JS array into a PostgreSQL array). */
export function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function toNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number))
    throw new Error(`store: expected a number from the database, got ${String(value)}`);
  return number;
}

function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

function toStringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms))
    throw new Error(`store: expected a timestamp from the database, got ${String(value)}`);
  return ms;
}

function toMsOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toMs(value);
}

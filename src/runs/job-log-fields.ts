/** The log fields of a claimed job (`src/log-context.ts`). */
import type { LogFields } from '../log-context.js';
import type { Job } from '../store/store.js';

/**
 * A job's log fields: its id and kind, the GitHub delivery it records (its dedupe key `github:<delivery>`), and the
 * installation, repository and run its payload names.
 */
export function jobLogFields(job: Job): LogFields {
  const payload = (typeof job.payload === 'object' && job.payload !== null ? job.payload : {}) as Record<
    string,
    unknown
  >;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const owner = text(payload.owner);
  const repo = text(payload.repo);
  const runId = text(payload.runId);
  const installation = Number(job.group ?? payload.installationId);
  return {
    job: job.id,
    kind: job.kind,
    ...(job.dedupeKey.startsWith('github:') ? { delivery: job.dedupeKey.slice('github:'.length) } : {}),
    ...(Number.isInteger(installation) ? { installation } : {}),
    ...(owner !== undefined && repo !== undefined ? { repo: `${owner}/${repo}` } : {}),
    ...(runId !== undefined ? { run: runId } : {}),
  };
}

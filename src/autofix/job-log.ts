/**
 * The excerpt of a failed GitHub Actions job's log: its download address from GitHub (a redirect), then the log read
 * piece by piece into a bounded window, for at most `JOB_LOG_TIMEOUT_MS`. Never fails the follow-up: a log that cannot
 * be read is said so in the message instead.
 */
import { messageOf } from '../error-messages.js';
import type { ChecksApi } from '../github/checks-api.js';
import { type RepoRef, statusOf } from '../github/github-api.js';
import { streamGet } from '../http/stream-get.js';
import type { RunDeps } from '../runs/run-deps.js';
import { LogReader } from './log-reader.js';
import { noteMissingPermission } from './missing-permissions.js';

/** How long one job log may take to read (a log of hundreds of megabytes is cut there). */
export const JOB_LOG_TIMEOUT_MS = 60_000;

export async function readJobLog(
  deps: Pick<RunDeps, 'store' | 'log' | 'now' | 'renewToken'>,
  checks: ChecksApi,
  ref: RepoRef,
  jobId: number,
  installationId: number,
): Promise<{ log?: string; logNote?: string }> {
  let url: string | undefined;
  try {
    url = await checks.jobLogUrl(ref, jobId);
  } catch (error) {
    if (statusOf(error) === 403) {
      await noteMissingPermission(deps, installationId, 'actions');
      return { logNote: 'Its job log could not be read (the app has no `actions: read` permission here).' };
    }
    return { logNote: `Its job log could not be read: ${messageOf(error)}` };
  }
  if (!url) return { logNote: 'GitHub gave no address for its job log.' };
  const reader = new LogReader();
  try {
    // Read into one reused buffer (`streamGet`): the app's memory does not grow with the log's size.
    const response = await streamGet(url, {
      signal: AbortSignal.timeout(JOB_LOG_TIMEOUT_MS),
      onBody: (bytes) => reader.push(bytes),
    });
    if (response.status < 200 || response.status >= 300) {
      return { logNote: `Its job log could not be downloaded (HTTP ${response.status}).` };
    }
    const read = reader.finish(!response.complete);
    const note = read.cut
      ? `Only the first ${read.lines} lines of its log could be read in time.`
      : undefined;
    return { log: read.text, ...(note ? { logNote: note } : {}) };
  } catch (error) {
    deps.log.warn(`reading the log of job ${jobId} in ${ref.owner}/${ref.repo} failed: ${messageOf(error)}`);
    return { logNote: `Its job log could not be read: ${messageOf(error)}` };
  }
}

/** How the dashboard writes times, durations, token counts and links to GitHub. */
import type { Run } from '../store/store.js';

/** `2026-12-06 04:31:05 UTC`: readable without JavaScript, the same on every replica. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `4s`, `3m 05s`, `2h 04m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** From start (or creation) to the end, or to `now` while it runs. */
export function runDuration(run: Run, now: number): number {
  return (run.finishedAt ?? now) - (run.startedAt ?? run.createdAt);
}

/** Input plus output tokens, or null when the backend reported neither. */
export function runTokens(run: Run): number | null {
  const { inputTokens, outputTokens } = run.result;
  if (inputTokens === undefined && outputTokens === undefined) return null;
  return (inputTokens ?? 0) + (outputTokens ?? 0);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Only http(s) links are ever rendered as links (a backend could report anything as a URL). */
export function safeUrl(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;
}

/** The issue or pull request a run lives in, on GitHub's web (`webUrl`: `https://github.com` or a GHE host). */
export function threadUrl(webUrl: string, run: Run): string {
  const kind = run.targetKind === 'pull_request' ? 'pull' : 'issues';
  return `${webUrl}/${encodeURIComponent(run.owner)}/${encodeURIComponent(run.repo)}/${kind}/${run.number}`;
}

/** The run's status comment (a review-thread reply is a `discussion_r` anchor), or undefined before it is posted. */
export function statusCommentUrl(webUrl: string, run: Run): string | undefined {
  if (run.statusCommentId === null) return undefined;
  const anchor =
    run.reviewCommentThreadId !== null
      ? `discussion_r${run.statusCommentId}`
      : `issuecomment-${run.statusCommentId}`;
  return `${threadUrl(webUrl, run)}#${anchor}`;
}

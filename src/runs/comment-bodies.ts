/**
 * Every body the App posts, as pure functions of the run (or the reply's facts). This file adapts the store's `Run`
 * to the renderers; bodies are always redacted and kept under GitHub's 65,536-character limit.
 */
import { redactSecrets } from '../render/redact.js';
import type { Run } from '../store/store.js';

export const GITHUB_COMMENT_LIMIT = 65_536;
const BODY_BUDGET = 60_000;

export function runMarker(runId: string): string {
  return `<!-- codecloud:run=${runId} -->`;
}

/** Credentials (SPEC §3.6 list and more) are replaced before anything is posted. */
export const redact = (text: string): string => redactSecrets(text);

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n_… truncated: ${text.length - max} more characters. The full text is in the codecloud dashboard._`;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

const HEADLINES: Record<Run['status'], string> = {
  waiting: '⏳ **Queued**: waiting for a free run slot',
  starting: '⏳ **Queued**: starting the agent',
  queued: '⏳ **Queued**',
  running: '🏃 **Running**',
  completed: '✅ **Completed**',
  failed: '❌ **Failed**',
  stopped: '⏹️ **Stopped**',
  timed_out: '⌛ **Timed out**',
};

function progressLines(progress: Run['progress']): string[] {
  if (!progress) return [];
  const lines: string[] = [];
  const tool = progress.tool_call;
  if (tool && typeof tool === 'object' && !Array.isArray(tool) && typeof tool.name === 'string') {
    lines.push(
      `Latest step: \`${tool.name}\` (${typeof tool.status === 'string' ? tool.status : 'running'})`,
    );
  }
  if (typeof progress.thinking === 'string' && progress.thinking.trim()) {
    const excerpt = progress.thinking.trim().replace(/\s+/g, ' ').slice(0, 280);
    lines.push(`> ${excerpt}`);
  }
  return lines;
}

export interface StatusExtras {
  now: number;
  /** A note under the headline, e.g. why the run is waiting. */
  note?: string | undefined;
}

export function statusCommentBody(run: Run, extras: StatusExtras): string {
  const parts: string[] = [runMarker(run.id)];
  const kind = run.mode === 'plan' ? 'plan' : 'run';
  parts.push(`${HEADLINES[run.status]} · codecloud ${kind} requested by @${run.requestedBy}`);
  if (extras.note) parts.push(extras.note);
  const r = run.result;
  if (run.status === 'queued' || run.status === 'running') {
    const since = run.startedAt ?? run.createdAt;
    parts.push(
      `Elapsed: ${duration(extras.now - since)}${run.remoteRunId ? ` · run \`${run.remoteRunId}\`` : ''}`,
    );
    parts.push(...progressLines(run.progress));
  }
  if (run.status === 'stopped' && run.stopRequestedBy) parts.push(`Stopped by @${run.stopRequestedBy}.`);
  if (run.status === 'timed_out')
    parts.push(r.error ?? 'The run took longer than the configured `timeout_minutes`.');
  if (run.status === 'failed' && r.error) parts.push(`**Error:** ${r.error}`);
  if (run.status === 'completed' || run.status === 'stopped') {
    const text = run.mode === 'plan' ? (r.plan ?? r.result) : (r.result ?? r.plan);
    if (text) parts.push(`${run.mode === 'plan' ? '### Plan' : '### Result'}\n\n${text}`);
    if (run.mode === 'plan' && run.status === 'completed')
      parts.push('Reply `/codecloud approve` to carry out this plan.');
  }
  const prs = r.prs ?? [];
  if (prs.length > 0)
    parts.push(prs.map((pr) => `Pull request: ${pr.url ?? `${pr.repo}#${pr.number}`}`).join('\n'));
  const facts: string[] = [];
  const branch = r.branch ?? prs[0]?.branch;
  if (branch) facts.push(`branch \`${branch}\``);
  if (r.inputTokens !== undefined || r.outputTokens !== undefined) {
    facts.push(`tokens ${r.inputTokens ?? 0} in / ${r.outputTokens ?? 0} out`);
  }
  if (run.finishedAt && run.startedAt) facts.push(`took ${duration(run.finishedAt - run.startedAt)}`);
  if (run.remoteRunId && !(run.status === 'queued' || run.status === 'running'))
    facts.push(`run \`${run.remoteRunId}\``);
  if (facts.length > 0 && !(run.status === 'queued' || run.status === 'running'))
    parts.push(`<sub>${facts.join(' · ')}</sub>`);
  return finish(parts.join('\n\n'));
}

/** Redacts and keeps the body under GitHub's limit. */
export function finish(body: string): string {
  return truncate(redact(body), BODY_BUDGET);
}

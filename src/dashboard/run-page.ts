/**
 * `GET /dashboard/runs/{id}`: one run, its timeline (each status change with its time, the progress the backend
 * reported, the final result or error) and, while it is active, a Stop button that carries the CSRF token.
 */
import type { Run, RunEvent } from '../store/store.js';
import { isFinalLocalRunStatus } from '../vocabulary.js';
import { formatCount, formatDuration, formatTime, runDuration, runTokens } from './format.js';
import { type Html, html } from './html.js';
import { page, type Viewer } from './layout.js';
import { pullRequestLinks, statusBadge, statusCommentLink, threadLink } from './run-cells.js';

export interface RunPageInput {
  viewer: Viewer;
  run: Run;
  events: readonly RunEvent[];
  /** A notice at the top (e.g. after a Stop), or undefined. */
  notice?: string;
}

function facts(viewer: Viewer, run: Run): Html {
  const tokens = runTokens(run);
  const fact = (name: string, value: Html | string) => html`<tr><th>${name}</th><td>${value}</td></tr>`;
  return html`<table class="facts">
${fact('Status', statusBadge(run))}
${fact('Repository', `${run.owner}/${run.repo}`)}
${fact('Thread', threadLink(viewer.webUrl, run))}
${fact('Asked by', run.requestedBy)}
${fact('Backend', run.backend)}
${fact('Mode', run.mode)}
${fact('Created', formatTime(run.createdAt))}
${fact('Started', formatTime(run.startedAt))}
${fact('Finished', formatTime(run.finishedAt))}
${fact('Duration', formatDuration(runDuration(run, viewer.now)))}
${fact('Tokens', tokens === null ? '' : `${formatCount(tokens)} (${formatCount(run.result.inputTokens ?? 0)} in, ${formatCount(run.result.outputTokens ?? 0)} out)`)}
${fact('Pull requests', pullRequestLinks(run))}
${fact('Status comment', statusCommentLink(viewer.webUrl, run))}
${fact('Backend run', run.remoteRunId ?? '')}
</table>`;
}

function timeline(run: Run, events: readonly RunEvent[]): Html {
  const lines = [
    html`<li><time>${formatTime(run.createdAt)}</time> created (${run.triggerKind.replace('_', ' ')})</li>`,
  ];
  let previous: string | undefined;
  for (const event of events) {
    // A patch that repeats the status (with nothing new to say) is not a change.
    const key = `${event.status}|${event.detail ?? ''}`;
    if (key === previous) continue;
    previous = key;
    lines.push(
      html`<li><time>${formatTime(event.at)}</time> ${event.status.replace('_', ' ')}${event.detail ? html` <span class="muted">${event.detail}</span>` : ''}</li>`,
    );
  }
  const calls = run.progress?.toolCalls ?? [];
  const progress =
    calls.length > 0 || run.progress?.thinking
      ? html`<h2>Progress</h2><ol class="progress">${calls.map(
          (call) =>
            html`<li class="tool-${call.status}">${call.name} <span class="muted">${call.status}</span></li>`,
        )}</ol>${run.progress?.thinking ? html`<pre class="thinking">${run.progress.thinking}</pre>` : ''}`
      : '';
  return html`<h2>Timeline</h2><ol class="timeline">${lines}</ol>${progress}`;
}

function outcome(run: Run): Html {
  const { title, result, plan, error } = run.result;
  return html`${title ? html`<h2>${title}</h2>` : ''}${error ? html`<h2>Error</h2><pre class="error">${error}</pre>` : ''}${
    plan ? html`<h2>Plan</h2><pre class="result">${plan}</pre>` : ''
  }${result ? html`<h2>Result</h2><pre class="result">${result}</pre>` : ''}`;
}

function stopButton(viewer: Viewer, run: Run): Html {
  if (isFinalLocalRunStatus(run.status)) return html``;
  if (run.stopRequestedBy !== null) return html`<p class="muted">Stop asked by ${run.stopRequestedBy}.</p>`;
  return html`<form class="stop" method="post" action="/dashboard/runs/${run.id}/stop">
<input type="hidden" name="csrf" value="${viewer.csrf}">
<button type="submit" class="danger">Stop</button>
</form>`;
}

export function runPage(input: RunPageInput): string {
  const { viewer, run, events } = input;
  return page({
    title: `${run.owner}/${run.repo}#${run.number}`,
    viewer,
    live: !isFinalLocalRunStatus(run.status),
    body: html`<h1>${run.owner}/${run.repo}#${run.number}</h1>
${input.notice ? html`<p class="notice">${input.notice}</p>` : ''}
${stopButton(viewer, run)}
${facts(viewer, run)}
<h2>Task</h2><pre class="prompt">${run.prompt}</pre>
${timeline(run, events)}
${outcome(run)}`,
  });
}

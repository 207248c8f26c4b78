/** Cells the runs list and a run's page share: status badge, links to the thread, PRs and the status comment. */
import type { Run } from '../store/store.js';
import { safeUrl, statusCommentUrl, threadUrl } from './format.js';
import { type Html, html } from './html.js';

export function statusBadge(run: Run): Html {
  return html`<span class="status status-${run.status}">${run.status.replace('_', ' ')}</span>`;
}

export function threadLink(webUrl: string, run: Run): Html {
  return html`<a href="${threadUrl(webUrl, run)}">#${run.number}</a>`;
}

export function pullRequestLinks(run: Run): Html {
  const prs = run.result.prs ?? [];
  return html`${prs.map((pr, index) => {
    const url = safeUrl(pr.url);
    const label = `${pr.repo}#${pr.number}`;
    return html`${index > 0 ? ', ' : ''}${url ? html`<a href="${url}">${label}</a>` : label}`;
  })}`;
}

export function statusCommentLink(webUrl: string, run: Run): Html {
  const url = statusCommentUrl(webUrl, run);
  return url ? html`<a href="${url}">comment</a>` : html``;
}

/** `GET /dashboard`: the viewer's runs, newest first, with filters and keyset pages ("Older" carries the cursor). */
import type { Run } from '../store/store.js';
import { isFinalLocalRunStatus, LocalRunStatus } from '../vocabulary.js';
import { formatCount, formatDuration, formatTime, runDuration, runTokens } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';
import { pullRequestLinks, statusBadge, statusCommentLink, threadLink } from './run-cells.js';

/** The list's filters, as given in the query string (each optional). */
export interface RunsFilter {
  repo?: string;
  status?: LocalRunStatus;
  person?: string;
}

export interface RunsPageInput {
  viewer: Viewer;
  /** `owner/name` of every repository the viewer may read, for the filter. */
  repos: readonly string[];
  filter: RunsFilter;
  runs: readonly Run[];
  /** The last run's id when an older page exists. */
  olderCursor: string | undefined;
  /** True when this is not the first page. */
  paged: boolean;
}

function query(filter: RunsFilter, before?: string): string {
  const params = new URLSearchParams();
  if (filter.repo) params.set('repo', filter.repo);
  if (filter.status) params.set('status', filter.status);
  if (filter.person) params.set('person', filter.person);
  if (before) params.set('before', before);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function filterForm(input: RunsPageInput) {
  const { filter, repos } = input;
  return html`<form class="filters" method="get" action="/dashboard">
<label>Repository <select name="repo"><option value="">all</option>${repos.map(
    (repo) => html`<option value="${repo}"${filter.repo === repo ? html` selected` : ''}>${repo}</option>`,
  )}</select></label>
<label>Status <select name="status"><option value="">any</option>${LocalRunStatus.options.map(
    (status) =>
      html`<option value="${status}"${filter.status === status ? html` selected` : ''}>${status}</option>`,
  )}</select></label>
<label>Person <input name="person" value="${filter.person ?? ''}" placeholder="login" size="14"></label>
<button type="submit">Filter</button>
</form>`;
}

function row(viewer: Viewer, run: Run) {
  const tokens = runTokens(run);
  return html`<tr>
<td>${run.owner}/${run.repo}</td>
<td>${threadLink(viewer.webUrl, run)}</td>
<td>${run.requestedBy}</td>
<td>${run.backend}</td>
<td><a href="/dashboard/runs/${run.id}">${statusBadge(run)}</a></td>
<td>${formatTime(run.startedAt ?? run.createdAt)}</td>
<td>${formatDuration(runDuration(run, viewer.now))}</td>
<td class="num">${tokens === null ? '' : formatCount(tokens)}</td>
<td>${pullRequestLinks(run)}</td>
<td>${statusCommentLink(viewer.webUrl, run)}</td>
</tr>`;
}

export function runsPage(input: RunsPageInput): string {
  const { viewer, runs, filter } = input;
  const live = runs.some((run) => !isFinalLocalRunStatus(run.status)) || !input.paged;
  const table =
    runs.length === 0
      ? html`<p class="muted">No runs${input.paged ? ' on this page' : ''}.</p>`
      : html`<table class="runs">
<thead><tr><th>Repository</th><th>Thread</th><th>Asked by</th><th>Backend</th><th>Status</th><th>Started</th><th>Duration</th><th>Tokens</th><th>PR</th><th>Status comment</th></tr></thead>
<tbody>${runs.map((run) => row(viewer, run))}</tbody>
</table>`;
  const pager = html`<p class="pager">${input.paged ? html`<a href="/dashboard${query(filter)}">Newest</a> ` : ''}${
    input.olderCursor ? html`<a href="/dashboard${query(filter, input.olderCursor)}">Older</a>` : ''
  }</p>`;
  return page({
    title: 'Runs',
    viewer,
    live,
    body: html`<h1>Runs</h1>${filterForm(input)}${table}${pager}`,
  });
}

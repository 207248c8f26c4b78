/** `GET /dashboard/usage`: each repository's runs today and tokens this month, against the operator's limits. */
import type { RepoUsage } from '../store/store.js';
import { formatCount } from './format.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';

/** The operator's ceilings (`LIMIT_RUNS_PER_DAY`, `LIMIT_TOKENS_PER_MONTH`); absent: no ceiling. */
export interface UsageLimits {
  runsPerDay?: number;
  tokensPerMonth?: number;
}

function against(value: number, limit: number | undefined): string {
  return limit === undefined ? formatCount(value) : `${formatCount(value)} / ${formatCount(limit)}`;
}

export function usagePage(input: {
  viewer: Viewer;
  usage: readonly RepoUsage[];
  limits: UsageLimits;
}): string {
  const { viewer, usage, limits } = input;
  const over = (value: number, limit: number | undefined) => limit !== undefined && value >= limit;
  const body =
    usage.length === 0
      ? html`<p class="muted">No runs this month in your repositories.</p>`
      : html`<table class="usage">
<thead><tr><th>Repository</th><th>Runs today</th><th>Tokens this month</th></tr></thead>
<tbody>${usage.map(
          (u) => html`<tr>
<td><a href="/dashboard?repo=${encodeURIComponent(`${u.owner}/${u.repo}`)}">${u.owner}/${u.repo}</a></td>
<td class="num${over(u.runsToday, limits.runsPerDay) ? ' over' : ''}">${against(u.runsToday, limits.runsPerDay)}</td>
<td class="num${over(u.tokensThisMonth, limits.tokensPerMonth) ? ' over' : ''}">${against(u.tokensThisMonth, limits.tokensPerMonth)}</td>
</tr>`,
        )}</tbody>
</table>`;
  return page({
    title: 'Usage',
    viewer,
    live: false,
    body: html`<h1>Usage</h1><p class="muted">Days and months in UTC.${
      limits.runsPerDay === undefined && limits.tokensPerMonth === undefined ? ' No limits are set.' : ''
    }</p>${body}`,
  });
}

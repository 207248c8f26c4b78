/**
 * The job summary (`$GITHUB_STEP_SUMMARY`), pure Markdown: one row per run (task, run id, status, PR, tokens,
 * duration) and each result, plan or error folded in a `<details>` block. Kept well under GitHub's 1 MiB limit.
 */
import type { RunDetail } from '../codecloud/schemas.js';
import { clip, prUrl } from './outputs.js';
import type { TaskResult, TaskStatus } from './run-tasks.js';
import { elapsed } from './wait-for-run.js';

const FOLDED_TEXT_LIMIT = 60_000;
/** Bytes (UTF-8), as GitHub counts its 1 MiB limit. */
const SUMMARY_LIMIT = 900_000;

const ICONS: Record<TaskStatus, string> = {
  queued: '🕓',
  running: '⏳',
  completed: '✅',
  failed: '❌',
  stopped: '⏹️',
  'timed-out': '⌛',
};

export function renderRunsSummary(heading: string, tasks: readonly TaskResult[], named: boolean): string {
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  const lines = [
    `### ${escapeText(heading)}`,
    '',
    ...(tasks.length > 1 ? [`${tasks.length} runs: ${tally}`, ''] : []),
    '| task | run | status | PR | tokens | duration |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const task of tasks) {
    const name = named ? task.name : (task.run?.title ?? task.name);
    lines.push(
      `| ${cell(name)} | ${task.runId ? `\`${cell(task.runId)}\`` : '—'} | ${ICONS[task.status]} ${task.status} | ` +
        `${prCell(task.run)} | ${tokens(task.run)} | ${duration(task.run)} |`,
    );
  }
  lines.push('');
  const body = lines.join('\n');
  let folded = '';
  for (const task of tasks) {
    const name = named ? task.name : (task.run?.title ?? task.name);
    for (const [label, text] of folds(task)) {
      const block = `<details><summary><b>${escapeHtml(name)}</b>: ${label}</summary>\n\n${clip(text, FOLDED_TEXT_LIMIT)}\n\n</details>\n\n`;
      if (Buffer.byteLength(body + folded + block, 'utf8') > SUMMARY_LIMIT) {
        folded += `_More results left out to keep the summary under GitHub's size limit; see the \`results\` output._\n`;
        return `${body}\n${folded}`;
      }
      folded += block;
    }
  }
  return folded ? `${body}\n${folded}` : body;
}

/** A small key/value table for `stop`, `schedule`, `unschedule`. */
export function renderFactsSummary(
  heading: string,
  facts: ReadonlyArray<[string, string | undefined]>,
): string {
  const rows = facts.filter(([, value]) => value !== undefined && value !== '');
  return [
    `### ${escapeText(heading)}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([key, value]) => `| ${cell(key)} | ${cell(value ?? '')} |`),
    '',
  ].join('\n');
}

function folds(task: TaskResult): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (task.run?.plan) out.push(['plan', task.run.plan]);
  if (task.run?.result) out.push(['result', task.run.result]);
  if (task.error) out.push(['error', task.error]);
  return out;
}

function prCell(run: RunDetail | undefined): string {
  if (!run || run.prs.length === 0) {
    const url = prUrl(run);
    return url ? `[PR](${url})` : '—';
  }
  return run.prs.map((pr) => `[#${pr.number}](${pr.url})`).join(' ');
}

function tokens(run: RunDetail | undefined): string {
  if (run?.input_tokens === undefined && run?.output_tokens === undefined) return '—';
  const n = (value: number | undefined) => (value === undefined ? '?' : value.toLocaleString('en-US'));
  return `${n(run.input_tokens)} in / ${n(run.output_tokens)} out`;
}

function duration(run: RunDetail | undefined): string {
  if (!run?.completedAt) return '—';
  const from = Date.parse(run.createdAt);
  const to = Date.parse(run.completedAt);
  return Number.isNaN(from) || Number.isNaN(to) ? '—' : elapsed(to - from);
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return escapeText(text.replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');
}

function escapeText(text: string): string {
  return text.replace(/</g, '&lt;');
}

/** `&`, `<` and `>` as HTML entities: text that cannot open a tag. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

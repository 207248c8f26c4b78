import { describe, expect, it } from 'vitest';
import { singleRunOutputs, tasksOutputs } from '../../../src/action/outputs.js';
import type { TaskResult } from '../../../src/action/run-tasks.js';
import { renderFactsSummary, renderRunsSummary } from '../../../src/action/summary.js';
import type { RunDetail } from '../../../src/codecloud/schemas.js';

const completed: RunDetail = {
  id: 'run_a',
  title: 'Fix | the flaky test',
  status: 'completed',
  prompt: 'fix',
  result: 'Fixed it.\n\nSee <PR>.',
  prs: [
    { url: 'https://github.com/o/r/pull/7', number: 7, branch: 'codecloud/run_a', repo: 'o/r', title: 'Fix' },
  ],
  pr_url: 'https://github.com/o/r/pull/7',
  pr_number: 7,
  input_tokens: 12_500,
  output_tokens: 3_200,
  createdAt: '2026-01-01T00:00:00Z',
  completedAt: '2026-01-01T00:05:07Z',
};
const failed: RunDetail = {
  id: 'run_b',
  status: 'failed',
  prompt: 'docs',
  error: 'Agent failed: docs',
  prs: [],
  createdAt: '2026-01-01T00:00:00Z',
  completedAt: '2026-01-01T00:01:00Z',
};
const task = (name: string, run: RunDetail | undefined, extra: Partial<TaskResult> = {}): TaskResult => ({
  name,
  runId: run?.id,
  status: run?.status ?? 'failed',
  run,
  error: run?.error,
  lines: [],
  ...extra,
});

describe('outputs', () => {
  it('maps one run to every single-run output in action.yml', () => {
    expect(singleRunOutputs(task('run', completed))).toEqual({
      'run-id': 'run_a',
      status: 'completed',
      title: 'Fix | the flaky test',
      result: 'Fixed it.\n\nSee <PR>.',
      'pr-url': 'https://github.com/o/r/pull/7',
      'pr-number': '7',
      'pr-branch': 'codecloud/run_a',
      prs: JSON.stringify([
        {
          url: 'https://github.com/o/r/pull/7',
          number: 7,
          branch: 'codecloud/run_a',
          repo: 'o/r',
          title: 'Fix',
        },
      ]),
      'input-tokens': '12500',
      'output-tokens': '3200',
      results: JSON.stringify([
        {
          name: 'run',
          'run-id': 'run_a',
          status: 'completed',
          'pr-url': 'https://github.com/o/r/pull/7',
          result: 'Fixed it.\n\nSee <PR>.',
          error: null,
          'input-tokens': 12_500,
          'output-tokens': 3_200,
        },
      ]),
    });
  });

  it('gives tasks a results entry each, every PR, token sums and an overall status', () => {
    const outputs = tasksOutputs([
      task('lint', completed),
      task('docs', failed),
      task('never', undefined, { status: 'timed-out', error: 'Not started' }),
    ]);
    expect(outputs.status).toBe('timed-out');
    expect(outputs['input-tokens']).toBe('12500');
    expect(JSON.parse(outputs.prs ?? '')).toHaveLength(1);
    expect(JSON.parse(outputs.results ?? '')).toEqual([
      expect.objectContaining({ name: 'lint', 'run-id': 'run_a', status: 'completed' }),
      {
        name: 'docs',
        'run-id': 'run_b',
        status: 'failed',
        'pr-url': null,
        result: null,
        error: 'Agent failed: docs',
        'input-tokens': null,
        'output-tokens': null,
      },
      {
        name: 'never',
        'run-id': null,
        status: 'timed-out',
        'pr-url': null,
        result: null,
        error: 'Not started',
        'input-tokens': null,
        'output-tokens': null,
      },
    ]);
    expect(outputs['run-id']).toBeUndefined();
    expect(tasksOutputs([task('a', completed)]).status).toBe('completed');
  });

  it("reports tasks' status as the Cloud Coding backend does: stopped, then timed-out, then failed", () => {
    const stopped = task('s', undefined, { status: 'stopped' });
    const timedOut = task('t', undefined, { status: 'timed-out' });
    expect(tasksOutputs([task('a', completed), stopped, timedOut]).status).toBe('stopped');
    expect(tasksOutputs([task('a', failed), timedOut]).status).toBe('timed-out');
    expect(tasksOutputs([task('a', completed), task('b', failed)]).status).toBe('failed');
    expect(tasksOutputs([task('a', completed), task('q', undefined, { status: 'queued' })]).status).toBe(
      'queued',
    );
  });
});

describe('job summary', () => {
  it('has one row per run and folds results and errors', () => {
    const md = renderRunsSummary('codecloud', [task('lint', completed), task('docs', failed)], true);
    expect(md).toContain('| task | run | status | PR | tokens | duration |');
    expect(md).toContain(
      '| lint | `run_a` | ✅ completed | [#7](https://github.com/o/r/pull/7) | 12,500 in / 3,200 out | 5m 07s |',
    );
    expect(md).toContain('| docs | `run_b` | ❌ failed | — | — | 1m 00s |');
    expect(md).toContain('2 runs: 1 completed, 1 failed');
    expect(md).toContain(
      '<details><summary><b>lint</b>: result</summary>\n\nFixed it.\n\nSee <PR>.\n\n</details>',
    );
    expect(md).toContain(
      '<details><summary><b>docs</b>: error</summary>\n\nAgent failed: docs\n\n</details>',
    );
  });

  it('names a single run by its title, with pipes escaped', () => {
    const md = renderRunsSummary('codecloud', [task('run', completed)], false);
    expect(md).toContain('| Fix \\| the flaky test | `run_a` |');
  });

  it('stays under the size limit with huge results', () => {
    const huge = { ...completed, result: 'x'.repeat(200_000) };
    const tasks = Array.from({ length: 30 }, (_, i) => task(`t${i}`, { ...huge, id: `run_${i}` }));
    const md = renderRunsSummary('codecloud', tasks, true);
    expect(md.length).toBeLessThan(1_000_000);
    expect(md).toContain('(truncated: 140000 more characters)');
    expect(md).toContain('More results left out');
  });

  it('renders facts for schedule commands', () => {
    expect(
      renderFactsSummary('codecloud: schedule created', [
        ['schedule', '`s1`'],
        ['next run', undefined],
      ]),
    ).toBe('### codecloud: schedule created\n\n| | |\n| --- | --- |\n| schedule | `s1` |\n');
  });
});

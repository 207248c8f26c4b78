import { describe, expect, it } from 'vitest';
import {
  capOutcome,
  clipBytes,
  fitResultsJson,
  OUTPUT_MAX_BYTES,
  RESULTS_MAX_BYTES,
  SUMMARY_MAX_BYTES,
} from '../../../src/action/size-limits.js';
import { renderRunsSummary } from '../../../src/action/summary.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('size limits count bytes, not characters', () => {
  it('cuts text by UTF-8 bytes, never inside a character, with a visible note', () => {
    const text = '€'.repeat(1_000); // 3 bytes each
    const cut = clipBytes(text, 600);
    expect(bytes(cut)).toBeLessThanOrEqual(600);
    expect(cut).toMatch(
      /^€+\n… \(truncated: [\d,]+ more bytes; GitHub limits the size of outputs and summaries\)$/,
    );
    expect(cut).not.toContain('\uFFFD');
    expect(clipBytes('short', 600)).toBe('short');
  });

  it('caps result and plan outputs and the summary (multi-byte text under the old character caps)', () => {
    const result = '€'.repeat(400_000); // 400k characters, 1.2 MB
    const capped = capOutcome({
      outputs: { result, plan: result, status: 'completed' },
      summary: '🙂'.repeat(300_000), // 300k characters (600k UTF-16 units), 1.2 MB
    });
    expect(bytes(capped.outputs.result ?? '')).toBeLessThanOrEqual(OUTPUT_MAX_BYTES);
    expect(capped.outputs.result).toContain('… (truncated:');
    expect(bytes(capped.outputs.plan ?? '')).toBeLessThanOrEqual(OUTPUT_MAX_BYTES);
    expect(capped.outputs.status).toBe('completed');
    expect(bytes(capped.summary)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(capped.summary).toContain('… (truncated:');
  });

  it('shrinks results entry by entry so the JSON stays valid and under the limit', () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({
      name: `task-${i}`,
      'run-id': `run_${i}`,
      status: 'completed',
      'pr-url': null,
      result: 'ü'.repeat(20_000), // 40 KB each, 4 MB in all
      error: null,
    }));
    const fitted = fitResultsJson(JSON.stringify(entries), RESULTS_MAX_BYTES);
    expect(bytes(fitted)).toBeLessThanOrEqual(RESULTS_MAX_BYTES);
    const parsed = JSON.parse(fitted) as Array<{ name: string; result: string }>;
    expect(parsed).toHaveLength(100);
    expect(parsed[99]?.name).toBe('task-99');
    expect(parsed[0]?.result).toContain('… (truncated:');
  });

  it("keeps the job summary's folded results under the limit in bytes", () => {
    const big = '€'.repeat(59_000);
    const tasks = Array.from({ length: 20 }, (_, i) => ({
      name: `t${i}`,
      runId: `run_${i}`,
      status: 'completed' as const,
      run: {
        id: `run_${i}`,
        status: 'completed' as const,
        prompt: 'p',
        prs: [],
        result: big,
        createdAt: '2026-01-01T00:00:00Z',
      },
      error: undefined,
      lines: [],
    }));
    const md = renderRunsSummary('codecloud', tasks, true);
    expect(bytes(md)).toBeLessThanOrEqual(900_000);
    expect(md).toContain('More results left out');
  });
});

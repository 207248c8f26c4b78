/**
 * GitHub's size limits, in bytes (UTF-8), not characters: a step output may be at most 1 MB and the job summary at
 * most 1 MiB. The last stop before the runner (after redaction): text outputs and the summary are cut with a
 * visible note, and `results` (JSON) is shrunk entry by entry so it stays valid JSON. Pure.
 */
import type { ActionOutcome } from './action-context.js';
import type { ActionOutputs, OutputName } from './input-names.js';

/** Each text output (`result`, `plan`, `error`, …): half of GitHub's 1 MB, so several fit in a job. */
export const OUTPUT_MAX_BYTES = 512 * 1024;
/** The `results` JSON output. */
export const RESULTS_MAX_BYTES = 900 * 1024;
/** The job summary: GitHub refuses more than 1 MiB per step. */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 24 * 1024;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** `text` cut to at most `maxBytes` UTF-8 bytes (never inside a character), with a note saying how much was left out. */
export function clipBytes(text: string, maxBytes: number): string {
  const size = bytes(text);
  if (size <= maxBytes) return text;
  const note = (left: number) =>
    `\n… (truncated: ${left.toLocaleString('en-US')} more bytes; GitHub limits the size of outputs and summaries)`;
  const budget = Math.max(0, maxBytes - bytes(note(size)));
  // Whole characters only: decoding a cut buffer may end in U+FFFD, so cut by code points instead.
  let kept = '';
  let used = 0;
  for (const char of text) {
    const n = bytes(char);
    if (used + n > budget) break;
    kept += char;
    used += n;
  }
  return `${kept}${note(size - used)}`;
}

interface ResultsEntryLike {
  result?: unknown;
  error?: unknown;
  [key: string]: unknown;
}

/** The `results` JSON, its entries' `result` (then `error`) texts cut evenly until the whole fits `maxBytes`. */
export function fitResultsJson(json: string, maxBytes: number): string {
  if (bytes(json) <= maxBytes) return json;
  let entries: ResultsEntryLike[];
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return json;
    entries = parsed as ResultsEntryLike[];
  } catch {
    return json;
  }
  for (let perEntry = Math.floor(maxBytes / Math.max(1, entries.length)); perEntry >= 64; perEntry >>= 1) {
    const fitted = entries.map((entry) => ({
      ...entry,
      ...(typeof entry.result === 'string' ? { result: clipBytes(entry.result, perEntry * 0.75) } : {}),
      ...(typeof entry.error === 'string' ? { error: clipBytes(entry.error, perEntry * 0.2) } : {}),
    }));
    const text = JSON.stringify(fitted);
    if (bytes(text) <= maxBytes) return text;
  }
  // Too many entries even without their texts: keep what fits, and say how many were left out.
  const kept: unknown[] = [];
  for (const entry of entries) {
    const next = JSON.stringify([...kept, { ...entry, result: null, error: null }]);
    if (bytes(next) > maxBytes - 200) break;
    kept.push({ ...entry, result: null, error: null });
  }
  kept.push({
    name: `(${entries.length - kept.length} more entries left out: output size limit)`,
    status: 'unknown',
  });
  return JSON.stringify(kept);
}

const TEXT_OUTPUTS: readonly OutputName[] = ['title', 'result', 'plan', 'error'];

export function capOutcome(outcome: ActionOutcome): ActionOutcome {
  const outputs: ActionOutputs = { ...outcome.outputs };
  for (const name of TEXT_OUTPUTS) {
    const value = outputs[name];
    if (value !== undefined) outputs[name] = clipBytes(value, OUTPUT_MAX_BYTES);
  }
  if (outputs.results !== undefined) outputs.results = fitResultsJson(outputs.results, RESULTS_MAX_BYTES);
  return {
    ...outcome,
    outputs,
    summary: clipBytes(outcome.summary, SUMMARY_MAX_BYTES),
  };
}

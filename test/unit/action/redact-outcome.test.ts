import { describe, expect, it } from 'vitest';
import { redactOutcome } from '../../../src/action/redact-outcome.js';

describe('redactOutcome', () => {
  const apiKey = 'cc-live-key-0123456789';
  const token = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz';

  it('redacts known secrets and credential shapes in outputs, the summary and the failure', () => {
    const leak = `key ${apiKey}, token ${token}, env OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234`;
    const outcome = redactOutcome(
      {
        outputs: { result: leak, plan: `plan ${apiKey}`, error: `error ${token}`, status: 'completed' },
        summary: `| run | ${leak} |`,
        failure: `Run failed: ${apiKey}`,
      },
      [apiKey, undefined],
    );
    for (const text of [
      outcome.outputs.result,
      outcome.outputs.plan,
      outcome.outputs.error,
      outcome.summary,
      outcome.failure,
    ]) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(token);
      expect(text).not.toContain('sk-proj');
    }
    expect(outcome.outputs.result).toBe('key [redacted], token [redacted], env OPENAI_API_KEY=[redacted]');
    expect(outcome.outputs.status).toBe('completed');
    expect(outcome.failure).toBe('Run failed: [redacted]');
  });

  it('keeps JSON outputs valid JSON, redacting value by value', () => {
    // A URL-credentials pattern run over the raw JSON text would swallow the quotes between two values.
    const results = JSON.stringify([
      { name: 'a', result: 'see https://host:8080', error: `me@x ${token}` },
      { name: 'b', result: 'https://user:pa55word@example.com/x', error: null },
    ]);
    const outcome = redactOutcome({ outputs: { results, prs: '[]' }, summary: '' }, [token]);
    const parsed = JSON.parse(outcome.outputs.results ?? '') as Array<Record<string, unknown>>;
    expect(parsed).toEqual([
      { name: 'a', result: 'see https://host:8080', error: 'me@x [redacted]' },
      { name: 'b', result: 'https://[redacted]@example.com/x', error: null },
    ]);
    expect(outcome.outputs.prs).toBe('[]');
    expect(outcome.failure).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { headlineTitle, titleFromRequest } from '../../../src/runs/comment-bodies.js';

const prompt =
  'You are working on the GitHub repository acme/app for @alice, who asked on issue #1.\n\n## Task';

describe('status comment headline title', () => {
  it('keeps a real title from the API', () => {
    expect(
      headlineTitle({
        result: { title: 'Fix the crash' },
        prompt,
        options: { headline: 'x' },
        followUpCount: 0,
      }),
    ).toBe('Fix the crash');
  });

  it('replaces a title that is only the start of the prompt with one from the request', () => {
    const echoed = { title: 'You are working on the GitHub repository acme/app...' };
    expect(
      headlineTitle({ result: echoed, prompt, options: { headline: 'fix the login bug' }, followUpCount: 0 }),
    ).toBe('fix the login bug');
    expect(headlineTitle({ result: echoed, prompt, options: {}, followUpCount: 0 })).toBeUndefined();
  });

  it("a follow-up shows its own request, not the original run's title", () => {
    expect(
      headlineTitle({
        result: { title: 'Fix the crash' },
        prompt,
        options: { headline: 'add a test' },
        followUpCount: 1,
      }),
    ).toBe('add a test');
  });

  it('derives a one-line title from the instruction, or falls back to the issue title', () => {
    expect(titleFromRequest('\n  fix the login bug\nand more', 'Issue')).toBe('fix the login bug');
    expect(titleFromRequest('', 'Crash on start')).toBe('Crash on start');
    expect(titleFromRequest('x'.repeat(300), 'I')).toHaveLength(100);
  });
});

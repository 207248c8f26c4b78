import { describe, expect, it } from 'vitest';
import { latestOutputExcerpt } from '../../../src/cloudcoding/output-excerpt.js';

describe('latestOutputExcerpt', () => {
  it('keeps the last lines, dropping blank ones', () => {
    const text = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n\n');
    expect(latestOutputExcerpt(text, { maxLines: 3 })).toBe('line 17\nline 18\nline 19');
  });

  it('removes colours and shows a redrawn progress line in its final state', () => {
    const text = '\u001b[32m✓ ok\u001b[0m\r\nDownloading 10%\rDownloading 50%\rDownloading 100%\n\u0007bell';
    expect(latestOutputExcerpt(text)).toBe('✓ ok\nDownloading 100%\nbell');
  });

  it('keeps the newest characters within maxChars', () => {
    const excerpt = latestOutputExcerpt(`${'a'.repeat(50)}\nTHE END`, { maxChars: 12 });
    expect(excerpt).toBe('…aaa\nTHE END');
    expect(excerpt.length).toBe(12);
  });

  it('returns an empty string for nothing to show, and stays cheap on huge text', () => {
    expect(latestOutputExcerpt('\n \n\t\n')).toBe('');
    const huge = `${'noise\n'.repeat(500_000)}last`;
    expect(latestOutputExcerpt(huge, { maxLines: 1 })).toBe('last');
  });
});

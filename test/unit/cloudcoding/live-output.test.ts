import { describe, expect, it } from 'vitest';
import { formatLiveLine, LiveLines } from '../../../src/cloudcoding/live-output.js';

describe('LiveLines', () => {
  it('hands out whole lines per task, however the pieces interleave', () => {
    const lines = new LiveLines();
    const out = [
      ...lines.push('a', 'Runn'),
      ...lines.push('b', 'Build'),
      ...lines.push('a', 'ing tests\r\nok\nhal'),
      ...lines.push('b', 'ing\n'),
      ...lines.push(undefined, 'plain\n'),
    ].map(formatLiveLine);
    expect(out).toEqual(['[a] Running tests', '[a] ok', '[b] Building', 'plain']);
    expect(lines.flush().map(formatLiveLine)).toEqual(['[a] hal']);
    expect(lines.flush()).toEqual([]);
  });

  it('does not hold an endless line', () => {
    const lines = new LiveLines({ maxLineChars: 4 });
    expect(lines.push(undefined, 'abcdefghij').map((l) => l.line)).toEqual(['abcd', 'efgh']);
    expect(lines.flush().map((l) => l.line)).toEqual(['ij']);
  });
});

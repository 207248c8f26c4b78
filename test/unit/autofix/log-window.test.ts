import { describe, expect, it } from 'vitest';
import { LogWindow } from '../../../src/autofix/log-window.js';

const isErrorLine = (line: string): boolean => {
  const window = new LogWindow();
  window.push(line);
  return window.finish().firstErrorLine === 1;
};

import { LogReader } from '../../../src/autofix/log-reader.js';

const lines = (from: number, to: number, text = 'ok'): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${text} ${from + i}`);

describe('LogWindow', () => {
  it('keeps the lines around the first error and the last lines, numbered, with the gaps counted', () => {
    const log = [...lines(1, 100), 'FAIL test/math.test.ts > adds', ...lines(102, 1000)].join('\n');
    const window = new LogWindow({ before: 2, after: 3, tail: 2 });
    // Fed in awkward pieces: lines span chunks.
    for (let i = 0; i < log.length; i += 7) window.push(log.slice(i, i + 7));
    const excerpt = window.finish();
    expect(excerpt.firstErrorLine).toBe(101);
    expect(excerpt.lines).toBe(1000);
    expect(excerpt.text.split('\n')).toEqual([
      '     … (98 lines)',
      '  99 ok 99',
      ' 100 ok 100',
      ' 101 FAIL test/math.test.ts > adds',
      ' 102 ok 102',
      ' 103 ok 103',
      '     … (895 lines)',
      ' 999 ok 999',
      '1000 ok 1000',
    ]);
  });

  it('without an error line gives the last lines; an error near the end merges with them', () => {
    const none = new LogWindow({ tail: 3 });
    none.push(`${lines(1, 10).join('\n')}\n`);
    expect(none.finish()).toEqual({
      text: '   … (7 lines)\n 8 ok 8\n 9 ok 9\n10 ok 10',
      firstErrorLine: undefined,
      lines: 10,
    });
    const late = new LogWindow({ before: 1, after: 2, tail: 2 });
    late.push([...lines(1, 8), '##[error]Process completed with exit code 1.', 'ok 10'].join('\n'));
    expect(late.finish().text).toBe(
      '   … (7 lines)\n 8 ok 8\n 9 ##[error]Process completed with exit code 1.\n10 ok 10',
    );
  });

  it("cuts long lines, drops GitHub's timestamps and CRs, and keeps its memory bounded", () => {
    const window = new LogWindow({ maxLineChars: 10, tail: 2 });
    window.push('2026-12-06T04:40:00.1234567Z short\r\n');
    window.push(`${'x'.repeat(1_000_000)}`);
    window.push(`${'y'.repeat(1_000_000)}\nend`);
    const { text } = window.finish();
    expect(text).toBe('  … (1 line)\n2 xxxxxxxxxx…\n3 end');
    const big = new LogWindow({ maxLineChars: 10, tail: 2 });
    big.push('short\n');
    expect(big.finish().text).toBe('1 short');
  });

  it('gives the same excerpt however the log is cut into pieces (the fast path skips only lines it would drop)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 40; round++) {
      const count = 1 + Math.floor(random() * 400);
      const log = Array.from({ length: count }, (_, i) =>
        random() < 0.01 ? `Error: boom ${i}` : `line ${i} ${'x'.repeat(Math.floor(random() * 30))}`,
      ).join('\n');
      const options = { before: 3, after: 5, tail: 4, maxLineChars: 20 };
      const whole = new LogWindow(options);
      whole.push(log);
      const byChar = new LogWindow(options);
      for (const c of log) byChar.push(c);
      const pieces = new LogWindow(options);
      for (let i = 0; i < log.length; ) {
        const size = 1 + Math.floor(random() * 300);
        pieces.push(log.slice(i, i + size));
        i += size;
      }
      const expected = byChar.finish();
      expect(whole.finish(), `round ${round}`).toEqual(expected);
      expect(pieces.finish(), `round ${round}`).toEqual(expected);
    }
  });

  it('recognises the usual error lines and not ordinary ones', () => {
    for (const line of [
      '##[error]Process completed with exit code 1.',
      ' FAIL  src/a.test.ts',
      'TypeError: x is not a function',
      'error: could not compile `foo`',
      'error[E0308]: mismatched types',
      'Traceback (most recent call last):',
      'npm ERR! code 1',
    ])
      expect(isErrorLine(line), line).toBe(true);
    for (const line of ['Run npm test', 'Tests: 3 passed', '0 errors found', 'compiling error-messages.ts'])
      expect(isErrorLine(line), line).toBe(false);
  });
});

describe('LogReader', () => {
  it('decodes multi-byte characters split across pieces', () => {
    const bytes = new TextEncoder().encode('✗ broken\nok\n');
    const reader = new LogReader();
    reader.push(bytes.slice(0, 1));
    reader.push(bytes.slice(1));
    const result = reader.finish(false);
    expect(result).toMatchObject({ firstErrorLine: 1, lines: 2, cut: false });
    expect(result.text).toContain('✗ broken');
  });

  it('gives the excerpt LogWindow gives for the whole text, though it skips undecoded lines', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 30; round++) {
      const count = 1 + Math.floor(random() * 3000);
      const text = Array.from({ length: count }, (_, i) =>
        random() < 0.002
          ? `✗ failed ${i}`
          : random() < 0.001
            ? `TypeError: no ${i}`
            : `zeile ${i} ü€ ${'y'.repeat(Math.floor(random() * 40))}`,
      ).join('\n');
      const bytes = new TextEncoder().encode(text);
      const options = { before: 4, after: 6, tail: 5, maxLineChars: 30 };
      const reader = new LogReader(options);
      // Every piece is read into one reused buffer, as the download hands them over.
      const shared = new Uint8Array(2000);
      for (let i = 0; i < bytes.length; ) {
        const size = 1 + Math.floor(random() * 2000);
        const piece = bytes.subarray(i, i + size);
        shared.set(piece);
        reader.push(shared.subarray(0, piece.length));
        shared.fill(0x78);
        i += size;
      }
      const expected = new LogWindow(options);
      expected.push(text);
      const { cut, ...read } = reader.finish(false);
      expect(cut).toBe(false);
      expect(read, `round ${round}`).toEqual(expected.finish());
    }
  });

  it('finds an error line cut anywhere between two pieces, with the held lines before it', () => {
    const filler = Array.from({ length: 200 }, (_, i) => `step ${i} ok`).join('\n');
    const text = `${filler}\nsrc/a.ts:3:1 - error: cannot find name 'x'\n${filler}\n`;
    const at = text.indexOf('src/a.ts');
    const options = { before: 3, after: 2, tail: 4 };
    const expected = new LogWindow(options);
    expected.push(text);
    const whole = expected.finish();
    expect(whole.firstErrorLine).toBe(201);
    for (let cut = at - 40; cut < at + 60; cut++) {
      const bytes = Buffer.from(text);
      const reader = new LogReader(options);
      // Three pieces: the second ends inside (or near) the error line, after enough lines to hold some back.
      reader.push(bytes.subarray(0, 1000));
      reader.push(bytes.subarray(1000, cut));
      reader.push(bytes.subarray(cut));
      const { cut: wasCut, ...read } = reader.finish(false);
      expect(read, `cut at ${cut - at}`).toEqual(whole);
    }
  });

  it('a cut log gives what was read, marked as cut', () => {
    const reader = new LogReader();
    reader.push(new TextEncoder().encode('line 1\nline 2\nError: half'));
    const result = reader.finish(true);
    expect(result).toMatchObject({ cut: true, lines: 3 });
  });
});

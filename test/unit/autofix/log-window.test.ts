import { describe, expect, it } from 'vitest';
import { LogWindow } from '../../../src/autofix/log-window.js';

const isErrorLine = (line: string): boolean => {
  const window = new LogWindow();
  window.push(line);
  return window.finish().firstErrorLine === 1;
};

import { readLogStream } from '../../../src/autofix/read-log-stream.js';

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

describe('readLogStream', () => {
  const streamOf = (pieces: Iterable<string>, delayMs = 0): ReadableStream<Uint8Array> => {
    const encoder = new TextEncoder();
    const it = pieces[Symbol.iterator]();
    return new ReadableStream({
      async pull(controller) {
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const next = it.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
    });
  };

  it('decodes multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('✗ broken\nok\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 1));
        controller.enqueue(bytes.slice(1));
        controller.close();
      },
    });
    const result = await readLogStream(stream, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ firstErrorLine: 1, lines: 2, cut: false });
    expect(result.text).toContain('✗ broken');
  });

  it('gives the excerpt LogWindow gives for the whole text, though it skips undecoded lines', async () => {
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
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; ) {
            const size = 1 + Math.floor(random() * 2000);
            controller.enqueue(bytes.slice(i, i + size));
            i += size;
          }
          controller.close();
        },
      });
      const options = { before: 4, after: 6, tail: 5, maxLineChars: 30 };
      const expected = new LogWindow(options);
      expected.push(text);
      const { cut, ...read } = await readLogStream(stream, { ...options, timeoutMs: 5_000 });
      expect(cut).toBe(false);
      expect(read, `round ${round}`).toEqual(expected.finish());
    }
  });

  it('stops at the time-out and gives what it read, marked as cut', async () => {
    function* endless() {
      for (let i = 1; ; i++) yield `line ${i}\n`;
    }
    const result = await readLogStream(streamOf(endless(), 5), { timeoutMs: 200 });
    expect(result.cut).toBe(true);
    expect(result.lines).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  excerpt,
  formatDuration,
  inertText,
  inlineCode,
  neutralizeMentions,
  truncateMarkdown,
} from '../../../src/render/markdown.js';
import {
  isCodecloudComment,
  pendingMarker,
  readMarkers,
  replyMarker,
  runMarker,
} from '../../../src/render/markers.js';

describe('markdown helpers', () => {
  it('inlineCode survives backticks and newlines', () => {
    expect(inlineCode('npm test')).toBe('`npm test`');
    expect(inlineCode('a `b` c')).toBe('`` a `b` c ``');
    expect(inlineCode('a\n  b')).toBe('`a b`');
  });

  it('codeBlock uses a fence the text cannot close', () => {
    expect(codeBlock('x')).toBe('```\nx\n```');
    expect(codeBlock('```\ny\n```', 'diff')).toBe('````diff\n```\ny\n```\n````');
  });

  it('neutralizeMentions keeps e-mail addresses and code-ish text', () => {
    expect(neutralizeMentions('@bob, (@carol) a@b.c `@x` @@y')).toBe(
      '@\u200Bbob, (@\u200Bcarol) a@b.c `@x` @@y',
    );
    expect(neutralizeMentions('use ` @property ` or @alice')).toBe('use ` @property ` or @\u200Balice');
  });

  it('neutralizeMentions: a backtick with no partner opens no code span, so a mention after it is broken', () => {
    expect(neutralizeMentions('a `@victim')).toBe('a `@\u200Bvictim');
    expect(neutralizeMentions('``@victim` and `ok`')).toBe('``@\u200Bvictim` and `ok`');
    expect(neutralizeMentions('`a` then `@victim')).toBe('`a` then `@\u200Bvictim');
    expect(neutralizeMentions('``@kept`` and `` ` @kept ``')).toBe('``@kept`` and `` ` @kept ``');
  });

  it('neutralizeMentions leaves fenced code exactly as written', () => {
    const code = '```py\nclass A:\n    @property\n    def x(self): ...\n```';
    expect(neutralizeMentions(`${code}\nthanks @bob`)).toBe(`${code}\nthanks @\u200Bbob`);
  });

  it('formatDuration', () => {
    expect([0, 45_000, 192_000, 3_600_000 + 300_000].map(formatDuration)).toEqual([
      '0s',
      '45s',
      '3m 12s',
      '1h 5m',
    ]);
  });

  it('excerpt cuts at a word with an ellipsis', () => {
    expect(excerpt('one two three four', 12)).toBe('one two…');
    expect(excerpt('  short\n text ', 50)).toBe('short text');
  });

  it('truncateMarkdown cuts at a line, closes an open fence and says how much is missing', () => {
    expect(truncateMarkdown('short', 10)).toBe('short');
    const text = `intro\n\`\`\`ts\n${'const x = 1;\n'.repeat(20)}\`\`\`\nafter`;
    const cut = truncateMarkdown(text, 100);
    expect(cut).toMatch(/const x = 1;\n```\n\n_… truncated: [\d,]+ more characters not shown\._$/);
    expect(cut.startsWith('intro\n```ts\n')).toBe(true);
  });

  it('truncateMarkdown leaves closed fences alone', () => {
    const text = `\`\`\`\na\n\`\`\`\n${'b'.repeat(200)}`;
    expect(truncateMarkdown(text, 50)).not.toContain('b\n```');
  });
});

describe('markers', () => {
  it('round-trip', () => {
    const body = `${runMarker('r-1')}\n${pendingMarker('p-2')}\n${replyMarker('help')}\ntext`;
    expect(readMarkers(body)).toEqual({ runId: 'r-1', pendingId: 'p-2', reply: 'help' });
    expect(readMarkers('plain comment')).toEqual({});
    expect(isCodecloudComment(body)).toBe(true);
    expect(isCodecloudComment('plain')).toBe(false);
  });

  it('cannot be closed from inside by an odd id', () => {
    expect(runMarker('x --> <b>hi</b>')).toBe('<!-- codecloud:run=x--bhib -->');
  });
});

describe('inertText', () => {
  it('leaves no link, image, autolink, HTML or mention', () => {
    const out = inertText(
      'see [here](https://evil.example) ![i](http://x.y/i.png) <b>hi</b> www.evil.example @bob',
    );
    expect(out).not.toMatch(/\]\(|!\[|<b>|https?:\/\/|www\.|@bob/);
    expect(out).toContain('\\[here\\]');
    expect(out).toContain('@\u2060bob');
  });
  it('keeps plain text as it is', () => {
    expect(inertText('Reading the config loader.')).toBe('Reading the config loader.');
  });
});

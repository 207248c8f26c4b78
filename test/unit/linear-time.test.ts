// Every path that reads text from GitHub runs in linear time: 65,536 characters (GitHub's largest comment) of the
// shapes that make backtracking regular expressions quadratic take at most 50 ms each (more only when this machine
// is busier than usual: the bound grows with a floor measured in the same run, one linear pass that builds a string
// from every character, or plain text through the same path, whichever is slower). On a backtracking pattern these
// shapes take seconds.

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findCommandLine } from '../../src/commands/find-command-line.js';
import { parseCommand } from '../../src/commands/parse-command.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';
import { buildRunPrompt } from '../../src/prompt/build-prompt.js';
import { sanitizeGitHubText, sanitizeOneLine } from '../../src/prompt/sanitize.js';
import { redactSecrets } from '../../src/redact.js';
import {
  codeBlock,
  excerpt,
  inertText,
  inlineCode,
  neutralizeMentions,
  truncateMarkdown,
} from '../../src/render/markdown.js';

const N = 65_536;
const fill = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);

/** The shapes that hurt: unclosed openers, long runs before a missing terminator, nesting. */
const HOSTILE_SHAPES: Readonly<Record<string, string>> = {
  'image alts `![![![`': fill('!['),
  '`<<<<`': fill('<'),
  '`a…a!`': `${'a'.repeat(N - 1)}!`,
  'nested brackets': `${'['.repeat(N / 2)}${']'.repeat(N / 2)}`,
  'many `<!--`': fill('<!--'),
  'unclosed tags `<a<a`': fill('<a'),
  'one tag of hidden attributes': `<a${fill(' alt=x')}`,
  'one tag of unclosed titles': `<a${fill(' title="')}`,
  'unclosed `<script>`': fill('<script>'),
  'link titles `](x "`': fill('](x "'),
  'link then spaces': `](${' '.repeat(N - 3)}x`,
  'spaces then a letter': `${' '.repeat(N - 1)}x`,
  'lines of `[`': fill('\n['),
  'link definitions': fill('[a]: '),
  'blank lines': fill('\n\n\n '),
  'entities `&#`': fill('&#'),
  backslashes: fill('\\'),
  backticks: fill('``a'),
  'mentions after backticks': fill('@a`'),
  'punctuation then a letter': `${fill('.!')}x`,
  'JWT-like runs': fill('eyJ-'),
  'scheme-like runs': fill('a.'),
  'URL credentials': fill('a://x:'),
  assignments: fill('A_TOKEN='),
  'PEM openings': fill('-----BEGIN '),
  'unknown options': fill('--x '),
};

/** The fastest of five runs of `run`, in ms. */
function fastest(run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const PATHS: Readonly<Record<string, (text: string) => unknown>> = {
  'command parsing': (text) => parseCommand(`/codecloud ${text}`),
  'command parsing (text on the lines below)': (text) => parseCommand(`/codecloud fix it\n${text}`),
  'finding the command line': (text) => findCommandLine(text),
  sanitizing: sanitizeGitHubText,
  'sanitizing a title': sanitizeOneLine,
  redaction: (text) => redactSecrets(text, ['a-configured-secret']),
  'mention neutralising': neutralizeMentions,
  'inline code': inlineCode,
  'code block': codeBlock,
  'inert text': inertText,
  excerpt: (text) => excerpt(text, 200),
  truncation: (text) => truncateMarkdown(text, 1_000),
  'config parsing': (text) => parseRepoConfig(parseYaml(`instructions: ${JSON.stringify(text)}\n`)),
};

describe('linear time on hostile text (65,536 characters)', () => {
  const plain = fill('lorem ipsum dolor sit amet, ');
  const onePass = (text: string) => [...text].map((char) => char.codePointAt(0)).join(',');
  for (const [path, run] of Object.entries(PATHS)) {
    it(`${path}: every shape within 50 ms`, () => {
      const floor = Math.max(
        fastest(() => run(plain)),
        fastest(() => onePass(plain)),
      );
      const bound = Math.max(50, 10 * floor);
      const slow = Object.entries(HOSTILE_SHAPES)
        .map(([shape, text]) => ({ shape, ms: Math.round(fastest(() => run(text))) }))
        .filter(({ ms }) => ms > bound);
      expect(slow, `bound ${bound.toFixed(0)} ms (floor ${floor.toFixed(1)} ms)`).toEqual([]);
    });
  }

  it('a prompt quoting 40 hostile comments is built within 40 × 50 ms', () => {
    const shapes = Object.values(HOSTILE_SHAPES);
    const comments = Array.from({ length: 40 }, (_, i) => ({
      author: 'mallory',
      body: shapes[i % shapes.length] as string,
      createdAt: '2026-01-01T00:00:00Z',
    }));
    const input = {
      instruction: HOSTILE_SHAPES['image alts `![![![`'] as string,
      repo: 'acme/widgets',
      requester: 'alice',
      thread: { kind: 'issue' as const, number: 1, title: 't', body: fill('!['), author: 'mallory' },
      comments,
    };
    const floor = Math.max(
      fastest(() =>
        buildRunPrompt({
          ...input,
          instruction: plain,
          comments: comments.map((c) => ({ ...c, body: plain })),
        }),
      ),
      40 * fastest(() => onePass(plain)),
    );
    expect(fastest(() => buildRunPrompt(input))).toBeLessThan(Math.max(40 * 50, 10 * floor));
  });
});

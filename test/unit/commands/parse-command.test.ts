import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/commands/command.js';
import { parseCommand } from '../../../src/commands/parse-command.js';

/** The command of a body that must parse. */
function command(body: string, trigger?: string): Command {
  const parsed = parseCommand(body, trigger);
  if (parsed.kind !== 'command') throw new Error(`expected a command, got ${JSON.stringify(parsed)}`);
  return parsed.command;
}

describe('parseCommand: finding the command line', () => {
  it('returns none for a comment without a command', () => {
    expect(parseCommand('Looks good to me!')).toEqual({ kind: 'none' });
    expect(parseCommand('')).toEqual({ kind: 'none' });
    expect(parseCommand('please run /codecloud fix it')).toEqual({ kind: 'none' });
  });

  it('needs the trigger as a whole word', () => {
    expect(parseCommand('/codecloudy fix it')).toEqual({ kind: 'none' });
    expect(command('/codecloud\tfix it')).toMatchObject({ kind: 'execute', instruction: 'fix it' });
    expect(command('/codecloud: fix it')).toMatchObject({ kind: 'execute', instruction: 'fix it' });
    expect(command('/codecloud, stop')).toEqual({ kind: 'stop' });
    expect(parseCommand('/codecloud:fix it')).toEqual({ kind: 'none' });
  });

  it('matches the trigger case-insensitively, on any line, with up to 3 spaces of indentation', () => {
    expect(command('Thanks!\n\n/CodeCloud fix the typo')).toEqual({
      kind: 'execute',
      instruction: 'fix the typo',
      options: {},
    });
    expect(command('   /codecloud fix it')).toMatchObject({ instruction: 'fix it' });
    expect(parseCommand('    /codecloud fix it')).toEqual({ kind: 'none' });
  });

  it('ignores quoted lines: quoting an earlier command does not re-run it', () => {
    expect(parseCommand('> /codecloud fix the bug\n\nI agree with this')).toEqual({ kind: 'none' });
    expect(parseCommand('  > > /codecloud fix the bug')).toEqual({ kind: 'none' });
    expect(command('> /codecloud old\n/codecloud new')).toMatchObject({ instruction: 'new' });
  });

  it('ignores fenced code blocks (``` and ~~~, closed only by a matching fence)', () => {
    const body = [
      '```',
      '/codecloud in code',
      '~~~',
      '/codecloud still in code',
      '```',
      '/codecloud real',
    ].join('\n');
    expect(command(body)).toMatchObject({ instruction: 'real' });
    expect(parseCommand('````md\n```\n/codecloud nested\n````')).toEqual({ kind: 'none' });
    expect(parseCommand('~~~\n/codecloud unclosed fence')).toEqual({ kind: 'none' });
  });

  it('ignores HTML comments, single- and multi-line (issue templates hide text there)', () => {
    expect(parseCommand('<!-- /codecloud hidden -->')).toEqual({ kind: 'none' });
    expect(parseCommand('Intro <!--\n/codecloud hidden\n-->')).toEqual({ kind: 'none' });
    expect(command('<!--\n/codecloud hidden\n-->\n/codecloud shown')).toMatchObject({ instruction: 'shown' });
  });

  it('handles CRLF line endings', () => {
    expect(command('/codecloud fix it\r\nand the docs\r\n')).toMatchObject({
      instruction: 'fix it\nand the docs',
    });
  });

  it('uses a configured trigger, escaping regex characters', () => {
    expect(command('@bot+ fix it', '@bot+')).toMatchObject({ instruction: 'fix it' });
    expect(parseCommand('@bottt fix it', '@bot+')).toEqual({ kind: 'none' });
    expect(parseCommand('/codecloud fix it', '@bot+')).toEqual({ kind: 'none' });
  });

  it('finds a command line after other lines, never in a quote', () => {
    expect(parseCommand('x\n/codecloud help').kind).toBe('command');
    expect(parseCommand('> /codecloud help').kind).toBe('none');
  });
});

describe('parseCommand: the instruction', () => {
  it('continues on the following lines, up to the next command line', () => {
    const body = [
      '/codecloud refactor the parser:',
      '',
      '- split the tokenizer out',
      '- keep the public API',
      '',
      '```ts',
      'parse(x)',
      '```',
      '',
      '/codecloud stop',
      'ignored',
    ].join('\n');
    expect(command(body)).toEqual({
      kind: 'execute',
      instruction:
        'refactor the parser:\n\n- split the tokenizer out\n- keep the public API\n\n```ts\nparse(x)\n```',
      options: {},
    });
  });

  it('may start on the next line', () => {
    expect(command('/codecloud\nFix the flaky test in ci.yml\n\n')).toMatchObject({
      kind: 'execute',
      instruction: 'Fix the flaky test in ci.yml',
    });
  });

  it('only the first command line counts', () => {
    expect(command('/codecloud stop\n/codecloud fix it')).toEqual({ kind: 'stop' });
  });

  it('alone is an execute with an empty instruction (the thread is the task)', () => {
    expect(command('/codecloud')).toEqual({ kind: 'execute', instruction: '', options: {} });
    expect(command('/codecloud --no-pr')).toEqual({
      kind: 'execute',
      instruction: '',
      options: { noPr: true },
    });
  });
});

describe('parseCommand: subcommands', () => {
  it.each([
    ['/codecloud stop', { kind: 'stop' }],
    ['/codecloud STOP', { kind: 'stop' }],
    ['/codecloud stop.', { kind: 'stop' }],
    ['/codecloud status', { kind: 'status' }],
    ['/codecloud help', { kind: 'help' }],
    ['/codecloud help!', { kind: 'help' }],
    ['/codecloud approve', { kind: 'approve', note: '' }],
    ['/codecloud stop\nit is going the wrong way', { kind: 'stop' }],
    ['/codecloud approve\nbut skip step 3', { kind: 'approve', note: 'but skip step 3' }],
  ])('%j', (body, expected) => {
    expect(command(body)).toEqual(expected);
  });

  it('a keyword followed by more words on its line is an instruction', () => {
    expect(command('/codecloud stop the retry loop from spinning')).toEqual({
      kind: 'execute',
      instruction: 'stop the retry loop from spinning',
      options: {},
    });
    expect(command('/codecloud help me write the changelog')).toMatchObject({ kind: 'execute' });
    expect(command('/codecloud status codes should be 404 here')).toMatchObject({ kind: 'execute' });
  });

  it('plan takes an instruction and options before or after the keyword', () => {
    expect(command('/codecloud plan migrate to zod 4')).toEqual({
      kind: 'plan',
      instruction: 'migrate to zod 4',
      options: {},
    });
    expect(command('/codecloud Plan: the database migration')).toMatchObject({
      kind: 'plan',
      instruction: 'the database migration',
    });
    expect(command('/codecloud --model=opus plan --no-pr do it')).toEqual({
      kind: 'plan',
      instruction: 'do it',
      options: { model: 'opus', noPr: true },
    });
    expect(command('/codecloud plan')).toEqual({ kind: 'plan', instruction: '', options: {} });
    expect(command('/codecloud planning is hard')).toMatchObject({
      kind: 'execute',
      instruction: 'planning is hard',
    });
  });
});

describe('parseCommand: options', () => {
  it('parses every option', () => {
    const body =
      '/codecloud --model=claude-sonnet-4-5 --provider=anthropic --agent=claude-code --branch=release/1.x --no-pr --backend=cloudcoding fix it';
    expect(command(body)).toEqual({
      kind: 'execute',
      instruction: 'fix it',
      options: {
        model: 'claude-sonnet-4-5',
        provider: 'anthropic',
        agentProvider: 'claude-code',
        branch: 'release/1.x',
        noPr: true,
        backend: 'cloudcoding',
      },
    });
  });

  it('accepts quoted values, upper-case names and the --agent-provider spelling', () => {
    expect(command('/codecloud --MODEL="gpt-5" --agent-provider=opencode go')).toMatchObject({
      options: { model: 'gpt-5', agentProvider: 'opencode' },
    });
  });

  it('stops reading options at the first other word, and at a bare --', () => {
    expect(command('/codecloud fix --no-pr handling')).toEqual({
      kind: 'execute',
      instruction: 'fix --no-pr handling',
      options: {},
    });
    expect(command('/codecloud --no-pr -- --verbose flag is broken')).toEqual({
      kind: 'execute',
      instruction: '--verbose flag is broken',
      options: { noPr: true },
    });
  });

  it('refuses unknown options by name and value, with a suggestion', () => {
    expect(parseCommand('/codecloud --modle=opus --force fix it')).toEqual({
      kind: 'invalid',
      line: '/codecloud --modle=opus --force fix it',
      problems: [
        { option: '--modle', value: 'opus', message: 'unknown option', suggestion: '--model' },
        { option: '--force', message: 'unknown option' },
      ],
    });
  });

  it('explains --mode', () => {
    expect(parseCommand('/codecloud --mode=plan x')).toMatchObject({
      kind: 'invalid',
      problems: [
        {
          option: '--mode',
          value: 'plan',
          message: expect.stringContaining('write `plan` before the instruction'),
        },
      ],
    });
  });

  it.each([
    ['--agent=gpt', { option: '--agent', value: 'gpt', message: 'must be one of opencode, claude-code' }],
    [
      '--backend=aws',
      { option: '--backend', value: 'aws', message: 'must be one of codecloud, cloudcoding' },
    ],
    [
      '--branch=a..b',
      {
        option: '--branch',
        value: 'a..b',
        message: 'is not a valid branch name: it contains `..`, which git does not allow in a branch name',
      },
    ],
    ['--model', { option: '--model', message: 'needs a value: --model=<model>' }],
    ['--model=', { option: '--model', value: '', message: 'needs a value: --model=<model>' }],
    ['--no-pr=yes', { option: '--no-pr', value: 'yes', message: 'takes no value' }],
    [
      '--provider=$(rm)',
      {
        option: '--provider',
        value: '$(rm)',
        message: 'must be a name of letters, digits and . _ : / @ + -',
      },
    ],
  ])('refuses %s', (option, problem) => {
    expect(parseCommand(`/codecloud ${option} fix it`)).toEqual({
      kind: 'invalid',
      line: `/codecloud ${option} fix it`,
      problems: [problem],
    });
  });

  it('refuses an option given twice', () => {
    expect(parseCommand('/codecloud --no-pr --no-pr x')).toMatchObject({
      kind: 'invalid',
      problems: [{ option: '--no-pr', message: 'given more than once' }],
    });
  });

  it('refuses options on commands they cannot apply to', () => {
    expect(parseCommand('/codecloud --model=opus stop')).toEqual({
      kind: 'invalid',
      line: '/codecloud --model=opus stop',
      problems: [{ option: '--model', message: 'does not apply to `stop`' }],
    });
    expect(parseCommand('/codecloud --force help')).toMatchObject({
      kind: 'invalid',
      problems: [{ option: '--force', message: 'unknown option' }],
    });
  });
});

describe('parseCommand: hostile command lines', () => {
  const problems = (body: string) => {
    const parsed = parseCommand(body);
    if (parsed.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(parsed)}`);
    return parsed.problems;
  };

  it('a quoted value is one value, spaces included, and judged whole', () => {
    expect(problems("/codecloud --branch='$(rm -rf)' fix it")).toEqual([
      { option: '--branch', value: '$(rm -rf)', message: 'is not a valid branch name: it contains a space' },
    ]);
    expect(command('/codecloud --branch="feature/x" fix it')).toEqual({
      kind: 'execute',
      instruction: 'fix it',
      options: { branch: 'feature/x' },
    });
  });

  it('an unclosed quote leaves the token as written', () => {
    expect(problems("/codecloud --branch='oops fix it")[0]).toMatchObject({
      option: '--branch',
      value: "'oops",
    });
  });

  it('10,000 options are all read, in linear time', () => {
    const body = `/codecloud ${Array.from({ length: 10_000 }, () => '--x').join(' ')} fix`;
    const started = performance.now();
    expect(problems(body)).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('an instruction longer than the prompt takes is refused, measured as the agent would get it', () => {
    expect(problems(`/codecloud fix\n${'x'.repeat(20_001)}`)).toEqual([
      {
        option: 'instruction',
        subject: 'instruction',
        message: 'is 20,005 characters long; at most 20,000 are accepted',
      },
    ]);
    // Hidden HTML comments are not sent, so they do not count.
    expect(command(`/codecloud fix it\n<!-- ${'x'.repeat(30_000)} -->`)).toMatchObject({ kind: 'execute' });
    expect(problems(`/codecloud approve\n${'y'.repeat(25_000)}`)[0]?.subject).toBe('instruction');
  });
});

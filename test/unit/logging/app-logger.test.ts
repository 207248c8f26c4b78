// The app's logger: every credential shape logged as a message, a field, a child's binding, an error's stack or a
// request header comes out redacted, in JSON and in the pretty format; lines carry the fields of the work under way.
import { describe, expect, it } from 'vitest';
import { withLogFields, withOwnLogFields } from '../../../src/log-context.js';
import { appLogger, type LogFormat, redactLogLine } from '../../../src/logging/app-logger.js';
import { KNOWN_SECRET_SAMPLE, SECRETS } from '../secret-samples.js';

const PIECES = Object.values(SECRETS).flatMap((secret) => {
  const lines = secret.split('\n');
  const core = lines.length > 1 ? (lines[1] as string) : (secret.split(' = ')[1] ?? secret);
  return [core.slice(0, 16), core.slice(-10)];
});

function capture(format: LogFormat) {
  const out: string[] = [];
  const log = appLogger({
    level: 'debug',
    format,
    knownSecrets: () => [KNOWN_SECRET_SAMPLE],
    write: (text) => out.push(text),
  });
  return { log, text: () => out.join('') };
}

describe('app logger', () => {
  for (const format of ['json', 'pretty'] as const) {
    it(`redacts every credential shape on every path (${format})`, () => {
      const { log, text } = capture(format);
      for (const [name, secret] of Object.entries(SECRETS)) {
        log.info(`message ${name}: ${secret}`);
        log.warn({ detail: secret, nested: { list: [secret] } }, 'a field');
        log.child({ bound: secret }).debug('a binding');
        log.error({ err: new Error(`failed with ${secret}`) }, 'an error');
        log.info(
          { req: { url: `/x?t=${secret}`, headers: { authorization: `Bearer ${secret}`, other: secret } } },
          'a request',
        );
        log.info({ [secret]: 1 }, 'a key');
      }
      const output = text();
      for (const piece of PIECES) expect(output, `leaked ${piece}`).not.toContain(piece);
      expect(output).toContain('[redacted]');
      expect(output).toContain('at '); // the stacks were written
    });
  }

  it('adds the fields of the work under way, and only those', () => {
    const { log, text } = capture('json');
    withLogFields({ delivery: 'd-1', installation: 7 }, () => {
      log.info({ body: 'x' }, 'first');
      withLogFields({ run: 'r-1', repo: 'acme/app' }, () => log.info('second'));
      log.info('third');
    });
    log.info('outside');
    withLogFields({ run: 'r-other', repo: 'acme/other' }, () =>
      withOwnLogFields({ job: 'j-2', installation: 8 }, () => log.info('own')),
    );
    const [first, second, third, outside, own] = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ delivery: 'd-1', installation: 7, body: 'x' });
    expect(second).toMatchObject({ delivery: 'd-1', installation: 7, run: 'r-1', repo: 'acme/app' });
    expect(third).toMatchObject({ delivery: 'd-1' });
    expect(third).not.toHaveProperty('body');
    expect(third).not.toHaveProperty('run');
    expect(outside).not.toHaveProperty('delivery');
    expect(own).toMatchObject({ job: 'j-2', installation: 8 });
    expect(own).not.toHaveProperty('run');
    expect(own).not.toHaveProperty('repo');
  });

  it('leaves a clean line as it is and redacts a line that is not JSON as text', () => {
    const line = '{"level":30,"msg":"hello"}\n';
    expect(redactLogLine(line, [])).toBe(line);
    expect(redactLogLine(`plain ${SECRETS['classic PAT']}\n`, [])).toBe('plain [redacted]\n');
  });
});

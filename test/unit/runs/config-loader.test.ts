// What a failed read of `.github/codecloud.yml` means: GitHub trouble is thrown (the job retries), anything else
// loads as an invalid file with the reader's own description.
import { describe, expect, it } from 'vitest';
import { type ConfigReader, configLoader } from '../../../src/runs/config-loader.js';

const describeReadError = (error: unknown) => `described: ${error instanceof Error ? error.message : '?'}`;

describe('configLoader', () => {
  it('validates what the reader returns, and passes `fresh` through', async () => {
    const asked: Array<{ fresh?: boolean }> = [];
    const read: ConfigReader = async (_installation, _owner, _repo, options) => {
      asked.push(options);
      return { trigger: '!ai' };
    };
    const load = configLoader(read, describeReadError);
    const loaded = await load(7, 'acme', 'app', { fresh: true });
    expect(loaded.kind === 'ok' && loaded.config.trigger).toBe('!ai');
    await load(7, 'acme', 'app');
    expect(asked).toEqual([{ fresh: true }, {}]);
  });

  it('gives the defaults when there is no file', async () => {
    const loaded = await configLoader(async () => null, describeReadError)(7, 'acme', 'app');
    expect(loaded.kind === 'ok' && loaded.config.trigger).toBe('/codecloud');
  });

  it('reports a file that does not validate as invalid, with every problem', async () => {
    const loaded = await configLoader(async () => ({ min_permission: 'owner' }), describeReadError)(
      7,
      'a',
      'b',
    );
    expect(loaded.kind).toBe('invalid');
    expect(loaded.kind === 'invalid' && loaded.issues[0]).toMatch(/^min_permission: must be one of/);
  });

  it('throws GitHub trouble (an error with an HTTP status) so the job is retried', async () => {
    const trouble = Object.assign(new Error('Server Error'), { status: 502 });
    const load = configLoader(async () => Promise.reject(trouble), describeReadError);
    await expect(load(7, 'acme', 'app')).rejects.toBe(trouble);
  });

  it('blames the file for any other read error, in the words of the describer', async () => {
    const load = configLoader(async () => Promise.reject(new Error('bad YAML')), describeReadError);
    expect(await load(7, 'acme', 'app')).toEqual({
      kind: 'invalid',
      error: 'described: bad YAML',
      issues: ['described: bad YAML'],
    });
  });
});

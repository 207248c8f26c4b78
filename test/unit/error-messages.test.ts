import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeCause, messageOf } from '../../src/error-messages.js';
import { describeZodIssues } from '../../src/validation-error.js';

describe('messageOf', () => {
  it("is an Error's message, else the value as text", () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(42)).toBe('42');
  });
});

describe('describeCause', () => {
  it("adds the cause's message, as Node's fetch reports a refused connection", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(describeCause(new TypeError('fetch failed', { cause }))).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it("adds the cause's code when its message does not say it", () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(describeCause(new TypeError('terminated', { cause }))).toBe(
      'terminated: other side closed (UND_ERR_SOCKET)',
    );
    const silent = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    expect(describeCause(new TypeError('fetch failed', { cause: silent }))).toBe(
      'fetch failed (ECONNREFUSED)',
    );
  });

  it('is the message alone without a cause, and the value as text for a non-Error', () => {
    expect(describeCause(new Error('no answer'))).toBe('no answer');
    expect(describeCause('gone')).toBe('gone');
  });
});

describe('describeZodIssues', () => {
  const Body = z.object({ repo: z.string().regex(/\//, 'must be owner/repo'), token: z.string().min(40) });

  it('names each field and what is wrong with it', () => {
    const parsed = Body.safeParse({ repo: 'widgets' });
    if (parsed.success) throw new Error('expected a failure');
    expect(describeZodIssues(parsed.error)).toBe(
      'repo: must be owner/repo; token: Invalid input: expected string, received undefined',
    );
  });

  it('shows the given string only for the fields it is allowed for', () => {
    const parsed = Body.safeParse({ repo: 'widgets', token: 'short-secret' }, { reportInput: true });
    if (parsed.success) throw new Error('expected a failure');
    expect(describeZodIssues(parsed.error, { showsInput: (path) => path !== 'token' })).toBe(
      "repo: must be owner/repo (got 'widgets'); token: Too small: expected string to have >=40 characters",
    );
  });
});

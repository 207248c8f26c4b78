import { describe, expect, it } from 'vitest';
import { CodecloudError, isCodecloudError, isLimitAnswer } from '../../../src/codecloud/errors.js';

describe('isLimitAnswer', () => {
  it('is true for every 429', () => {
    expect(isLimitAnswer(429, undefined)).toBe(true);
    expect(isLimitAnswer(429, 'slow down')).toBe(true);
  });

  it('is true for a 400/403 whose message speaks of a limit (the undocumented plan-limit answer)', () => {
    expect(isLimitAnswer(400, 'Concurrent agent limit reached')).toBe(true);
    expect(isLimitAnswer(403, 'Monthly run quota exhausted')).toBe(true);
    expect(isLimitAnswer(403, 'Too many running agents')).toBe(true);
  });

  it('is false for other errors', () => {
    expect(isLimitAnswer(400, 'repo: repo must be in format: owner/repo')).toBe(false);
    expect(isLimitAnswer(403, undefined)).toBe(false);
    expect(isLimitAnswer(500, 'limit reached')).toBe(false);
    expect(isLimitAnswer(404, 'Run not found')).toBe(false);
  });
});

describe('CodecloudError', () => {
  it('says what the API answered and where, and carries the parts', () => {
    const error = new CodecloudError({
      kind: 'http',
      method: 'POST',
      path: '/api/v1/agents',
      status: 400,
      error: 'Validation Error',
      apiMessage: 'repo: repo must be in format: owner/repo',
      retryable: false,
    });
    expect(error.message).toBe(
      'codecloud API 400: repo: repo must be in format: owner/repo (POST /api/v1/agents)',
    );
    expect(error).toMatchObject({
      name: 'CodecloudError',
      status: 400,
      error: 'Validation Error',
      limitReached: false,
    });
    expect(isCodecloudError(error)).toBe(true);
    expect(isCodecloudError(new Error('x'))).toBe(false);
  });

  it('describes network failures and unexpected bodies', () => {
    expect(
      new CodecloudError({
        kind: 'network',
        method: 'GET',
        path: '/x',
        retryable: true,
        detail: 'no answer within 5 ms',
      }).message,
    ).toBe('codecloud API unreachable: no answer within 5 ms (GET /x)');
    expect(
      new CodecloudError({
        kind: 'invalid-response',
        method: 'GET',
        path: '/x',
        retryable: false,
        detail: 'prs: Invalid input',
      }).message,
    ).toBe('codecloud API answered GET /x with an unexpected body: prs: Invalid input');
  });
});

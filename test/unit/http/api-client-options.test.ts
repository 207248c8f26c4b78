import { describe, expect, it } from 'vitest';
import { apiClientSettings } from '../../../src/http/api-client-options.js';
import { DEFAULT_BACKOFF, DEFAULT_MAX_RETRY_AFTER_MS } from '../../../src/http/backoff.js';

const defaults = {
  baseUrl: 'https://api.example.test',
  retries: 2,
  missingKeyMessage: 'an API key is required',
};

describe('apiClientSettings', () => {
  it('fills in the defaults', () => {
    const settings = apiClientSettings({ apiKey: 'key-1234' }, defaults);
    expect(settings).toMatchObject({
      apiKey: 'key-1234',
      baseUrl: 'https://api.example.test',
      fetch: globalThis.fetch,
      retry: { retries: 2, backoff: DEFAULT_BACKOFF, maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS },
      userAgent: 'codecloud-github',
    });
  });

  it('keeps what it is given, without the trailing slashes of the base URL; an empty one is the default', () => {
    const now = () => 7;
    const settings = apiClientSettings(
      { apiKey: 'key-1234', baseUrl: 'http://127.0.0.1:9/api//', retries: 0, now, userAgent: 'test' },
      defaults,
    );
    expect(settings).toMatchObject({
      baseUrl: 'http://127.0.0.1:9/api',
      retry: { retries: 0 },
      now,
      userAgent: 'test',
    });
    expect(apiClientSettings({ apiKey: 'key-1234', baseUrl: '' }, defaults).baseUrl).toBe(
      'https://api.example.test',
    );
  });

  it('refuses an empty API key', () => {
    expect(() => apiClientSettings({ apiKey: '' }, defaults)).toThrow('an API key is required');
  });
});

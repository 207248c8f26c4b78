import { describe, expect, it } from 'vitest';
import { parseAppEnv, requireServingEnv } from '../../../app/env.js';

const serving = { APP_ID: '1', PRIVATE_KEY: 'k', WEBHOOK_SECRET: 's', CODECLOUD_API_KEY: 'c' };

describe('requireServingEnv', () => {
  it('accepts what serving needs', () => {
    expect(() => requireServingEnv(parseAppEnv(serving))).not.toThrow();
  });

  it('refuses CLOUDCODING_API_KEY alone: codecloud is the default backend', () => {
    const { CODECLOUD_API_KEY: _unused, ...rest } = serving;
    expect(() => requireServingEnv(parseAppEnv({ ...rest, CLOUDCODING_API_KEY: 'cc' }))).toThrow(
      /CODECLOUD_API_KEY is required.*CLOUDCODING_API_KEY alone/,
    );
  });

  it('names WEBHOOK_SECRET when it is missing or empty', () => {
    expect(() => requireServingEnv(parseAppEnv({ ...serving, WEBHOOK_SECRET: '' }))).toThrow(
      /WEBHOOK_SECRET is required/,
    );
  });
});

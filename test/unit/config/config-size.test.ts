import { describe, expect, it } from 'vitest';
import { configSizeProblem, MAX_REPO_CONFIG_BYTES } from '../../../src/config/config-size.js';

describe('configSizeProblem', () => {
  it('accepts files up to 256 KiB and names the size of larger ones', () => {
    expect(configSizeProblem('x'.repeat(MAX_REPO_CONFIG_BYTES), '.github/codecloud.yml')).toBeUndefined();
    expect(configSizeProblem('x'.repeat(1_000_000), '.github/codecloud.yml in a/b')).toBe(
      '.github/codecloud.yml in a/b is 1,000,000 bytes; at most 262,144 bytes (256 KiB) are read',
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(configSizeProblem('é'.repeat(MAX_REPO_CONFIG_BYTES / 2 + 1), 'f')).toMatch(/262,146 bytes/);
  });
});

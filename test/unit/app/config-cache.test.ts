import { describe, expect, it } from 'vitest';
import { ConfigCache, type ConfigPush, type ConfigRead } from '../../../app/config-cache.js';

const PATH = '.github/codecloud.yml';

function reader(files: (owner: string, repo: string) => ConfigRead['files']) {
  const reads: string[] = [];
  const read = async (_installationId: number, owner: string, repo: string): Promise<ConfigRead> => {
    reads.push(`${owner}/${repo}`);
    return { config: { mode: 'plan', n: reads.length }, files: files(owner, repo) };
  };
  return { reads, read };
}

/** No file in the repository: the loader fell back to the organisation's `.github` repository. */
const orgFallback = (owner: string, repo: string) => [
  { owner, repo, path: PATH, config: null },
  { owner, repo: '.github', path: PATH, config: { mode: 'plan' } },
];

const push = (repo: string, paths: string[], overrides: Partial<ConfigPush> = {}): ConfigPush => ({
  ref: 'refs/heads/main',
  repository: { name: repo, owner: { login: 'acme' }, default_branch: 'main' },
  commits: [{ added: [], removed: [], modified: paths }],
  ...overrides,
});

describe('ConfigCache', () => {
  it('reads a repository once, shares a read in flight, and reads again after the TTL', async () => {
    let now = 0;
    const { reads, read } = reader(orgFallback);
    const cache = new ConfigCache(read, { ttlMs: 1_000, now: () => now });
    await Promise.all([cache.load(1, 'acme', 'widgets'), cache.load(1, 'acme', 'widgets')]);
    await cache.load(1, 'acme', 'widgets');
    expect(reads).toEqual(['acme/widgets']);
    await cache.load(1, 'acme', 'gadgets');
    now = 1_000;
    await cache.load(1, 'acme', 'widgets');
    expect(reads).toEqual(['acme/widgets', 'acme/gadgets', 'acme/widgets']);
    await cache.load(1, 'acme', 'widgets', { fresh: true });
    expect(reads).toHaveLength(4);
  });

  it('drops what a push to the default branch touching a file it read may have changed, nothing else', async () => {
    const { reads, read } = reader(orgFallback);
    const cache = new ConfigCache(read);
    await cache.load(1, 'acme', 'widgets');
    await cache.load(1, 'acme', 'gadgets');
    expect(cache.pushed(push('widgets', ['src/index.ts']))).toBe(0);
    expect(cache.pushed(push('widgets', [PATH], { ref: 'refs/heads/feature' }))).toBe(0);
    expect(cache.pushed(push('widgets', [PATH]))).toBe(1);
    await cache.load(1, 'acme', 'gadgets');
    await cache.load(1, 'acme', 'widgets');
    expect(reads).toEqual(['acme/widgets', 'acme/gadgets', 'acme/widgets']);
    // The organisation's defaults changed: every repository that fell back to them reads again.
    expect(cache.pushed(push('.github', [PATH]))).toBe(2);
  });

  it('drops on a push whose commits are not all listed (none, or GitHub’s 20)', async () => {
    const { read } = reader(orgFallback);
    const cache = new ConfigCache(read);
    await cache.load(1, 'acme', 'widgets');
    expect(cache.pushed(push('widgets', [], { commits: [] }))).toBe(1);
    await cache.load(1, 'acme', 'widgets');
    const many = Array.from({ length: 20 }, () => ({ modified: ['README.md'] }));
    expect(cache.pushed(push('widgets', [], { commits: many }))).toBe(1);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const cache = new ConfigCache(async (_id, owner, repo) => {
      if (fail) throw Object.assign(new Error('GitHub 502'), { status: 502 });
      return { config: {}, files: [{ owner, repo, path: PATH, config: {} }] };
    });
    await expect(cache.load(1, 'acme', 'widgets')).rejects.toThrow('GitHub 502');
    fail = false;
    await expect(cache.load(1, 'acme', 'widgets')).resolves.toMatchObject({ config: {} });
  });
});

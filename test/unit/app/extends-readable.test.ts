import { describe, expect, it } from 'vitest';
import { checkExtendsReadable, extendedOrgRepository } from '../../../app/extends-readable.js';

const file = (repo: string, config: unknown, owner = 'acme') => ({
  owner,
  repo,
  path: '.github/codecloud.yml',
  config,
});

describe('extendedOrgRepository', () => {
  it("is the organisation's `.github` when the repository's own file extends it", () => {
    expect(extendedOrgRepository('acme', 'app', [file('app', {}), file('.github', { mode: 'plan' })])).toBe(
      true,
    );
    expect(extendedOrgRepository('Acme', 'app', [file('app', {}), file('.GitHub', {}, 'acme')])).toBe(true);
  });

  it("is not Probot's fallback (no file in the repository), a missing file, or the repository itself", () => {
    expect(extendedOrgRepository('acme', 'app', [file('app', null), file('.github', { mode: 'plan' })])).toBe(
      false,
    );
    expect(extendedOrgRepository('acme', 'app', [file('app', {}), file('.github', null)])).toBe(false);
    expect(extendedOrgRepository('acme', 'app', [file('app', {}), file('app', {})])).toBe(false);
    expect(extendedOrgRepository('acme', '.github', [file('.github', {}), file('.github', {})])).toBe(false);
  });
});

describe('checkExtendsReadable', () => {
  const requester = (repo: Record<string, unknown>, permission: string | null) => {
    const calls: string[] = [];
    return {
      calls,
      request: async (route: string) => {
        calls.push(route);
        if (route === 'GET /repos/{owner}/{repo}') return { status: 200, data: repo };
        if (permission === null) throw Object.assign(new Error('Not Found'), { status: 404 });
        return { status: 200, data: { permission } };
      },
    };
  };

  it('a public `.github` is readable by anyone: no permission look-up', async () => {
    const gh = requester({ private: false, visibility: 'public' }, null);
    await checkExtendsReadable(gh, 'acme', 'mallory');
    expect(gh.calls).toEqual(['GET /repos/{owner}/{repo}']);
  });

  it('a private `.github` needs at least read', async () => {
    await checkExtendsReadable(requester({ private: true, visibility: 'private' }, 'read'), 'acme', 'alice');
    await expect(
      checkExtendsReadable(requester({ private: true, visibility: 'private' }, null), 'acme', 'mallory'),
    ).rejects.toThrow('`_extends` names acme/.github, a private repository mallory cannot read');
    await expect(
      checkExtendsReadable(requester({ private: true, visibility: 'internal' }, 'none'), 'acme', 'mallory'),
    ).rejects.toThrow('an internal repository');
  });
});

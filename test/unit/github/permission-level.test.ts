import { describe, expect, it } from 'vitest';
import { permissionFromGitHub } from '../../../src/github/permission-level.js';
import {
  type CallerPermission,
  meetsPermission,
  PERMISSION_LEVELS,
  type PermissionLevel,
} from '../../../src/vocabulary.js';

describe('meetsPermission', () => {
  it('orders read < triage < write < maintain < admin', () => {
    const table = PERMISSION_LEVELS.map((actual) =>
      PERMISSION_LEVELS.map((required) => (meetsPermission(actual, required) ? 'y' : '.')).join(''),
    );
    expect(table).toEqual(['y....', 'yy...', 'yyy..', 'yyyy.', 'yyyyy']);
  });

  it('none meets nothing', () => {
    for (const required of PERMISSION_LEVELS) expect(meetsPermission('none', required)).toBe(false);
  });
});

describe('permissionFromGitHub', () => {
  it.each<[unknown, CallerPermission]>([
    [{ permission: 'admin', role_name: 'admin' }, 'admin'],
    [{ permission: 'write', role_name: 'write' }, 'write'],
    [{ permission: 'write', role_name: 'maintain' }, 'maintain'],
    [{ permission: 'read', role_name: 'triage' }, 'triage'],
    [{ permission: 'read', role_name: 'read' }, 'read'],
    [{ permission: 'read' }, 'read'],
    [{ permission: 'write', role_name: 'security-reviewer' }, 'write'],
    [{ permission: 'push' }, 'write'],
    [{ permission: 'pull' }, 'read'],
    [{ permission: 'none', role_name: 'admin' }, 'none'],
    [{ permission: 'none' }, 'none'],
    [{ permission: 'owner', role_name: 'admin' }, 'none'],
    [{ role_name: 'admin' }, 'none'],
    [null, 'none'],
    ['admin', 'none'],
  ])('%j → %s', (answer, expected) => {
    expect(permissionFromGitHub(answer)).toBe(expected);
  });

  it('a triage user passes min_permission triage but not write', () => {
    const level = permissionFromGitHub({ permission: 'read', role_name: 'triage', user: { login: 'x' } });
    const check = (required: PermissionLevel) => meetsPermission(level, required);
    expect([check('triage'), check('write')]).toEqual([true, false]);
  });
});

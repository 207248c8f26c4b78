import { describe, expect, it } from 'vitest';
import { branchNameProblem, isValidBranchName } from '../../../src/text/branch-name.js';

describe('isValidBranchName', () => {
  it.each(['main', 'feature/x', 'release-1.2', 'user/name_1', 'v1.0.0'])('accepts %s', (name) => {
    expect(isValidBranchName(name)).toBe(true);
  });
  it.each([
    '',
    '-x',
    'a..b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[',
    'a\\b',
    'x.lock',
    'x/',
    '/x',
    'a//b',
    'a/.b',
    'a@{1}',
    '@',
    'x.',
  ])('refuses %j', (name) => {
    expect(isValidBranchName(name)).toBe(false);
  });
});

describe('branchNameProblem: git check-ref-format, and no shell characters', () => {
  it.each([
    ['$(rm -rf)', 'contains a space'],
    ['a..b', '`..`'],
    ['a~b', '`` ~ ``'],
    ['a^b', '`` ^ ``'],
    ['a:b', '`` : ``'],
    ['a?b', '`` ? ``'],
    ['a*b', '`` * ``'],
    ['a[b', '`` [ ``'],
    ['a\\b', '`` \\ ``'],
    ['-rf', 'starts with `-`'],
    ['/a', 'empty part'],
    ['a/', 'empty part'],
    ['a//b', 'empty part'],
    ['a.', 'ends with `.`'],
    ['.a', 'starting with `.`'],
    ['a/.b', 'starting with `.`'],
    ['x.lock/y', '`.lock`'],
    ['x.lock', '`.lock`'],
    ['@', 'is `@`'],
    ['a@{1}', '`@{`'],
    ['a\u0007b', 'control character'],
    ['$(rm)', 'shell'],
    ['a;b', 'shell'],
    ['a|b', 'shell'],
    ['a`b`', 'shell'],
    ['', 'is empty'],
  ])('%j: %s', (name, why) => {
    expect(branchNameProblem(name)).toContain(why);
    expect(isValidBranchName(name)).toBe(false);
  });

  it.each(['main', 'feature/x-1', 'release/2026.11', 'codecloud/task_7', 'user@host', 'a.b/c'])(
    '%s is fine',
    (name) => {
      expect(branchNameProblem(name)).toBeUndefined();
    },
  );
});

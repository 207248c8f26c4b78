/**
 * Branch names as `git check-ref-format --branch` accepts them, and a little stricter: characters a shell gives a
 * meaning to are refused too, since agents hand the branch to `git` on a command line. No real branch needs them.
 */

/** Characters that mean something to a shell (command substitution, quoting, pipes, redirection, globbing, history). */
const SHELL_CHARACTERS = /[$`'"\\;|&<>()!{}#]/;

/** A character as inline code that even a backtick cannot break. */
const code = (char: string): string => `\`\` ${char} \`\``;

/**
 * What is wrong with `name` as a branch name, in a few words (`contains a space`), or undefined when it is fine.
 * git's rules: no control characters, space, `~`, `^`, `:`, `?`, `*`, `[` or `\`; no `..`, `@{` or `//`; not
 * `@` alone; no leading `-`; no leading or trailing `/`; no part starting with `.` or ending with `.lock`; not
 * ending with `.`.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (/\s/.test(name)) return 'contains a space';
  const refChar = /[~^:?*[\\]/.exec(name)?.[0];
  if (refChar !== undefined) return `contains ${code(refChar)}, which git does not allow in a branch name`;
  if (name.includes('..')) return 'contains `..`, which git does not allow in a branch name';
  if (name.includes('@{')) return 'contains `@{`, which git does not allow in a branch name';
  if (name === '@') return 'is `@`, which git does not allow as a branch name';
  if (name.startsWith('-')) return 'starts with `-`';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//'))
    return 'has an empty part between `/`';
  if (name.endsWith('.')) return 'ends with `.`';
  const parts = name.split('/');
  if (parts.some((part) => part.startsWith('.'))) return 'has a part starting with `.`';
  if (parts.some((part) => part.endsWith('.lock'))) return 'has a part ending with `.lock`';
  const shell = SHELL_CHARACTERS.exec(name)?.[0];
  if (shell !== undefined) return `contains ${code(shell)}, which a shell would interpret`;
  return undefined;
}

/** A git branch name as `git check-ref-format --branch` would accept it, without shell metacharacters. */
export function isValidBranchName(name: string): boolean {
  return branchNameProblem(name) === undefined;
}

/** Branch names as git accepts them. */

/** A git branch name as `git check-ref-format --branch` would accept it (the common rules). */
export function isValidBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    name !== '@' &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses
    !/[\s~^:?*[\\\u0000-\u001f\u007f]/.test(name) &&
    !name.split('/').some((part) => part.startsWith('.'))
  );
}

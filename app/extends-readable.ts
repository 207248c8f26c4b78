/**
 * `_extends` never hands a user what they could not read themselves. A repository's own `.github/codecloud.yml` may
 * `_extends` its organisation's `.github` repository (`_extends: .github`, `org/.github:base.yml`); that repository
 * may be private, and a writer of a public repository may be no reader of it. So when the file that was read names
 * it, the user a command is for must be able to read it: the repository is public, or their collaborator permission
 * on it is at least `read`. Otherwise the config is refused (the config-error comment), naming `_extends` and why.
 *
 * Probot's own fallback (no file in the repository at all, so the organisation's `.github` file is used) is the
 * operator's default, not an `_extends`: it is not checked. The check runs on every load for a user, after the
 * per-repository cache, so a cached config never reaches a user with fewer rights than the one it was read for.
 */
import { type GitHubRequester, gitHubApi } from '../src/github/github-api.js';
import { meetsPermission } from '../src/vocabulary.js';
import type { ConfigFile } from './config-cache.js';

/** The organisation's `.github` repository when the repository's own file `_extends` it (and it was found). */
export function extendedOrgRepository(owner: string, repo: string, files: readonly ConfigFile[]): boolean {
  if (repo.toLowerCase() === '.github') return false;
  const [own, ...extended] = files;
  if (own === undefined || own.config === null) return false;
  return extended.some(
    (file) =>
      file.config !== null &&
      file.owner.toLowerCase() === owner.toLowerCase() &&
      file.repo.toLowerCase() === '.github',
  );
}

/** Throws (a config problem, no HTTP status) when `reader` cannot read `owner/.github`. */
export async function checkExtendsReadable(
  octokit: GitHubRequester,
  owner: string,
  reader: string,
): Promise<void> {
  const ref = { owner, repo: '.github' };
  const { data } = await octokit.request('GET /repos/{owner}/{repo}', ref);
  const answer = data as { private?: unknown; visibility?: unknown };
  if (answer.private === false && (answer.visibility === undefined || answer.visibility === 'public')) return;
  const permission = await gitHubApi(octokit).permissionOf(ref, reader);
  if (meetsPermission(permission, 'read')) return;
  throw new Error(
    `\`_extends\` names ${owner}/.github, ${answer.visibility === 'internal' ? 'an internal' : 'a private'} repository ${reader} cannot read, so it was not used`,
  );
}

/**
 * What to tell a user about a `.github/codecloud.yml` that could not be read: the YAML parser's own message (with
 * line and column), never the internal API URL that `@probot/octokit-plugin-config` puts in its errors.
 */
import { messageOf } from '../src/error-messages.js';

const PLUGIN_PREFIX = '[@probot/octokit-plugin-config]';

export function describeConfigLoadError(error: unknown): string {
  const message = messageOf(error);
  if (!message.startsWith(PLUGIN_PREFIX)) return message;
  if (message.includes('(invalid YAML)')) {
    const cause = error instanceof Error ? error.cause : undefined;
    // The yaml parser's first line names the problem and where: "… at line 3, column 5:".
    const detail = cause === undefined ? '' : messageOf(cause).split('\n')[0]?.replace(/:\s*$/, '');
    return detail ? `invalid YAML: ${detail}` : 'invalid YAML';
  }
  if (message.includes('(YAML is not an object)')) {
    return 'the file must be a YAML mapping (`key: value` lines), not a single value';
  }
  if (message.includes('is either a directory or a submodule')) {
    return '.github/codecloud.yml is a directory or a submodule, not a file';
  }
  // Anything else from the plugin: its text without the prefix and without URLs.
  return message
    .slice(PLUGIN_PREFIX.length)
    .replace(/\bhttps?:\/\/\S+/g, '.github/codecloud.yml')
    .trim();
}

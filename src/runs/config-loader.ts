/**
 * Reading `.github/codecloud.yml` for a job, and what a failed read means. A failure that carries an HTTP status is
 * GitHub trouble: it is thrown, so the job is retried and the file is not blamed. Anything else is the file itself
 * (bad YAML, not a mapping, a directory): it loads as invalid, with the reader's own description of the problem.
 */

import { loadRunConfig } from './run-config.js';
import type { ConfigLoad } from './run-deps.js';

/**
 * How a config is read: `fresh` skips any cached copy; `reader` is the user a command is for (a file that `_extends` a
 * repository they cannot read is refused).
 */
export interface ConfigReadOptions {
  fresh?: boolean;
  reader?: string;
}

/** Reads the file's parsed contents (null: no file). */
export type ConfigReader = (
  installationId: number,
  owner: string,
  repo: string,
  options: ConfigReadOptions,
) => Promise<unknown>;

export type ConfigLoader = (
  installationId: number,
  owner: string,
  repo: string,
  options?: ConfigReadOptions,
) => Promise<ConfigLoad>;

export function configLoader(
  read: ConfigReader,
  describeReadError: (error: unknown) => string,
): ConfigLoader {
  return async (installationId, owner, repo, options = {}) => {
    try {
      return loadRunConfig(await read(installationId, owner, repo, options));
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number') throw error; // GitHub trouble: retry the job, don't blame the file
      const message = describeReadError(error);
      return { kind: 'invalid', error: message, issues: [message] };
    }
  };
}

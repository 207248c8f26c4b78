import { readFileSync } from 'node:fs';

/** The workflow's event payload (`GITHUB_EVENT_PATH`), or `undefined` when there is none (or it cannot be read). */
export function readEvent(path: string | undefined): unknown {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

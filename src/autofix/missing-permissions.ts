/**
 * An installation that has not accepted the app's newer permissions (`checks: write`, `actions: read`) keeps
 * working without what needs them. What it cannot do is logged once per installation and permission (a store mark,
 * so once across replicas and restarts), and the help reply says so. When the installation accepts them (GitHub's
 * `installation` event, `new_permissions_accepted`), its marks are removed: the help reply stops listing them, and a
 * later refusal is logged again.
 */
import type { RunDeps } from '../runs/run-deps.js';

export type NewPermission = 'checks' | 'actions';

const NEW_PERMISSIONS: readonly NewPermission[] = ['checks', 'actions'];

const WHAT_NEEDS: Record<NewPermission, string> = {
  checks:
    'read the checks of agent pull requests (autofix.ci) or show runs as `codecloud` check runs (needs checks: write)',
  actions: 'read GitHub Actions job logs for autofix follow-ups (needs actions: read)',
};

const markOf = (installationId: number, permission: NewPermission): string =>
  `missing-permission:${installationId}:${permission}`;

export async function noteMissingPermission(
  deps: Pick<RunDeps, 'store' | 'log'>,
  installationId: number,
  permission: NewPermission,
): Promise<void> {
  if (await deps.store.markOnce(markOf(installationId, permission))) {
    deps.log.warn(
      `installation ${installationId} has not granted the app's ${permission} permission: it cannot ${WHAT_NEEDS[permission]}. ` +
        'Accept the updated permissions in the installation settings.',
    );
  }
}

/** What the installation cannot do for lack of a permission, as noticed so far (for the help reply). */
export async function missingPermissionsOf(
  deps: Pick<RunDeps, 'store'>,
  installationId: number,
): Promise<string[]> {
  const missing: string[] = [];
  for (const permission of NEW_PERMISSIONS) {
    if ((await deps.store.readMark(markOf(installationId, permission))) !== undefined) {
      missing.push(WHAT_NEEDS[permission]);
    }
  }
  return missing;
}

/**
 * The installation accepted the app's updated permissions: what was noted missing is forgotten (an idempotent store
 * write, safe to repeat for a redelivery). Returns the permissions whose note was removed.
 */
export async function clearMissingPermissions(
  deps: Pick<RunDeps, 'store' | 'log'>,
  installationId: number,
): Promise<NewPermission[]> {
  const cleared: NewPermission[] = [];
  for (const permission of NEW_PERMISSIONS) {
    if (await deps.store.deleteMark(markOf(installationId, permission))) cleared.push(permission);
  }
  if (cleared.length > 0) {
    deps.log.info(
      `installation ${installationId} accepted the app's updated permissions: no longer noted missing: ${cleared.join(', ')}`,
    );
  }
  return cleared;
}

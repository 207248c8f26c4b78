/**
 * An installation that has not accepted the app's newer permissions (`checks: write`, `actions: read`) keeps
 * working without what needs them. What it cannot do is logged once per installation and permission (a store mark,
 * so once across replicas and restarts), and the help reply says so. When the installation accepts them (GitHub's
 * `installation` event, `new_permissions_accepted`), its marks are removed: the help reply stops listing them, and a
 * later refusal is logged again. A token keeps the permissions it was made with, and each replica has its own: for an
 * hour after the acceptance (a token's life), a refusal renews this replica's token instead of being noted.
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
/** When the installation last accepted the app's updated permissions (ms since the epoch). */
const acceptedMarkOf = (installationId: number): string => `permissions-accepted:${installationId}`;
/** GitHub's installation tokens live an hour: after that, none made before an acceptance is still in use. */
const TOKEN_LIFETIME_MS = 60 * 60_000;

type PermissionDeps = Pick<RunDeps, 'store' | 'log' | 'now' | 'renewToken'>;

async function renewToken(deps: PermissionDeps, installationId: number): Promise<void> {
  try {
    await deps.renewToken?.(installationId);
  } catch (error) {
    deps.log.warn(`installation ${installationId}: could not renew its token: ${String(error)}`);
  }
}

export async function noteMissingPermission(
  deps: PermissionDeps,
  installationId: number,
  permission: NewPermission,
): Promise<void> {
  const accepted = Number(await deps.store.readMark(acceptedMarkOf(installationId)));
  if (deps.now() - accepted < TOKEN_LIFETIME_MS) {
    // The token of this replica may have been made before the acceptance: the next request gets a new one.
    await renewToken(deps, installationId);
    return;
  }
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
 * The installation accepted the app's updated permissions: the time is recorded, this replica's token is renewed and
 * what was noted missing is forgotten (idempotent store writes, safe to repeat for a redelivery). Returns the
 * permissions whose note was removed.
 */
export async function permissionsAccepted(
  deps: PermissionDeps,
  installationId: number,
): Promise<NewPermission[]> {
  // Recorded first: from here on a refusal met with a token made before (on any replica) renews it, unnoted.
  await deps.store.writeMark(acceptedMarkOf(installationId), String(deps.now()));
  await renewToken(deps, installationId);
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

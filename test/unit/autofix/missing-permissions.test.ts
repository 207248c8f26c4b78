import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  missingPermissionsOf,
  noteMissingPermission,
  permissionsAccepted,
} from '../../../src/autofix/missing-permissions.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';

describe('missing permissions: noted once, cleared when accepted', () => {
  let store: Store;
  let now = Date.parse('2026-01-01T00:00:00Z');
  const warnings: string[] = [];
  const renewed: number[] = [];
  const deps = () => ({
    store,
    now: () => now,
    renewToken: async (installationId: number) => void renewed.push(installationId),
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => void warnings.push(message),
      error: () => undefined,
    },
  });
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('a refusal is logged once per installation and permission, and listed for the help reply', async () => {
    await Promise.all([
      noteMissingPermission(deps(), 5, 'checks'),
      noteMissingPermission(deps(), 5, 'checks'),
      noteMissingPermission(deps(), 6, 'actions'),
    ]);
    expect(warnings.filter((w) => w.includes('installation 5'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('installation 6'))).toHaveLength(1);
    expect(await missingPermissionsOf(deps(), 5)).toEqual([expect.stringContaining('needs checks: write')]);
    expect(renewed).toEqual([]);
  });

  it('accepting renews the token and clears only that installation; a redelivery changes nothing more', async () => {
    expect(await permissionsAccepted(deps(), 5)).toEqual(['checks']);
    expect(await permissionsAccepted(deps(), 5)).toEqual([]);
    expect(renewed).toEqual([5, 5]);
    expect(await missingPermissionsOf(deps(), 5)).toEqual([]);
    expect(await missingPermissionsOf(deps(), 6)).toHaveLength(1);
  });

  it("within a token's life after the acceptance a refusal renews the token, not noted; after it, noted again", async () => {
    now += 30 * 60_000;
    await noteMissingPermission(deps(), 5, 'checks');
    expect(renewed).toEqual([5, 5, 5]);
    expect(await missingPermissionsOf(deps(), 5)).toEqual([]);
    now += 31 * 60_000;
    const before = warnings.length;
    await noteMissingPermission(deps(), 5, 'checks');
    expect(warnings.slice(before)).toEqual([
      expect.stringContaining("installation 5 has not granted the app's checks"),
    ]);
    expect(await missingPermissionsOf(deps(), 5)).toHaveLength(1);
    expect(renewed).toHaveLength(3);
  });

  it('a token that cannot be renewed is logged; the note is cleared all the same', async () => {
    const failing = { ...deps(), renewToken: async () => Promise.reject(new Error('GitHub is down')) };
    expect(await permissionsAccepted(failing, 5)).toEqual(['checks']);
    expect(warnings.at(-1)).toBe('installation 5: could not renew its token: Error: GitHub is down');
  });
});

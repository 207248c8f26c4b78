import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gitHubClients } from '../../../app/github-clients.js';
import {
  type FakeGitHub,
  type FakeGitHubControl,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';

const APP_ID = 4243;

let fake: FakeGitHub;
let control: FakeGitHubControl;
let key: { privateKey: string; publicKey: string };

beforeAll(async () => {
  key = generateAppKey();
  fake = await startFakeGitHub({
    appId: APP_ID,
    appPublicKey: key.publicKey,
    webhookUrl: 'http://127.0.0.1:9/unused',
    webhookSecret: 'unused',
  });
  control = fakeGitHubControl(fake.url);
  await control.reset();
  await control.createRepo({ owner: 'acme', name: 'widgets' });
});

afterAll(async () => {
  await fake.close();
});

describe('installation clients', () => {
  it('keeps the most recently used installations only, and makes a dropped one again when it is next asked for', async () => {
    const probot = new Probot({
      appId: APP_ID,
      privateKey: key.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: 'fatal',
    });
    const made = vi.spyOn(probot, 'auth');
    const clients = gitHubClients(probot, { maxInstallationClients: 2 });
    const afterStart = made.mock.calls.length;
    const newClients = async (installationId: number): Promise<number> => {
      const before = made.mock.calls.length;
      await clients.checks(installationId);
      return made.mock.calls.length - before;
    };

    expect(await newClients(1)).toBe(1);
    expect(await newClients(2)).toBe(1);
    expect(await newClients(1)).toBe(0); // kept; 2 is now the least recently used
    expect(await newClients(3)).toBe(1); // drops 2
    expect(await newClients(1)).toBe(0);
    expect(await newClients(3)).toBe(0);
    expect(await newClients(2)).toBe(1); // made again, dropping 1
    expect(await newClients(1)).toBe(1);
    expect(made.mock.calls.length - afterStart).toBe(5);

    // A client made again works: it reads through the fake with a token of its installation.
    const installationId = Number(await clients.installationOf('acme', 'widgets'));
    expect(await clients.repositoryIdOf(installationId, 'acme', 'widgets')).toBeGreaterThan(0);
    await newClients(installationId + 1);
    expect(await newClients(installationId + 2)).toBe(1); // drops installationId's
    expect(await clients.repositoryIdOf(installationId, 'acme', 'widgets')).toBeGreaterThan(0);
  });
});

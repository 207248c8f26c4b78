// Requests and CPU per installation-token refresh: the app's own GitHub clients (app/github-clients.ts) in this
// process against the fake GitHub, asking for a repository-scoped installation token (what each Cloud Coding run
// gets) and for a repository's installation (each relay), many times over. CPU is this process's user + system time.
import { Probot } from 'probot';
import { gitHubClients } from '../app/github-clients.js';
import { freshRepo, type Harness } from '../test/e2e/app/app-harness.js';

const REFRESHES = 200;

export interface TokenRefreshFigures {
  refreshes: number;
  requestsPerRefresh: number;
  cpuMsPerRefresh: number;
}

export async function measureTokenRefresh(h: Harness): Promise<TokenRefreshFigures> {
  const privateKey = h.env.PRIVATE_KEY ?? '';
  const app = new Probot({
    appId: 1,
    privateKey,
    baseUrl: `http://${h.env.GHE_HOST}/api/v3`,
    logLevel: 'warn',
  });
  const clients = gitHubClients(app, { appCredentials: { appId: '1', privateKey } });
  const { repo, installationId } = await freshRepo(h.gh);
  const [owner, name] = repo.split('/') as [string, string];
  // Warm up (module loading, the first connection), then measure.
  await clients.repoToken(installationId, repo);
  await clients.installationOf(owner, name);
  const before = (await h.gh.state()).requests.length;
  const cpu = process.cpuUsage();
  for (let i = 0; i < REFRESHES; i++) {
    await clients.repoToken(installationId, repo);
    await clients.installationOf(owner, name);
  }
  const used = process.cpuUsage(cpu);
  const after = (await h.gh.state()).requests.length;
  return {
    refreshes: REFRESHES * 2,
    requestsPerRefresh: (after - before) / (REFRESHES * 2),
    cpuMsPerRefresh: Math.round(((used.user + used.system) / 1000 / (REFRESHES * 2)) * 100) / 100,
  };
}

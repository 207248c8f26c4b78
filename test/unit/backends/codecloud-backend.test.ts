import { describe, expect, it } from 'vitest';
import { codecloudBackend } from '../../../src/backends/codecloud-backend.js';
import { CodecloudClient } from '../../../src/codecloud/client.js';

describe('codecloud backend', () => {
  it('lists the newest runs with their status in one call (GET /api/v1/agents?limit=100)', async () => {
    const urls: string[] = [];
    const client = new CodecloudClient({
      apiKey: 'test-key',
      baseUrl: 'http://codecloud.test',
      fetch: async (url) => {
        urls.push(String(url));
        return new Response(
          JSON.stringify({
            runs: [
              { id: 'r1', status: 'completed', createdAt: '2026-01-01T00:00:00Z' },
              { id: 'r2', status: 'running', createdAt: '2026-01-01T00:00:01Z' },
            ],
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        );
      },
    });
    const backend = codecloudBackend({ client });
    expect(await backend.listRecent?.()).toEqual([
      { remoteRunId: 'r1', status: 'completed' },
      { remoteRunId: 'r2', status: 'running' },
    ]);
    expect(urls).toEqual(['http://codecloud.test/api/v1/agents?limit=100']);
  });
});

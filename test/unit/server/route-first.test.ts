import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { routeFirst } from '../../../src/server/route-first.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('routeFirst', () => {
  it('answers its own requests before the existing listeners, and hands every other request to them', async () => {
    const seenByOthers: string[] = [];
    const created = createServer((req, res) => {
      seenByOthers.push(req.url ?? '');
      res.end('other');
    });
    server = created;
    const errors: string[] = [];
    routeFirst(
      created,
      async (req, res) => {
        if (req.url === '/boom') throw new Error('route failed');
        if (req.url !== '/first') return false;
        res.end('first');
        return true;
      },
      { error: (message) => void errors.push(message) },
    );
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
    expect(await (await fetch(`${url}/first`)).text()).toBe('first');
    expect(await (await fetch(`${url}/elsewhere`)).text()).toBe('other');
    expect(seenByOthers).toEqual(['/elsewhere']);
    expect((await fetch(`${url}/boom`)).status).toBe(500);
    expect(errors).toEqual(['GET /boom: route failed']);
  });
});

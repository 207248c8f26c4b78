// The extension point: another backend's routes on the same server get request records, route faults, the
// simulated clock and their own control operations.
import { describe, expect, it } from 'vitest';
import { callControl } from './control-client.js';
import { startSimulator } from './simulator.js';
import type { SimExtensionFactory } from './types.js';

const echo: SimExtensionFactory = (context) => {
  let calls = 0;
  return {
    name: 'echo',
    routes: ['POST /echo'],
    async handle(_route, req, res) {
      calls++;
      const key = String(req.headers['x-api-key'] ?? '');
      const plan = context.planOf(key);
      res.writeHead(plan ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ body: req.rawBody, plan: plan ?? null, now: new Date(context.now()).toISOString() }),
      );
    },
    async control(op) {
      if (op === 'calls') return calls;
      throw new Error(`no such op ${op}`);
    },
    reset() {
      calls = 0;
    },
  };
};

describe('extensions', () => {
  it('serve their routes with records, faults, the clock and their own control', async () => {
    const sim = await startSimulator({
      timeFactor: 0,
      startTime: '2026-05-01T00:00:00Z',
      extensions: [echo],
    });
    try {
      const send = () =>
        fetch(`${sim.url}/echo`, { method: 'POST', headers: { 'x-api-key': 'test-key' }, body: 'hi' });
      expect(await (await send()).json()).toEqual({
        body: 'hi',
        plan: 'pro',
        now: '2026-05-01T00:00:00.000Z',
      });

      await sim.control.addFault({ route: 'POST /echo', status: 503, times: 1 });
      expect((await send()).status).toBe(503);
      expect((await send()).status).toBe(200);

      const records = await sim.control.requests({ route: 'POST /echo' });
      expect(records.map((r) => r.status)).toEqual([200, 503, 200]);
      expect(records[1]?.fault).toMatchObject({ status: 503 });
      expect(await callControl(sim.url, 'ext/echo/calls', [])).toBe(2);
      await sim.control.reset();
      expect(await callControl(sim.url, 'ext/echo/calls', [])).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

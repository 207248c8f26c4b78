// `npm run sim` as a separate process, driven over HTTP with the typed control client.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecloudClient } from '../../src/codecloud/client.js';
import { simulatorControl } from './control-client.js';
import type { SimulatorControl } from './types.js';

let child: ChildProcess;
let url: string;
let output = '';
let control: SimulatorControl;

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/sim/main.ts',
      '--time-factor',
      '0',
      '--key',
      'test-key:pro',
      '--key',
      'small:starter',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match && output.includes('api key small (starter)')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}:\n${output}`)));
  });
  control = simulatorControl(url);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('the simulator as a process', () => {
  it('prints its URL and keys', () => {
    expect(output).toContain('api key test-key (pro)');
    expect(output).toContain('api key small (starter)');
  });

  it('is driven over HTTP with the same control interface', async () => {
    const client = new CodecloudClient({ apiKey: 'test-key', baseUrl: url, retries: 0 });
    await control.queueScripts({ result: 'from a script', prs: [] });
    const { id } = await client.createRun({ repo: 'octo/app', prompt: 'over http' });
    expect((await client.getRun(id)).status).toBe('queued');
    const now = await control.advance(60_000);
    expect(Date.parse(now)).toBeGreaterThan(0);
    expect(await client.getRun(id)).toMatchObject({ status: 'completed', result: 'from a script' });

    const run = await control.run(id);
    expect(run).toMatchObject({ id, api_key: 'test-key', prompt: 'over http' });
    expect(await control.run('missing')).toBeUndefined();
    const requests = await control.requests({ route: 'POST /api/v1/agents' });
    expect(requests).toHaveLength(1);
    expect((await control.state()).api_keys).toEqual([
      { key: 'test-key', plan: 'pro' },
      { key: 'small', plan: 'starter' },
    ]);
  });

  it('reports control errors with their message', async () => {
    await expect(control.setPlan('nobody', 'pro')).rejects.toThrow(
      'simulator control setPlan: unknown API key: nobody',
    );
    const response = await fetch(`${url}/_sim/notAnOperation`, { method: 'POST', body: '[]' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'unknown control operation: notAnOperation' });
  });

  it('stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

/**
 * The Action's costs: bundle size, time from process start to the first API request (as the runner starts it, under
 * Node 24 and Node 20), and API polls while waiting on a 10-minute run (simulated clock, production poll policy).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ActionContext } from '../src/action/action-context.js';
import { runCodecloudAction } from '../src/action/codecloud-action.js';
import { ACTION_INPUT_NAMES, type RawInputs } from '../src/action/input-names.js';
import { parseActionInputs } from '../src/action/inputs.js';
import { BUNDLE, inputEnv, NODE20, NODE24 } from '../test/e2e/action/action-runner.js';
import { FakeRuns } from '../test/unit/action/fake-runs.js';
import { VirtualClock } from '../test/unit/action/virtual-clock.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// ---- bundle size ----
const bundle = readFileSync(BUNDLE);
console.log(`bundle dist/index.mjs: ${kib(bundle.length)} (${kib(gzipSync(bundle).length)} gzipped)`);

// ---- start to first request ----
async function startToFirstRequest(node: string): Promise<number> {
  let firstAt = 0;
  const server = createServer((req, res) => {
    firstAt ||= performance.now();
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ id: 'run_bench', status: 'queued', message: 'Agent run created successfully' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = await mkdtemp(join(tmpdir(), 'codecloud-bench-'));
  try {
    const files = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'].map((name) => [
      name,
      join(dir, name),
    ]);
    for (const [, file] of files) await writeFile(file!, '');
    const env = {
      PATH: process.env.PATH ?? '',
      GITHUB_REPOSITORY: 'octo/widgets',
      GITHUB_REF_NAME: 'main',
      ...Object.fromEntries(files),
      ...(await inputEnv({
        'api-key': 'k',
        'api-url': `http://127.0.0.1:${port}`,
        prompt: 'bench',
        wait: 'false',
      })),
    };
    const started = performance.now();
    const child = spawn(node, [BUNDLE], { env, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0 || !firstAt) throw new Error(`the Action exited with ${code} before any request`);
    return firstAt - started;
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [label, node] of [
  ['Node 24', NODE24],
  ['Node 20', NODE20],
] as const) {
  await startToFirstRequest(node); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < 9; i++) times.push(await startToFirstRequest(node));
  console.log(
    `start → first API request (${label}): median ${median(times).toFixed(0)} ms, ` +
      `min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (9 runs)`,
  );
}

// ---- polls while waiting on a 10-minute run ----
async function pollsFor(runMinutes: number): Promise<{ polls: number; lateMs: number }> {
  const clock = new VirtualClock();
  const api = new FakeRuns(clock, () => ({ runningAt: 5_000, endsAt: runMinutes * 60_000 }));
  const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
  const { settings } = parseActionInputs(
    { ...raw, 'api-key': 'k', prompt: 'bench' },
    { GITHUB_REPOSITORY: 'octo/widgets' },
    new Date(clock.now()),
  );
  const context: ActionContext = {
    log: { info: () => {}, warning: () => {}, notice: () => {}, group: () => {} },
    clock,
    signal: new AbortController().signal,
    pollScale: 1,
    random: Math.random,
    onActiveRuns: () => {},
  };
  const start = clock.now();
  await clock.run(runCodecloudAction(settings, { client: api, urgentClient: api }, context));
  return { polls: api.gets, lateMs: clock.now() - start - runMinutes * 60_000 };
}

for (const minutes of [1, 10, 30]) {
  const samples = await Promise.all(Array.from({ length: 20 }, () => pollsFor(minutes)));
  const polls = samples.map((s) => s.polls);
  const late = samples.map((s) => s.lateMs / 1000);
  console.log(
    `API polls while waiting on a ${minutes}-minute run: median ${median(polls)} (min ${Math.min(...polls)}, ` +
      `max ${Math.max(...polls)}); result seen a median ${median(late).toFixed(1)} s after the run ended`,
  );
}

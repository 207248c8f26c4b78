/**
 * The Action's costs: bundle size, time from process start to the first API request (as the runner starts it, under
 * Node 24 and Node 20), API polls while waiting on a 10-minute run (simulated clock, production poll policy), and,
 * with real processes, seconds from a run's completion to the step ending and codecloud API calls while waiting,
 * with `app-url` (through the App) and without (polling).
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
import { BUNDLE, inputEnv, NODE20, NODE24, runStep } from '../test/e2e/action/action-runner.js';
import { startHarness } from '../test/e2e/app/app-harness.js';
import { startFakeOidc } from '../test/fake-oidc/fake-oidc.js';
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

// ---- waiting through the App (app-url) or by polling: real processes ----
// The real App, the simulator (TIME_FACTOR simulated seconds per real second), the fake GitHub and the fake OIDC
// issuer; the bundled Action under Node 24 on a 10-minute run. Polling runs with its delays scaled by the same
// factor, so its figures are in simulated seconds, as on a real runner; the App path has no delay to scale (it is
// the webhook's way through the App), so its figure is real time.
const TIME_FACTOR = 20;
const RUN_MINUTES = 10;
const oidc = await startFakeOidc();
const h = await startHarness({ sim: { timeFactor: TIME_FACTOR }, env: { ACTIONS_OIDC_ISSUER: oidc.url } });

async function waitOnce(viaApp: boolean, index: number): Promise<{ lateS: number; calls: number }> {
  const prompt = `bench ${viaApp ? 'app' : 'poll'} ${index}`;
  await h.sim.control.addPromptScript({
    match: prompt,
    script: { queuedMs: 2_000, runningMs: RUN_MINUTES * 60_000 },
    scope: 'run',
  });
  const step = await runStep({
    inputs: {
      'api-key': 'test-key',
      'api-url': h.sim.url,
      prompt,
      ...(viaApp ? { 'app-url': h.app.url } : {}),
    },
    env: {
      GITHUB_REPOSITORY: 'acme/bench',
      ...oidc.runnerEnv('acme/bench'),
      CODECLOUD_ACTION_POLL_SCALE: String(1 / TIME_FACTOR),
    },
    timeoutMs: (RUN_MINUTES * 60_000) / TIME_FACTOR + 60_000,
  });
  const simEnd = Date.parse(await h.sim.control.now());
  const id = step.outputs['run-id'] ?? '';
  if (step.outputs.status !== 'completed') throw new Error(`bench run ${id}: ${step.stdout}`);
  const run = await h.sim.control.run(id);
  const ended = Date.parse(run?.completed_at ?? '');
  const calls = (await h.sim.control.requests({ path: id })).filter((r) =>
    r.headers['user-agent']?.includes('codecloud-github-action'),
  ).length;
  const simLate = (simEnd - ended) / 1000;
  return { lateS: viaApp ? simLate / TIME_FACTOR : simLate, calls };
}

try {
  for (const viaApp of [true, false]) {
    const samples = await Promise.all(Array.from({ length: 3 }, (_, i) => waitOnce(viaApp, i)));
    const late = samples.map((s) => s.lateS);
    const calls = samples.map((s) => s.calls);
    console.log(
      `${viaApp ? 'with app-url   ' : 'without app-url'}: run completed → step ended median ${median(late).toFixed(2)} s ` +
        `(max ${Math.max(...late).toFixed(2)} s); codecloud API calls while waiting on a ${RUN_MINUTES}-minute run: ` +
        `median ${median(calls)} (max ${Math.max(...calls)}) (3 runs)`,
    );
  }
} finally {
  await h.close();
  await oidc.close();
}

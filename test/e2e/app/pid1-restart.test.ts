// The app as PID 1 of its own PID namespace (as in a container), killed and started again on the same DATA_DIR:
// the restarted app is PID 1 again, finds the embedded database lock naming pid 1 left by its dead earlier life,
// takes it over, comes up, finishes the command that was in flight and serves a fresh one. Needs `unshare` (root).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, botComments, freshRepo, type Harness, startHarness } from './app-harness.js';

const LAUNCHER = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

function unshareRefusal(): string | undefined {
  const probe = spawnSync(LAUNCHER[0] ?? 'unshare', [...LAUNCHER.slice(1), 'true'], { encoding: 'utf8' });
  if (probe.error) return `unshare cannot be run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --pid --fork is not permitted here: ${probe.stderr.trim()}`;
  return undefined;
}

const refusal = unshareRefusal();
if (refusal) console.warn(`skipping the PID 1 restart test: ${refusal}`);

/** The host pid of the app: the process `unshare --fork` started, PID 1 of the new namespace. */
function namespaceInit(app: AppProcess): number {
  const launcherPid = app.child.pid;
  if (launcherPid === undefined) throw new Error('the launcher has no pid');
  const children = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8')
    .trim()
    .split(/\s+/);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

/** Signals the namespace's init from outside and waits for the launcher to end with it. */
async function signalInit(app: AppProcess, signal: NodeJS.Signals): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  process.kill(namespaceInit(app), signal);
  await exited;
}

async function lockHolderPid(dataDir: string): Promise<number> {
  const text = await readFile(join(dataDir, 'codecloud.sqlite.lock'), 'utf8');
  return (JSON.parse(text) as { pid: number }).pid;
}

describe.skipIf(refusal !== undefined)('App as PID 1 of its PID namespace, killed and restarted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ launcher: LAUNCHER });
  }, 40_000);
  afterAll(async () => {
    if (h) await signalInit(h.app, 'SIGTERM').catch(() => undefined);
    await h?.close();
  });

  it('takes over the lock its dead earlier life left as pid 1, finishes the run in flight and serves a new command', async () => {
    const first = h.app;
    const firstInit = namespaceInit(first);
    expect(firstInit).not.toBe(1);
    // In its own namespace the app is PID 1, and the lock says so.
    expect(await lockHolderPid(h.dataDir)).toBe(1);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    // A command in flight: its run is running at codecloud when the app is killed.
    const { repo } = await freshRepo(h.gh);
    await h.sim.control.queueScripts({ runningMs: 160_000 });
    const inFlight = await h.gh.openIssue({ repo, title: 'In flight', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: inFlight.number, user: 'alice', body: '/codecloud fix it' });
    const deadline = Date.now() + 15_000;
    while (!(await h.sim.control.runs()).some((r) => r.repo === repo && r.status === 'running')) {
      if (Date.now() > deadline) throw new Error('the run never started at codecloud');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('codecloud:run=')), {
      timeoutMs: 10_000,
    });

    // SIGKILL the namespace's init from outside: no shutdown, the lock file stays behind naming pid 1.
    await signalInit(first, 'SIGKILL');
    expect(first.child.signalCode ?? first.child.exitCode).not.toBeNull();
    expect(await lockHolderPid(h.dataDir)).toBe(1);
    // Still running at codecloud: the restarted app has to pick it up.
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo).map((r) => r.status)).toEqual([
      'running',
    ]);

    const restartedAt = Date.now();
    const second = await h.restart();
    const upMs = Date.now() - restartedAt;
    expect(namespaceInit(second)).not.toBe(firstInit);
    expect(second.output()).not.toContain('is held by process');
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    expect(await lockHolderPid(h.dataDir)).toBe(1);

    const done = await h.gh.waitFor(
      (s) => botComments(s, repo).find((c) => c.body.includes('Completed') || c.body.includes('Failed')),
      { timeoutMs: 20_000 },
    );
    expect(done.body).toContain('Completed');
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(1);

    // A fresh command after the restart is served to completion.
    await h.sim.control.queueScripts({ runningMs: 20_000 });
    const fresh = await h.gh.openIssue({ repo, title: 'Fresh', body: 'b', user: 'alice' });
    await h.gh.comment({ repo, number: fresh.number, user: 'alice', body: '/codecloud fix it too' });
    const freshDone = await h.gh.waitFor(
      (s) =>
        botComments(s, repo).find(
          (c) => c.number === fresh.number && (c.body.includes('Completed') || c.body.includes('Failed')),
        ),
      { timeoutMs: 20_000 },
    );
    expect(freshDone.body).toContain('Completed');
    const s = await h.gh.state();
    expect(botComments(s, repo)).toHaveLength(2);
    expect((await h.sim.control.runs()).filter((r) => r.repo === repo)).toHaveLength(2);
    expect(s.violations).toEqual([]);
    console.info(`PID 1 restart: up again ${upMs} ms after the restart, in-flight run finished`);
  }, 60_000);
});

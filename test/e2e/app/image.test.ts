// The Docker image, proven without Docker: the Dockerfile's stages replayed in a temporary directory, step by step as
// the Dockerfile lists them (read by `dockerfile.ts`, so the two cannot drift): each stage's COPY from the build
// context (honouring .dockerignore) or from an earlier stage, its RUN commands, its ENV. Absolute paths of a stage
// (`/app`, `/data`) live under that stage's own root directory. The runtime stage's CMD then starts the app with the
// image's environment, only the production dependencies and `build/`: it must answer its HEALTHCHECK and /healthz
// and carry one command through against the fake GitHub and the simulator. A production import of a dev dependency,
// a file the image lacks, or a script that needs the dev tree fails here.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeGitHubControl, generateAppKey, startFakeGitHub } from '../../fake-github/fake-github.js';
import { startSimulator } from '../../sim/simulator.js';
import {
  type AppProcess,
  appEnv,
  botComments,
  CODECLOUD_SECRET,
  freePort,
  freshRepo,
  startApp,
  WEBHOOK_SECRET,
} from './app-harness.js';
import {
  dockerIgnores,
  type Instruction,
  parseDockerfile,
  readDockerignore,
  type Stage,
} from './dockerfile.js';

const CONTEXT = join(import.meta.dirname, '..', '..', '..');

/** Steps of a RUN that only make sense inside the image (a cache to empty, a user and a root path): not replayed. */
const IMAGE_ONLY = new Set(['npm cache clean --force', 'mkdir -p /data', 'chown node:node /data']);

/** npm from the local cache where it can (CI runs `npm ci` before the tests), quietly. */
const NPM_ENV = {
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

interface StageFs {
  root: string;
  cwd: string;
  env: Record<string, string>;
}

describe('the Docker image, replayed without Docker', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('builds as the Dockerfile says, and the runtime stage alone serves /healthz and a command', async () => {
    const stages = parseDockerfile(await readFile(join(CONTEXT, 'Dockerfile'), 'utf8'));
    const ignore = readDockerignore(await readFile(join(CONTEXT, '.dockerignore'), 'utf8'));
    expect(stages.map((stage) => stage.name)).toEqual(['build', '1']);
    const work = await mkdtemp(join(tmpdir(), 'codecloud-image-'));
    cleanup.push(() => rm(work, { recursive: true, force: true }));

    const built = new Map<string, StageFs>();
    for (const stage of stages) built.set(stage.name, await replay(stage, work, built, ignore));
    const runtime = built.get('1');
    const last = stages.at(-1);
    if (!runtime || !last) throw new Error('no runtime stage');
    // The runtime stage holds no dev dependency and no source.
    await expect(stat(join(runtime.cwd, 'node_modules', 'typescript'))).rejects.toThrow();
    await expect(stat(join(runtime.cwd, 'src'))).rejects.toThrow();

    const key = generateAppKey();
    const github = await startFakeGitHub({
      appId: 1,
      appPublicKey: key.publicKey,
      webhookSecret: WEBHOOK_SECRET,
    });
    cleanup.push(() => github.close());
    const sim = await startSimulator({
      timeFactor: 20,
      webhookSecret: CODECLOUD_SECRET,
      githubUrl: github.url,
    });
    cleanup.push(() => sim.close());
    const port = await freePort();
    // What `docker run -e … -p` adds: the App's settings and secrets; HOST, DATA_DIR and NODE_ENV are the image's.
    const {
      HOST: _host,
      DATA_DIR: _dataDir,
      NODE_ENV: _nodeEnv,
      ...settings
    } = appEnv({
      privateKey: key.privateKey,
      githubUrl: github.url,
      simUrl: sim.url,
      port,
      dataDir: '',
    });
    const env = { ...runtime.env, ...settings, PORT: String(port) };

    const cmd = last.instructions.find((step) => step.kind === 'CMD');
    if (cmd?.kind !== 'CMD' || cmd.argv[0] !== 'node') throw new Error('the image has no `node …` CMD');
    const app: AppProcess = await startApp(env, 60_000, cmd.argv.slice(1), [], runtime.cwd);
    cleanup.push(() => app.stop());
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await healthcheck(last, runtime.cwd, env)).toBe(0);

    const gh = fakeGitHubControl(github.url);
    await gh.setWebhook({ url: `${url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
    const { repo } = await freshRepo(gh);
    const issue = await gh.openIssue({ repo, title: 'Crash', body: 'It crashes', user: 'alice' });
    await gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    const done = await gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes('Completed')), {
      timeoutMs: 30_000,
    });
    expect(done.body).toContain(`/${repo}/pull/`);
    expect((await gh.state()).violations).toEqual([]);
    // The image's DATA_DIR (`/data`, here under the stage's root) holds the store.
    expect(await stat(join(runtime.root, 'data', 'codecloud.sqlite'))).toBeTruthy();
  }, 900_000);
});

/** Replays one stage's instructions in `<work>/stage-<name>`, its absolute paths under that directory. */
async function replay(
  stage: Stage,
  work: string,
  built: ReadonlyMap<string, StageFs>,
  ignore: readonly string[],
): Promise<StageFs> {
  const root = join(work, `stage-${stage.name}`);
  const fs: StageFs = { root, cwd: root, env: {} };
  await mkdir(root, { recursive: true });
  for (const step of stage.instructions) await apply(step, fs, built, ignore);
  return fs;
}

async function apply(
  step: Instruction,
  fs: StageFs,
  built: ReadonlyMap<string, StageFs>,
  ignore: readonly string[],
): Promise<void> {
  switch (step.kind) {
    case 'WORKDIR':
      fs.cwd = inStage(fs, step.path);
      await mkdir(fs.cwd, { recursive: true });
      return;
    case 'ENV':
      for (const [name, value] of Object.entries(step.pairs)) {
        fs.env[name] = value.startsWith('/') ? inStage(fs, value) : value;
      }
      return;
    case 'COPY':
      return copy(step, fs, built, ignore);
    case 'RUN':
      for (const command of step.command.split('&&').map((part) => part.trim())) {
        if (IMAGE_ONLY.has(command)) continue;
        await sh(command, fs.cwd, { ...NPM_ENV, ...fs.env });
      }
      return;
    default:
      return;
  }
}

async function copy(
  step: Extract<Instruction, { kind: 'COPY' }>,
  fs: StageFs,
  built: ReadonlyMap<string, StageFs>,
  ignore: readonly string[],
): Promise<void> {
  const dest = inStage(fs, step.dest);
  const intoDirectory = step.dest.endsWith('/') || step.dest === '.' || step.sources.length > 1;
  for (const source of step.sources) {
    let from: string;
    if (step.from !== undefined) {
      const stage = built.get(step.from);
      if (!stage) throw new Error(`COPY --from=${step.from}: no such stage before it`);
      from = inStage(stage, source);
    } else {
      const path = relative(CONTEXT, join(CONTEXT, source)).split('\\').join('/');
      if (dockerIgnores(ignore, path))
        throw new Error(`COPY ${source}: left out of the context by .dockerignore`);
      from = join(CONTEXT, source);
    }
    const isDirectory = (await stat(from)).isDirectory();
    const target = !isDirectory && intoDirectory ? join(dest, basename(from)) : dest;
    await mkdir(dirname(target), { recursive: true });
    await cp(from, target, {
      recursive: true,
      filter: (path) =>
        step.from !== undefined || !dockerIgnores(ignore, relative(CONTEXT, path).split('\\').join('/')),
    });
  }
}

/** A path of the stage: absolute ones under its root, relative ones under its working directory. */
function inStage(fs: StageFs, path: string): string {
  return isAbsolute(path) ? join(fs.root, path) : join(fs.cwd, path);
}

/** The environment the image's commands see: the test's Node.js and npm, nothing of this checkout. */
function baseEnv(): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
  };
}

function sh(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: { ...baseEnv(), ...env }, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`RUN ${command} (in ${cwd}) exited with ${code}:\n${output.slice(-4_000)}`));
    });
  });
}

/** Runs the stage's HEALTHCHECK command (`CMD [...]` form) against the running app; its exit code. */
async function healthcheck(stage: Stage, cwd: string, env: Record<string, string>): Promise<number | null> {
  const step = stage.instructions.find((s) => s.kind === 'OTHER' && s.name === 'HEALTHCHECK');
  const json = step?.kind === 'OTHER' ? /\bCMD\s+(\[.*\])\s*$/.exec(step.args)?.[1] : undefined;
  if (json === undefined) throw new Error('the image has no HEALTHCHECK CMD [...]');
  const [command, ...args] = JSON.parse(json) as string[];
  const file = command === 'node' ? process.execPath : (command ?? '');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...baseEnv(), ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', resolve);
  });
}

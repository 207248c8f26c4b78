/**
 * Runs the bundled Action (`dist/index.mjs`) the way the GitHub runner does: inputs as `INPUT_<NAME>` environment
 * variables with `action.yml`'s defaults filled in (read from action.yml, not copied), outputs, state and summary as
 * files, the post step started with `STATE_<name>` from the main step's state file, and cancellation as SIGINT, then
 * SIGTERM 7.5 s later, then SIGKILL 2.5 s after that.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const BUNDLE = join(root, 'dist/index.mjs');
/** The runner's `node24`: the npm package `node@24`. */
export const NODE24 = join(root, 'node_modules/node/bin/node');
/** The machine's Node 20 (the one running the tests). */
export const NODE20 = process.execPath;

/** action.yml's `${{ github.token }}` as this runner emulation fills it in. */
export const WORKFLOW_TOKEN = 'ghs_workflowtoken0000000000000000000000';

/** What the runner substitutes for the expressions in action.yml defaults. */
const EXPRESSIONS: Record<string, string> = { 'github.token': WORKFLOW_TOKEN };

interface ActionYml {
  inputs: Record<string, { default?: string }>;
}

/** `INPUT_*` variables as the runner sets them: every given input, and every default action.yml states. */
export async function inputEnv(inputs: Record<string, string>): Promise<Record<string, string>> {
  const yml = parse(await readFile(join(root, 'action.yml'), 'utf8')) as ActionYml;
  const env: Record<string, string> = {};
  for (const name of Object.keys(inputs)) {
    if (!(name in yml.inputs)) throw new Error(`action.yml has no input '${name}'`);
  }
  for (const [name, spec] of Object.entries(yml.inputs)) {
    const value =
      inputs[name] ??
      spec.default?.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, expr: string) => EXPRESSIONS[expr] ?? '');
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/** Name/value pairs of a file command (`GITHUB_OUTPUT`, `GITHUB_STATE`): heredoc blocks or `name=value` lines. */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`unterminated value for ${name}`);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

export interface StepResult {
  exitCode: number | null;
  /** The signal that ended it (SIGKILL when the runner had to kill it). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Real ms from start to exit. */
  ms: number;
  /** Signals sent by the cancellation emulation, with the ms since start. */
  sent: Array<{ signal: NodeJS.Signals; at: number }>;
}

export interface StepOptions {
  node?: string;
  inputs: Record<string, string>;
  /** Extra environment (GITHUB_* context); defaults fill a plausible workflow run. */
  env?: Record<string, string>;
  /** For the post step: the state the main step saved. */
  state?: Record<string, string>;
  /** Resolves when the runner should cancel the step (then SIGINT → 7.5 s → SIGTERM → 2.5 s → SIGKILL). */
  cancelWhen?: (child: ChildProcess) => Promise<unknown>;
  /** Hard limit for the step (real ms). */
  timeoutMs?: number;
}

export const WORKFLOW_ENV: Record<string, string> = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'octo/widgets',
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'agent',
  GITHUB_ACTION: 'codecloud',
  GITHUB_WORKFLOW: 'codecloud',
  // Internal: shrinks the Action's poll and retry delays so the suite runs in seconds.
  CODECLOUD_ACTION_POLL_SCALE: '0.01',
};

export async function runStep(options: StepOptions): Promise<StepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'codecloud-action-'));
  try {
    const files = {
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    for (const file of Object.values(files)) await writeFile(file, '');
    const stateEnv = Object.fromEntries(
      Object.entries(options.state ?? {}).map(([k, v]) => [`STATE_${k}`, v]),
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      RUNNER_TEMP: dir,
      ...WORKFLOW_ENV,
      ...options.env,
      ...(await inputEnv(options.inputs)),
      ...stateEnv,
      ...files,
    };
    const started = performance.now();
    const child = spawn(options.node ?? NODE24, [BUNDLE], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const sent: StepResult['sent'] = [];
    const timers: NodeJS.Timeout[] = [];
    const send = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) {
        sent.push({ signal, at: Math.round(performance.now() - started) });
        child.kill(signal);
      }
    };
    if (options.cancelWhen) {
      void options.cancelWhen(child).then(() => {
        send('SIGINT');
        timers.push(setTimeout(() => send('SIGTERM'), 7_500));
        timers.push(setTimeout(() => send('SIGKILL'), 10_000));
      });
    }
    timers.push(setTimeout(() => send('SIGKILL'), options.timeoutMs ?? 25_000));
    const { code, signal } = await exited;
    for (const timer of timers) clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    return {
      exitCode: code,
      signal,
      stdout,
      stderr,
      outputs: parseFileCommand(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      state: parseFileCommand(await readFile(files.GITHUB_STATE, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      ms,
      sent,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The post step, as the runner starts it after the main step: same inputs, `STATE_*` from the main's state file. */
export function runPost(main: StepResult, options: StepOptions): Promise<StepResult> {
  return runStep({ ...options, state: main.state });
}

/** `::error::` and `::notice …::` lines of a step's log. */
export function annotations(stdout: string, kind: 'error' | 'warning' | 'notice'): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}`))
    .map((line) =>
      decodeURIComponent(line.slice(line.indexOf('::', 2) + 2).replace(/%(?![0-9A-F]{2})/g, '%25')),
    );
}

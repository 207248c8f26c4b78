// The benches measure the app as production runs it: compiled JavaScript (`node build/app/main.js`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const COMPILED_APP = ['build/app/main.js'];
/** As `npm start` and the Docker image run it: with Node's compile cache. */
export const COMPILED_APP_ENV = { NODE_COMPILE_CACHE: 'build/.compile-cache' };

/** Compiles build/ when it is missing or stale (as `npm start` does). */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, ['scripts/build-app.mjs', '--if-stale'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`scripts/build-app.mjs exited with ${result.status}`);
}

export const rssMb = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Math.round(Number(match[1]) / 1024) : Number.NaN;
};

export const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

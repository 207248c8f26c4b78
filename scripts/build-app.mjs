#!/usr/bin/env node
/**
 * Compiles the app (app/, src/) to JavaScript in build/ with `tsc -p tsconfig.build.json`; production runs
 * `node build/app/main.js`. `--if-stale` (what `npm start` runs first) compiles only when build/ is missing or older
 * than a source file, and says what to do when TypeScript is not installed (`npm ci --omit=dev`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'build', '.tsbuildinfo');
const ifStale = process.argv.includes('--if-stale');

/** The newest modification time of the app's sources and build settings. */
function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(root, 'app'));
  visit(join(root, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'])
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

if (ifStale && existsSync(join(root, 'build', 'app', 'main.js')) && existsSync(stamp)) {
  if (statSync(stamp).mtimeMs >= newestSource()) process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error(
    'build/ is missing or older than the sources, and TypeScript is not installed: run `npm ci` and `npm run build:app` ' +
      '(or start the built app with `node build/app/main.js`)',
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
// An incremental build with nothing to emit leaves the stamp alone: mark build/ as current.
const now = new Date();
utimesSync(stamp, now, now);

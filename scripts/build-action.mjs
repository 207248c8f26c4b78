#!/usr/bin/env node
/**
 * Bundles the Action (action/index.ts) into dist/index.mjs with esbuild: ESM, node24, one file, a createRequire
 * banner for the odd CommonJS dependency. `--check` builds into a temporary directory and fails when dist/ differs
 * from it (stale or hand-edited), so CI catches a forgotten `npm run build`.
 *
 * Size: @actions/core imports @actions/http-client (undici, ~800 kB) only for OIDC tokens and @actions/exec only for
 * `platform` details; the Action uses neither (it asks for its OIDC token with one `fetch`), so both are replaced by
 * stubs that throw if ever called. @actions/github builds its Octokit defaults with the same HTTP client, only for a
 * proxy agent, and with undici's `fetch`: the stub gives no proxy agent, and Node's own `fetch` stands in. zod's
 * `locales` namespace (every translation, ~300 kB) is cut to English, the only one the Action's messages use.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(root, 'dist');
const check = process.argv.includes('--check');

const UNUSED = /^@actions\/(http-client|exec)(\/.*)?$/;
const UNDICI = /^undici$/;
const ZOD_LOCALES = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;
const englishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: ZOD_LOCALES }, () => ({
      loader: 'js',
      contents: 'export { default as en } from "./en.js";',
    }));
  },
};

const stubUnused = {
  name: 'stub-unused',
  setup(build) {
    build.onResolve({ filter: UNUSED }, (args) => ({ path: args.path, namespace: 'unused' }));
    build.onResolve({ filter: UNDICI }, (args) => ({ path: args.path, namespace: 'node-fetch' }));
    build.onLoad({ filter: /.*/, namespace: 'node-fetch' }, () => ({
      loader: 'js',
      contents: 'export const fetch = (...args) => globalThis.fetch(...args);',
    }));
    build.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      loader: 'js',
      contents: [
        `const unused = () => { throw new Error(${JSON.stringify(`${args.path} is not bundled with this Action`)}); };`,
        // @actions/github asks it for a proxy agent when loaded: none (the runner's fetch goes direct).
        'export class HttpClient { getAgent() { return undefined; } getAgentDispatcher() { return undefined; } }',
        'export class BearerCredentialHandler { constructor() { unused(); } }',
        'export const exec = unused;',
        'export const getExecOutput = unused;',
      ].join('\n'),
    }));
  },
};

function build(outdir) {
  return esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: 'action/index.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    legalComments: 'linked',
    charset: 'utf8',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [stubUnused, englishOnly],
    logLevel: 'warning',
    metafile: true,
  });
}

async function listFiles(dir) {
  const out = new Map();
  let entries = [];
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    out.set(relative(dir, path), await readFile(path));
  }
  return out;
}

if (check) {
  const temp = await mkdtemp(join(tmpdir(), 'codecloud-dist-'));
  try {
    await build(temp);
    const fresh = await listFiles(temp);
    const committed = await listFiles(distDir);
    const problems = [];
    for (const [file, content] of fresh) {
      const old = committed.get(file);
      if (!old) problems.push(`dist/${file} is missing`);
      else if (!old.equals(content)) problems.push(`dist/${file} differs from a fresh build`);
    }
    for (const file of committed.keys())
      if (!fresh.has(file)) problems.push(`dist/${file} is not produced by the build`);
    if (problems.length > 0) {
      console.error(`dist/ is stale:\n  ${problems.join('\n  ')}\nRun \`npm run build\` and commit dist/.`);
      process.exit(1);
    }
    console.log(`dist/ is up to date (${[...fresh.keys()].join(', ')})`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
} else {
  await rm(distDir, { recursive: true, force: true });
  await mkdir(distDir, { recursive: true });
  const result = await build(distDir);
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    console.log(`${file}  ${(info.bytes / 1024).toFixed(1)} KiB`);
  }
}

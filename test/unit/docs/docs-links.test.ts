// The docs stay true to the code: every relative link and anchor in the repository's Markdown resolves, and every
// environment variable, `.github/codecloud.yml` key, Action input and output is documented (and nothing documented
// is gone). Failures name what is missing and where.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AppEnv } from '../../../app/env.js';
import { RepoConfigSchema } from '../../../src/config/repo-config.js';
import { configKeyPaths, extractLinks, headingSlugs, namedTableCells } from './markdown.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Directories never scanned: installed, generated or tool-owned. */
const SKIP_DIRS = new Set(['node_modules', 'build', 'dist', 'coverage', '.git', '.data']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return SKIP_DIRS.has(entry.name) || (entry.name.startsWith('.') && entry.name !== '.github')
        ? []
        : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const MD_FILES = markdownFiles(ROOT);
const read = (path: string): string => readFileSync(path, 'utf8');
const rel = (path: string): string => relative(ROOT, path);
/** Where users look: README.md and docs/. */
const DOC_FILES = MD_FILES.filter((path) => {
  const name = rel(path);
  return name === 'README.md' || name.startsWith('docs/');
});

const slugCache = new Map<string, Set<string>>();
function slugsOf(path: string): Set<string> {
  let slugs = slugCache.get(path);
  if (!slugs) {
    slugs = headingSlugs(read(path));
    slugCache.set(path, slugs);
  }
  return slugs;
}

/** Names listed in the first column of the docs' tables whose header's first cell is `header`. */
function tableNames(header: (first: string) => string | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of DOC_FILES)
    for (const { prefix, name } of namedTableCells(read(file), header)) names.set(prefix + name, rel(file));
  return names;
}

describe('Markdown links', () => {
  it("makes a heading's anchor as GitHub does", () => {
    const md = [
      '# The GitHub App',
      "## GitHub's rate limits",
      '## Configuration: `.github/codecloud.yml`',
      '## Waiting through the codecloud App (`app-url`)',
      '## Dispatch-driven: start now, react when it ends',
      '## Inputs',
      '## Inputs',
      '```sh',
      '# not a heading',
      '```',
      '### `agent_provider` and [links](x.md) ##',
    ].join('\n');
    expect([...headingSlugs(md)]).toEqual([
      'the-github-app',
      'githubs-rate-limits',
      'configuration-githubcodecloudyml',
      'waiting-through-the-codecloud-app-app-url',
      'dispatch-driven-start-now-react-when-it-ends',
      'inputs',
      'inputs-1',
      'agent_provider-and-links',
    ]);
  });

  it('reads links outside code only, with their lines', () => {
    const md = 'See [a](a.md#x) and `[b](b.md)`\n```\n[c](c.md)\n```\n![d](img/d.png "title") <https://e>';
    expect(extractLinks(md)).toEqual([
      { target: 'a.md#x', line: 1 },
      { target: 'img/d.png', line: 5 },
    ]);
  });

  it('finds the docs', () => {
    expect(DOC_FILES.map(rel)).toEqual(
      expect.arrayContaining(['README.md', 'docs/app.md', 'docs/action.md']),
    );
  });

  it('resolves every relative link and #anchor in every *.md file', () => {
    const broken: string[] = [];
    for (const file of MD_FILES) {
      for (const { target, line } of extractLinks(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
        const hash = target.indexOf('#');
        const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
        const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
        const where = `${rel(file)}:${line}: ${target}`;
        const dest = pathPart === '' ? file : resolve(dirname(file), pathPart);
        if (!existsSync(dest)) {
          broken.push(`${where} (no file ${rel(dest)})`);
          continue;
        }
        if (anchor === undefined || anchor === '') continue;
        if (statSync(dest).isDirectory() || !dest.endsWith('.md')) {
          broken.push(`${where} (an anchor into ${rel(dest)}, which has no headings)`);
          continue;
        }
        if (!slugsOf(dest).has(anchor)) broken.push(`${where} (no heading #${anchor} in ${rel(dest)})`);
      }
    }
    expect(broken, broken.join('\n')).toEqual([]);
  });
});

describe('the docs name what the code reads', () => {
  const envVars = tableNames((first) => (first === 'variable' ? '' : undefined));
  // `key` lists top-level keys; `` `schedules` key `` lists the keys of each `schedules` entry.
  const configKeys = tableNames((first) => {
    if (first === 'key') return '';
    const parent = /^`(\w+)` key$/.exec(first)?.[1];
    return parent === undefined ? undefined : `${parent}.`;
  });
  const inputs = tableNames((first) => (first === 'input' ? '' : undefined));
  const outputs = tableNames((first) => (first === 'output' ? '' : undefined));
  const actionYml = parse(read(join(ROOT, 'action.yml'))) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  };

  it('documents every environment variable the App reads, in a `variable` table', () => {
    const names = appEnvironmentVariables();
    expect(names.size, 'found the App environment').toBeGreaterThan(10);
    expectSame('environment variables', 'app/env.ts or process.env in app/ and src/', names, envVars);
  });

  it('documents every key of .github/codecloud.yml, in a `key` table (nested: a `` `parent` key `` table)', () => {
    const keys = configKeyPaths(RepoConfigSchema);
    expect(keys).toEqual(expect.arrayContaining(['trigger', 'schedules', 'schedules.cron']));
    expectSame('config keys', 'src/config/repo-config.ts', new Set(keys), configKeys);
  });

  it("documents every input and output of action.yml, in the Action's `input` and `output` tables", () => {
    expectSame('inputs', 'action.yml', new Set(Object.keys(actionYml.inputs)), inputs);
    expectSame('outputs', 'action.yml', new Set(Object.keys(actionYml.outputs)), outputs);
  });
});

/** Fails naming what the code has and the docs lack, and what the docs list that the code no longer has. */
function expectSame(
  what: string,
  source: string,
  inCode: Set<string>,
  documented: Map<string, string>,
): void {
  const missing = [...inCode].filter((name) => !documented.has(name));
  const gone = [...documented]
    .filter(([name]) => !inCode.has(name))
    .map(([name, file]) => `${name} (${file})`);
  const problems = [
    ...(missing.length ? [`${what} in ${source} but in no docs table: ${missing.join(', ')}`] : []),
    ...(gone.length ? [`${what} in the docs but not in ${source}: ${gone.join(', ')}`] : []),
  ];
  expect(problems, problems.join('\n')).toEqual([]);
}

/**
 * The App's environment: the keys of its zod schema (app/env.ts), and any `process.env.NAME` / `process.env['NAME']`
 * read directly in app/ or src/.
 */
function appEnvironmentVariables(): Set<string> {
  const names = new Set(Object.keys(AppEnv.shape));
  const sources = ['app', 'src'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  for (const file of sources)
    for (const match of read(file).matchAll(
      /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g,
    ))
      names.add((match[1] ?? match[2]) as string);
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(entry.name) ? [path] : [];
  });
}

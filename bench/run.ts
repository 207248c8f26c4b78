/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process, one after the other, and lets each print its
 * figures. Benchmarks measure speed and cost; the tests check behaviour. `npm run bench -- chaos` runs the fault run,
 * `npm run bench -- soak` the soak. Arguments starting with `--` go to the benches run (`npm run bench -- soak
 * --minutes=2`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
/** Benches that run only when named (`npm run bench -- chaos`): the fault run and the soak take ten minutes or more. */
const ON_REQUEST = ['chaos.bench.ts', 'soak.bench.ts'];
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) =>
    only.length === 0 ? !ON_REQUEST.includes(file) : only.some((name) => file.includes(name)),
  )
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file), ...flags], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} exited with ${result.status ?? result.signal}`);
  }
}
if (benches.length === 0) console.log('no benchmarks found');
process.exit(failed === 0 ? 0 : 1);

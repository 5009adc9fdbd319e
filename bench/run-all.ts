/**
 * `npm run bench`: runs every bench in turn and prints their tables.
 * (Issue #6 extends this into bench/RESULTS.md.)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const here = import.meta.dirname;
const benches: [string, string[]][] = [
  ['engine.ts', ['--runs', '3']],
  ['collective.ts', ['--runs', '3']],
];
for (const [file, args] of benches) {
  console.log(`\n## bench/${file}\n`);
  execFileSync(process.execPath, ['--import', 'tsx', join(here, file), ...args], { stdio: 'inherit' });
}

/**
 * @bench 26 ASTRA-sim's own inputs: astra-aware on Switch_1024 against ASTRA-sim 2.0's congestion-aware backend
 *
 * Issue 13 item 4 in the full run: bench/astra.ts with `--model astra-aware --only Switch_1024 --runs 3` (its
 * summary is saved as `astra-aware`; the peer figure is ASTRA-sim's congestion-aware build on the same files, 30 s
 * / 353 MB on this machine class). Reads ASTRA-sim's files from ../shared, as bench/astra.ts does.
 *
 *   node --import tsx bench/astra-aware.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isQuick } from './lib.ts';

const args = ['--import', 'tsx', join(import.meta.dirname, 'astra.ts'), '--model', 'astra-aware', '--only', 'Switch_1024', '--runs', isQuick() ? '1' : '3'];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
process.exitCode = r.status ?? 1;

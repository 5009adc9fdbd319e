/**
 * Writes the generated traces of tests/helpers/replay-identity.ts to tests/replay-identity/ and prints
 * each case's identity digest (the numbers tests/replay.identity.test.ts expects).
 *
 *   node --import tsx tests/helpers/replay-identity-make.ts [--no-write]
 */
import { writeTraceFile } from '../../src/io/index.ts';
import { join } from 'node:path';
import { generateIdentityTrace, IDENTITY_CASES, IDENTITY_DIR, replayIdentity } from './replay-identity.ts';

const write = !process.argv.includes('--no-write');
for (const c of IDENTITY_CASES) {
  if (c.workload && write) {
    const bytes = writeTraceFile(join(IDENTITY_DIR, `${c.name}.msgpack.gz`), generateIdentityTrace(c));
    console.error(`${c.name}: ${bytes} B`);
  }
  console.log(JSON.stringify({ name: c.name, ...replayIdentity(c) }));
}

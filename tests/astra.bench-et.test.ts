// bench/chakra-et.ts writes the Chakra ET workloads bench/astra.ts feeds the ASTRA-sim binary: its bytes must be
// exactly those of ASTRA-sim's shipped microbenchmarks (tests/fixtures/astra-sim/v2/microbenchmarks/).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMM_TYPE, microbenchmarkEt } from '../bench/chakra-et.ts';
import { ASTRA } from './helpers/astra.ts';

const DIR = join(ASTRA, 'v2', 'microbenchmarks');
const TYPES: Record<string, number> = {
  all_reduce: COMM_TYPE.allreduce, all_gather: COMM_TYPE.allgather, reduce_scatter: COMM_TYPE.reducescatter, all_to_all: COMM_TYPE.alltoall,
};

describe('bench ET writer', () => {
  const files = Object.keys(TYPES).flatMap((t) => readdirSync(join(DIR, t)).flatMap((d) => readdirSync(join(DIR, t, d)).map((f) => [t, d, f] as const)));
  it('finds the 48 shipped files', () => expect(files).toHaveLength(48));
  it.each(files)('%s/%s/%s', (t, d, f) => {
    const rank = Number(f.split('.').at(-2));
    expect(microbenchmarkEt(rank, `${t}_${d}`, TYPES[t]!, 1048576)).toEqual(new Uint8Array(readFileSync(join(DIR, t, d, f))));
  });
});

/**
 * ASTRA-sim's single-collective microbenchmark workloads, for bench/astra.ts to run the ASTRA-sim binary on the
 * same case as Orrery: each rank's file `<prefix>.<rank>.et` holds a GlobalMetadata (version "0.0.4") and one
 * COMM_COLL_NODE (id = rank) with is_cpu_op = false, comm_type and comm_size, encoded by Orrery's Chakra encoder
 * (src/io/chakraProto.ts). Byte for byte the shipped microbenchmarks (shared/data/astra-sim/v2/microbenchmarks/;
 * checked by tests/astra.bench-et.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMM_COLL_NODE, encodeChakra } from '../src/io/chakraProto.ts';

/** Chakra `CollectiveCommType`. */
export const COMM_TYPE = { allreduce: 0, allgather: 2, alltoall: 6, reducescatter: 7 } as const;

/** The ET bytes of one rank: a collective of `commSize` bytes per rank. */
export function microbenchmarkEt(rank: number, name: string, commType: number, commSize: number): Uint8Array {
  return encodeChakra({
    metadata: { version: '0.0.4', attr: [] },
    nodes: [{
      id: rank, name, type: COMM_COLL_NODE, ctrlDeps: [], dataDeps: [], startTimeMicros: 0, durationMicros: 0,
      attr: [
        { name: 'is_cpu_op', type: 'bool', value: false },
        { name: 'comm_type', type: 'int64', value: commType },
        { name: 'comm_size', type: 'int64', value: commSize },
      ],
    }],
  });
}

/** Writes `<dir>/<name>.<r>.et` for every rank and returns the prefix to pass as --workload-configuration. */
export function writeMicrobenchmark(dir: string, name: string, ranks: number, commType: number, commSize: number): string {
  mkdirSync(dir, { recursive: true });
  for (let r = 0; r < ranks; r++) writeFileSync(join(dir, `${name}.${r}.et`), microbenchmarkEt(r, name, commType, commSize));
  return join(dir, name);
}

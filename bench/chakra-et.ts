/**
 * A minimal Chakra ET writer for one thing only: ASTRA-sim's single-collective microbenchmark workloads, so that
 * bench/astra.ts can run the ASTRA-sim binary on the same case as Orrery. Each rank's file `<prefix>.<rank>.et`
 * holds a GlobalMetadata (version "0.0.4") and one COMM_COLL_NODE with attributes is_cpu_op = false, comm_type and
 * comm_size, each message preceded by its varint length: byte for byte the encoding of the shipped
 * microbenchmarks (shared/data/astra-sim/v2/microbenchmarks/, FORMATS.md §3.4). Not a general encoder: the
 * Chakra importer/exporter lives in src/io.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Chakra `CollectiveCommType`. */
export const COMM_TYPE = { allreduce: 0, allgather: 2, alltoall: 6, reducescatter: 7 } as const;

function varint(out: number[], v: number): void {
  // non-negative integers up to 2^53; protobuf varint, 7 bits a byte, low bits first
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function bytesField(out: number[], field: number, data: number[]): void {
  varint(out, (field << 3) | 2);
  varint(out, data.length);
  out.push(...data);
}

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

function attr(name: string, field: number, value: number): number[] {
  const a: number[] = [];
  bytesField(a, 1, utf8(name));
  varint(a, (field << 3) | 0);
  varint(a, value);
  return a;
}

/** The ET bytes of one rank: a collective of `commSize` bytes per rank. */
export function microbenchmarkEt(rank: number, name: string, commType: number, commSize: number): Uint8Array {
  const meta: number[] = [];
  bytesField(meta, 1, utf8('0.0.4'));
  const node: number[] = [];
  if (rank !== 0) {
    varint(node, (1 << 3) | 0); // id (proto3 omits 0)
    varint(node, rank);
  }
  bytesField(node, 2, utf8(name));
  varint(node, (3 << 3) | 0); // type
  varint(node, 7); // COMM_COLL_NODE
  bytesField(node, 10, attr('is_cpu_op', 27, 0)); // bool_val
  bytesField(node, 10, attr('comm_type', 9, commType)); // int64_val
  bytesField(node, 10, attr('comm_size', 9, commSize)); // int64_val
  const out: number[] = [];
  varint(out, meta.length);
  out.push(...meta);
  varint(out, node.length);
  out.push(...node);
  return Uint8Array.from(out);
}

/** Writes `<dir>/<name>.<r>.et` for every rank and returns the prefix to pass as --workload-configuration. */
export function writeMicrobenchmark(dir: string, name: string, ranks: number, commType: number, commSize: number): string {
  mkdirSync(dir, { recursive: true });
  for (let r = 0; r < ranks; r++) writeFileSync(join(dir, `${name}.${r}.et`), microbenchmarkEt(r, name, commType, commSize));
  return join(dir, name);
}

/**
 * Orrery trace → Chakra execution trace (per-rank `.et` files ASTRA-sim 2.x reads), plus ASTRA-sim's
 * communicator-group JSON for groups that are not the world. The reverse of chakra.ts:
 *
 * | Orrery op | Chakra node (attributes as ASTRA-sim's Workload.cc reads them) |
 * |---|---|
 * | compute | COMP_NODE: duration_micros = round(durationNs/1000), is_cpu_op, num_ops = flops, tensor_size = bytes |
 * | coll | COMM_COLL_NODE: comm_type, comm_size, comm_priority, pg_name or involved_dim |
 * | send / recv | COMM_SEND_NODE / COMM_RECV_NODE: comm_src, comm_dst, comm_tag, comm_size |
 * | wait | COMP_NODE on the CPU (is_cpu_op) with `orrery_kind: "wait"` (ASTRA-sim has no pure delay) |
 * | marker | INVALID_NODE (ASTRA-sim skips it in zero time) |
 *
 * `deps` become data_deps. Stream order (ops of one stream run in list order in Orrery) becomes ctrl_deps on the
 * stream's previous op, which ASTRA-sim's FeederV3 honours and Orrery's importer ignores by default (it restores
 * streams from the `stream` attribute). Chakra times are whole µs: durations that are not become the nearest µs for
 * ASTRA-sim and keep their exact value in a `duration_ns` attribute, which Orrery's importer prefers. Likewise
 * `root`, `chunks`, `algorithms` and `precision` ride along as extra attributes ASTRA-sim ignores.
 *
 * Groups: with the topology's dimensions, a group block that is a whole sub-grid (the ranks sharing coordinates on
 * the other dimensions) is written as an `involved_dim` mask, so ASTRA-sim runs it dimension by dimension; any
 * other block gets a communicator-group id (1, 2, …; "0" is ASTRA-sim's world) in `pg_name` and the JSON.
 */
import { writeFileSync } from 'node:fs';
import { checkOutputPath, writeOrFail } from './output.ts';
import type { CollectiveOp } from '../collectives/types.ts';
import type { Op, Trace } from '../workload/trace.ts';
import {
  COMM_COLL_NODE, COMM_RECV_NODE, COMM_SEND_NODE, COMP_NODE, encodeChakra, INVALID_NODE,
  type ChakraAttr, type ChakraFile, type ChakraNode,
} from './chakraProto.ts';
import { InputError } from './errors.ts';

export interface ChakraExportOptions {
  /** The topology's NPUs per dimension: sub-grid groups become involved_dim masks instead of pg_name groups. */
  dims?: number[];
  /** GlobalMetadata version (default "0.0.4", as ASTRA-sim's microbenchmark traces). */
  version?: string;
}

export interface ChakraExport {
  /** One file per rank, index = rank. */
  files: ChakraFile[];
  /** ASTRA-sim's `--comm-group-configuration` content; empty when every collective is on the world or a mask. */
  commGroups: Record<string, number[]>;
  warnings: string[];
}

const COMM_TYPE: Record<CollectiveOp, number> = {
  allreduce: 0, reduce: 1, allgather: 2, broadcast: 5, alltoall: 6, reducescatter: 7, barrier: 9,
};

const int64 = (name: string, value: number): ChakraAttr => ({ name, type: 'int64', value: Math.round(value) });
const int32 = (name: string, value: number): ChakraAttr => ({ name, type: 'int32', value });
const bool = (name: string, value: boolean): ChakraAttr => ({ name, type: 'bool', value });
const str = (name: string, value: string): ChakraAttr => ({ name, type: 'string', value });

/** The effective stream of an op (trace.ts defaults); null: none. */
function streamOf(op: Op): string | null {
  if (op.stream === null) return null;
  if (op.stream !== undefined) return op.stream;
  switch (op.kind) {
    case 'compute': return op.cpu ? 'cpu' : 'compute';
    case 'coll': case 'send': case 'recv': return 'comm';
    default: return null;
  }
}

/** The member list of `group` that contains `rank` (a list group, or the block of a partition). */
export function groupBlock(trace: Trace, group: string | undefined, rank: number, where: string): number[] {
  if (group === undefined || group === 'world') return Array.from({ length: trace.ranks }, (_, i) => i);
  const g = trace.groups[group];
  if (g === undefined) {
    throw new InputError(`${where}: group "${group}" is not declared (declared: ${['world', ...Object.keys(trace.groups)].join(', ')})`);
  }
  if (g.length > 0 && Array.isArray(g[0])) {
    for (const b of g as number[][]) if (b.includes(rank)) return b;
    throw new InputError(`${where}: rank ${rank} is in no block of partition group "${group}"`);
  }
  const list = g as number[];
  if (!list.includes(rank)) throw new InputError(`${where}: rank ${rank} uses group "${group}" = [${list.join(', ')}], which does not contain it`);
  return list;
}

/** The involved_dim mask whose sub-grid through `rank` is exactly `members`, if there is one. */
function maskFor(members: number[], rank: number, dims: number[]): boolean[] | undefined {
  const coord = (r: number): number[] => {
    const c: number[] = [];
    for (const d of dims) {
      c.push(r % d);
      r = Math.floor(r / d);
    }
    return c;
  };
  const me = coord(rank);
  const inv = dims.map(() => false);
  for (const m of members) coord(m).forEach((c, d) => { if (c !== me[d]) inv[d] = true; });
  const size = dims.reduce((a, d, i) => a * (inv[i] ? d : 1), 1);
  if (size !== members.length) return undefined;
  // every member shares my coordinates on the non-involved dims, and the sizes match: it is the whole sub-grid
  return inv;
}

export function traceToChakra(trace: Trace, opts: ChakraExportOptions = {}): ChakraExport {
  const warnings: string[] = [];
  const counts: Record<string, number> = {};
  const bump = (k: string): void => { counts[k] = (counts[k] ?? 0) + 1; };
  const dims = opts.dims;
  if (dims !== undefined && dims.reduce((a, b) => a * b, 1) !== trace.ranks) {
    throw new InputError(`Chakra export: the topology has ${dims.reduce((a, b) => a * b, 1)} NPUs (${dims.join('×')}) but the trace has ${trace.ranks} ranks`);
  }
  const programOf: number[] = new Array(trace.ranks).fill(-1);
  trace.programs.forEach((p, i) => {
    for (const r of p.ranks) {
      if (!Number.isInteger(r) || r < 0 || r >= trace.ranks) throw new InputError(`Chakra export: program ${i} lists rank ${r}, outside 0..${trace.ranks - 1}`);
      programOf[r] = i;
    }
  });
  const commGroups: Record<string, number[]> = {};
  const pgIds = new Map<string, string>();
  const pgOf = (members: number[]): string => {
    const key = members.join(',');
    let id = pgIds.get(key);
    if (id === undefined) {
      id = String(pgIds.size + 1);
      pgIds.set(key, id);
      commGroups[id] = [...members];
    }
    return id;
  };

  const files: ChakraFile[] = [];
  for (let rank = 0; rank < trace.ranks; rank++) {
    const pi = programOf[rank]!;
    if (pi < 0) throw new InputError(`Chakra export: rank ${rank} has no program`);
    const nodes: ChakraNode[] = [];
    const lastOnStream = new Map<string, number>();
    for (const op of trace.programs[pi]!.ops) {
      const where = `rank ${rank} op ${op.id}`;
      if (!Number.isSafeInteger(op.id) || op.id < 0) throw new InputError(`Chakra export: ${where}: node ids must be non-negative integers`);
      const n: ChakraNode = {
        id: op.id, name: op.name ?? '', type: INVALID_NODE, ctrlDeps: [], dataDeps: [...(op.deps ?? [])],
        startTimeMicros: 0, durationMicros: 0, attr: [],
      };
      const s = streamOf(op);
      if (s !== null) {
        const prev = lastOnStream.get(s);
        if (prev !== undefined && !n.dataDeps.includes(prev)) n.ctrlDeps.push(prev);
        lastOnStream.set(s, op.id);
      }
      const setDuration = (ns: number | undefined): void => {
        if (ns === undefined) return;
        n.durationMicros = Math.round(ns / 1000);
        if (ns % 1000 !== 0) {
          n.attr.push({ name: 'duration_ns', type: 'uint64', value: ns });
          bump('roundedUs');
        }
      };
      switch (op.kind) {
        case 'compute':
          n.type = COMP_NODE;
          n.attr.push(bool('is_cpu_op', op.cpu === true));
          if (op.flops !== undefined) n.attr.push(int64('num_ops', op.flops));
          if (op.bytes !== undefined) n.attr.push({ name: 'tensor_size', type: 'uint64', value: Math.round(op.bytes) });
          if (op.precision !== undefined) n.attr.push(str('precision', op.precision));
          if (op.durationNs === undefined) {
            bump('roofline');
            n.attr.push(str('orrery_kind', 'roofline')); // tells Orrery's importer there was no duration
          }
          setDuration(op.durationNs);
          break;
        case 'wait':
          n.type = COMP_NODE;
          n.attr.push(bool('is_cpu_op', true), str('orrery_kind', 'wait'));
          setDuration(op.durationNs);
          bump('wait');
          break;
        case 'marker':
          n.type = INVALID_NODE;
          break;
        case 'coll': {
          n.type = COMM_COLL_NODE;
          const ct = COMM_TYPE[op.op];
          if (ct === undefined) throw new InputError(`Chakra export: ${where}: collective "${op.op}" has no Chakra comm_type`);
          if (!Number.isInteger(op.bytes)) bump('fractional');
          n.attr.push(bool('is_cpu_op', false), int64('comm_type', ct), int64('comm_size', op.bytes));
          // ASTRA-sim 2.x simulates AR, AG, RS and A2A, replays BROADCAST by duration, and throws on the rest
          if (op.op === 'reduce' || op.op === 'barrier') bump('astraUnsupported');
          if (op.op === 'broadcast' && op.durationNs === undefined) bump('broadcastNoDuration');
          if (op.priority !== undefined) n.attr.push(int32('comm_priority', op.priority));
          const members = groupBlock(trace, op.group, rank, `Chakra export: ${where}`);
          if (members.length !== trace.ranks) {
            const mask = dims ? maskFor(members, rank, dims) : undefined;
            if (mask) n.attr.push({ name: 'involved_dim', type: 'bool', list: true, value: mask });
            else n.attr.push(str('pg_name', pgOf(members)));
          }
          if (op.root !== undefined) n.attr.push(int64('root', op.root));
          if (op.chunks !== undefined) n.attr.push(int64('chunks', op.chunks));
          if (op.algorithms !== undefined) n.attr.push({ name: 'algorithms', type: 'string', list: true, value: [...op.algorithms] });
          setDuration(op.durationNs);
          break;
        }
        case 'send':
        case 'recv': {
          n.type = op.kind === 'send' ? COMM_SEND_NODE : COMM_RECV_NODE;
          let peer = op.peer;
          const group = op.group;
          if (group !== undefined) {
            const block = groupBlock(trace, group, rank, `Chakra export: ${where}`);
            const p = block[op.peer];
            if (p === undefined) throw new InputError(`Chakra export: ${where}: peer index ${op.peer} is outside group "${group}"'s block of ${block.length}`);
            peer = p;
          }
          if (!Number.isInteger(op.bytes)) bump('fractional');
          n.attr.push(bool('is_cpu_op', false));
          if (op.kind === 'send') n.attr.push(int32('comm_src', rank), int32('comm_dst', peer));
          else n.attr.push(int32('comm_src', peer), int32('comm_dst', rank));
          n.attr.push(int32('comm_tag', op.tag ?? 0), int64('comm_size', op.bytes));
          break;
        }
      }
      if (op.stream !== undefined) n.attr.push(str('stream', op.stream ?? ''));
      // an all-default node (id 0, INVALID, nothing else) would encode to 0 bytes and end the file for Chakra's reader
      if (n.id === 0 && n.type === INVALID_NODE && n.name === '' && n.attr.length === 0 && n.dataDeps.length === 0 && n.ctrlDeps.length === 0) {
        n.name = 'marker';
      }
      nodes.push(n);
    }
    files.push({ metadata: { version: opts.version ?? '0.0.4', attr: [] }, nodes });
  }
  if (counts.roundedUs) warnings.push(`${counts.roundedUs} durations are not whole µs: ASTRA-sim gets the nearest µs (Chakra's unit); the exact ns are kept in a duration_ns attribute`);
  if (counts.roofline) warnings.push(`${counts.roofline} compute ops have no duration (roofline from num_ops/tensor_size): run ASTRA-sim with roofline-enabled, or they take 1 ns there`);
  if (counts.wait) warnings.push(`${counts.wait} wait ops written as CPU COMP_NODEs (ASTRA-sim has no pure delay; they occupy its CPU resource)`);
  if (counts.astraUnsupported) warnings.push(`${counts.astraUnsupported} reduce/barrier collectives: ASTRA-sim 2.x rejects these comm types ("Unsupported collective comm type")`);
  if (counts.broadcastNoDuration) warnings.push(`${counts.broadcastNoDuration} broadcasts without a duration: ASTRA-sim replays broadcasts by duration_micros, so they take 1 ns there`);
  if (counts.fractional) warnings.push(`${counts.fractional} communication sizes are not whole bytes: rounded`);
  return { files, commGroups, warnings };
}

/** Writes `<prefix>.<rank>.et` for every rank, and `<prefix>.comm_groups.json` when there are non-world groups. */
export function writeChakraTrace(
  trace: Trace,
  prefix: string,
  opts: ChakraExportOptions = {},
): { files: string[]; commGroupFile?: string; warnings: string[] } {
  const ex = traceToChakra(trace, opts);
  // like a .json output, a missing directory is an error (it used to be created here)
  checkOutputPath(`${prefix}.0.et`, 'output prefix');
  const files: string[] = [];
  ex.files.forEach((f, r) => {
    const path = `${prefix}.${r}.et`;
    writeOrFail(path, 'output', () => writeFileSync(path, encodeChakra(f)));
    files.push(path);
  });
  let commGroupFile: string | undefined;
  if (Object.keys(ex.commGroups).length > 0) {
    commGroupFile = `${prefix}.comm_groups.json`;
    const cg = commGroupFile;
    writeOrFail(cg, 'output', () => writeFileSync(cg, JSON.stringify(ex.commGroups) + '\n'));
  }
  return { files, ...(commGroupFile ? { commGroupFile } : {}), warnings: ex.warnings };
}

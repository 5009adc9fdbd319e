/**
 * Orrery's trace data model (format `orrery-trace`, version 2): per-rank programs of operations with
 * dependencies and streams, communicator groups declared once. One model, two encodings (JSON for people, msgpack
 * for bulk); importers (Chakra ET, ASTRA-sim text workloads) and generators (workloads/) all produce it, and the
 * replay (workload/replay) consumes it.
 *
 * Units are in the keys: time in integer ns (`durationNs`), sizes in bytes, FLOPs as numbers.
 *
 * Semantics:
 * - An op issues when all its `deps` (ids on the same rank) have completed and, if it has a `stream`, when the
 *   previous op of that stream (in program order) has completed: a stream runs its ops one at a time, in order.
 * - Default streams when `stream` is absent: compute → `compute` (`cpu: true` → `cpu`), coll/send/recv → `comm`;
 *   wait and marker ops have no stream. `stream: null` (present, not absent) opts out: the op issues as soon as its
 *   deps complete, whatever else runs (ASTRA-sim 1.0's collectives, which only its queues order). Replays must
 *   test `=== null` before applying the default (`??` would turn null into the default).
 * - `coll`: every member of the group issues the same collectives in the same order; a member joins when its op
 *   issues, and its op completes when that member has finished its part.
 * - `send`/`recv` match on (sender, receiver, tag), first-in first-out; sizes must agree. A recv completes when the
 *   message has arrived; a send completes when its message has been delivered. With `group`, `peer` is an index
 *   into the rank's block of that group (a pipeline stage number, say), so one program can serve many ranks.
 * - Groups: a name maps to one list of global ranks, or to a partition (a list of disjoint lists); a rank naming a
 *   partition gets the block that contains it, which lets one shared program serve every tensor-parallel group.
 *   `world` (all ranks) always exists.
 */
import type { CollectiveOp } from '../collectives/types.ts';
import type { KernelDesc, Precision } from '../compute/index.ts';

export type { KernelDesc, Precision };

export const TRACE_FORMAT = 'orrery-trace';
/** Version 2 added compute ops' `kernel` descriptor; version 1 files read as version 2 without it. */
export const TRACE_VERSION = 2;
export const TRACE_VERSIONS: readonly number[] = [1, 2];

export type OpKind = 'compute' | 'coll' | 'send' | 'recv' | 'wait' | 'marker';
export const OP_KINDS: readonly OpKind[] = ['compute', 'coll', 'send', 'recv', 'wait', 'marker'];


interface OpBase {
  /** Unique within the rank's program; any order. */
  id: number;
  kind: OpKind;
  /** Free text, shown in timelines. */
  name?: string;
  /** Ids (same program) that must complete before this op issues; may point forward. */
  deps?: number[];
  /** Ops on one stream issue one at a time in program order; also the timeline thread. `null`: no stream. */
  stream?: string | null;
  /** Importer leftovers (Chakra attributes, …); ignored by the replay. */
  ext?: Record<string, unknown>;
}

export interface ComputeOp extends OpBase {
  kind: 'compute';
  /** Measured or given duration; when absent, a roofline from `flops` and `bytes` on the device. */
  durationNs?: number;
  flops?: number;
  /** Bytes moved to and from device memory (roofline's memory term). */
  bytes?: number;
  precision?: Precision;
  /**
   * What the op is (version 2): a GEMM, attention or a memory-bound kernel with its shape (compute/kernels.ts). The
   * `kernel` and `table` compute models time the op from it; the roofline uses `flops`/`bytes` when given, else the
   * kernel's.
   */
  kernel?: KernelDesc;
  /** A host (CPU) op: runs on the `cpu` stream and counts as not overlapping communication. */
  cpu?: boolean;
}

export interface CollOp extends OpBase {
  kind: 'coll';
  op: CollectiveOp;
  /** Group name (default `world`). */
  group?: string;
  /** Bytes per rank (all-gather: each rank's input), as in Chakra's comm_size. */
  bytes: number;
  /** Global rank of the root for broadcast/reduce (default: the group's first member). */
  root?: number;
  /** Algorithm per dimension (else the run's choice), e.g. ["ring", "direct"]. */
  algorithms?: string[];
  /** Chunks for this collective (else the run's choice). */
  chunks?: number;
  /** Higher issues first when collectives compete for a queue. */
  priority?: number;
  /** A measured time, used only when the run replays collectives by duration. */
  durationNs?: number;
}

export interface SendOp extends OpBase {
  kind: 'send';
  /** Global rank of the receiver; with `group`, its index in this rank's block of that group. */
  peer: number;
  /** Makes `peer` group-relative (default: `peer` is a global rank). */
  group?: string;
  tag?: number;
  bytes: number;
}

export interface RecvOp extends OpBase {
  kind: 'recv';
  /** Global rank of the sender; with `group`, its index in this rank's block of that group. */
  peer: number;
  /** Makes `peer` group-relative (default: `peer` is a global rank). */
  group?: string;
  tag?: number;
  bytes: number;
}

export interface WaitOp extends OpBase {
  kind: 'wait';
  durationNs: number;
}

export interface MarkerOp extends OpBase {
  kind: 'marker';
}

export type Op = ComputeOp | CollOp | SendOp | RecvOp | WaitOp | MarkerOp;

/** One program, run by every rank in `ranks` (SPMD sharing). */
export interface Program {
  ranks: number[];
  ops: Op[];
}

export interface TraceMeta {
  name?: string;
  /** Where it came from, e.g. `chakra:prefix` or `workloads/gpt3-175b.json`. */
  source?: string;
  [key: string]: unknown;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  /** 2 (1: the same without kernel descriptors). */
  version: 1 | 2;
  units: { time: 'ns'; size: 'B' };
  meta?: TraceMeta;
  /** World size: ranks are 0..ranks-1; every rank appears in exactly one program. */
  ranks: number;
  /** Named groups: a list of global ranks, or a partition (list of disjoint lists). */
  groups: Record<string, number[] | number[][]>;
  programs: Program[];
}

/**
 * Programs whose ops a generator makes on demand (see {@link lazyProgram}): their maker, and the one op list kept
 * (the last one made, shared by the programs of one trace, so reading one program's ops twice in a row makes them once).
 */
const lazyMakers = new WeakMap<Program, () => Op[]>();

/** The last op list a trace's lazy programs made (one per trace): reading one program twice in a row makes it once. */
export interface LazyCache {
  program?: Program;
  ops?: Op[];
}

/**
 * A program whose `ops` are made when read, by `make` (a generator's per-stage function; it must return the same
 * ops on every call). `ops` is an enumerable getter, so writers (JSON, msgpack, Chakra) and every reader see a plain
 * list; each read of another program's ops than the last makes them anew. A replay validates and compiles such a
 * program from one or two reads and keeps only typed arrays, so the op objects of a trace never all live at once.
 * Readers that index ops across programs in a loop (timelines) should {@link materializeTrace} first.
 */
export function lazyProgram(ranks: number[], make: () => Op[], cache: LazyCache): Program {
  const p = { ranks } as Program;
  Object.defineProperty(p, 'ops', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (cache.program !== p) {
        cache.ops = undefined; // (the previous list can go before the next is made)
        cache.ops = make();
        cache.program = p;
      }
      return cache.ops!;
    },
  });
  lazyMakers.set(p, make);
  return p;
}

/** Whether a program's ops are made on demand ({@link lazyProgram}). */
export function isLazyProgram(p: Program): boolean {
  return lazyMakers.has(p);
}

/** Whether any program of the trace is lazy. */
export function isLazyTrace(t: Trace): boolean {
  return Array.isArray(t.programs) && t.programs.some((p) => isLazyProgram(p));
}

/** The trace with every lazy program's ops made once and held as a plain list (the trace itself if none is lazy). */
export function materializeTrace(t: Trace): Trace {
  if (!isLazyTrace(t)) return t;
  return { ...t, programs: t.programs.map((p) => (isLazyProgram(p) ? { ranks: p.ranks, ops: lazyMakers.get(p)!() } : p)) };
}

/**
 * The stream an op runs on: its own `stream`; none for `stream: null`; else compute → `compute` (`cpu` → `cpu`),
 * coll/send/recv → `comm`, wait and marker none.
 */
export function streamOf(op: Op): string | undefined {
  if (op.stream === null) return undefined;
  if (op.stream !== undefined) return op.stream;
  switch (op.kind) {
    case 'compute':
      return op.cpu ? 'cpu' : 'compute';
    case 'coll':
    case 'send':
    case 'recv':
      return 'comm';
    default:
      return undefined;
  }
}

/**
 * A trace that cannot be replayed as given: a malformed op, an unknown dependency, a cycle, a collective some member
 * never issues, a deadlock. The message names the rank (or program), the op id and the field.
 */
export class TraceError extends Error {
  override name = 'TraceError';
}

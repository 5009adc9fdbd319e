/**
 * The replay's public types (options, results, collective records) and the small integer codes its typed arrays
 * hold (op kinds, accounting categories, astra resource classes, op states, event kinds). replay.ts runs the replay.
 */
import { busBwFactor, type AlgorithmSpec, type CollectiveOp } from '../collectives/index.ts';
import type { ComputeModel as ComputeEngine, RooflineSettings as ComputeModel } from '../compute/index.ts';
import type { NcclTimer } from './nccl-timing.ts';
import type { Compiled } from './replay-compile.ts';
import type { CollOp, Op } from './trace.ts';
import type { ValidatedTrace } from './validate.ts';

export type IssuePolicy = 'streams' | 'astra';
export const ISSUE_POLICIES: readonly IssuePolicy[] = ['streams', 'astra'];

export interface ComputeOptions extends Partial<ComputeModel> {
  /**
   * The compute model for ops without `durationNs` that carry a `kernel` (compute/). Ops known only by FLOPs and
   * bytes, and every op when this is absent, take the roofline of `device` and the efficiencies.
   */
  model?: ComputeEngine;
  /** Multiplies every compute op's time (ASTRA-sim's compute scale). Default 1. */
  computeScale?: number;
  /** Per-rank time multipliers: rank → factor (1.5 = that rank's compute takes 1.5× as long). */
  stragglers?: ReadonlyMap<number, number>;
  /** Standard deviation of a per-op time factor 1 + jitter·z, z ~ N(0,1); 0 = none. */
  jitter?: number;
  seed?: number | string;
}

export interface ReplayOptions {
  /** Algorithms for collectives that name none: one for every dimension, or one per dimension. */
  algorithms: readonly AlgorithmSpec[];
  /** Per operation, overriding `algorithms` (ASTRA-sim system files give one list per collective type). */
  algorithmsByOp?: Partial<Record<CollectiveOp, readonly AlgorithmSpec[]>>;
  /**
   * Time collectives that name no algorithms of their own with the NCCL-like model (`--algo auto` on a cluster
   * preset; nccl-timing.ts) instead of simulating their messages. Operations it does not cover use `algorithms`.
   */
  nccl?: NcclTimer;
  policy?: IssuePolicy;
  compute?: ComputeOptions;
  /**
   * Record every op's completion time and collective (for timelines): 12 bytes per op, which for a 10-million-op
   * step is 120 MB, so it is off unless asked for. (Issue times are always kept: deadlock reports name them.)
   */
  record?: boolean;
  /**
   * The programs already compiled, by a ProgramCompiler made from these same options, in validateTrace's
   * `onProgram` (so that a lazy program's ops are made once for both; api/run.ts does this). Else the replay
   * compiles each program from its ops.
   */
  compiled?: readonly Compiled[];
}

/** One collective instance, for reports and timelines. */
export interface CollectiveRecord {
  /** Collective id (order of creation). */
  id: number;
  op: CollOp['op'];
  group: string;
  /** Block index inside a partitioned group (0 for a plain list). */
  block: number;
  /** Instance number on that block: the n-th collective its members issued on it (from 0). */
  seq: number;
  members: number;
  bytes: number;
  algorithms: string;
  chunks: number;
  /** First member joined. */
  startNs: number;
  /** Last member joined. */
  lastJoinNs: number;
  /** Last member done. */
  endNs: number;
  /** Name of the op that created it (the first member's). */
  name?: string;
}

export interface ReplayResult {
  stepNs: number;
  ranks: number;
  totalOps: number;
  /** Per rank: when its last op completed, and the time categories (ns). */
  rankEndNs: Float64Array;
  computeNs: Float64Array;
  overlappedCommNs: Float64Array;
  exposedCommNs: Float64Array;
  otherNs: Float64Array;
  /** Per global op, when recorded (`record: true`): issue and completion times (ns). */
  startNs?: Float64Array;
  endNs?: Float64Array;
  /** Per global op, when recorded: the collective id of a coll op, else -1. */
  collOf?: Int32Array;
  /**
   * Collective instances by first join, then group, block and instance number. Made on first access: a report
   * that only needs them one at a time reads `collective(k)` instead (hundreds of thousands of records need not
   * all exist at once).
   */
  readonly collectives: CollectiveRecord[];
  collectiveCount: number;
  /**
   * The k-th of `collectives`, made anew on each call; without its `name` when `withName` is false (a lazy trace's
   * names are read from its ops: a report that needs none skips that).
   */
  collective(k: number, withName?: boolean): CollectiveRecord;
  validated: ValidatedTrace;
}

// op kind codes
export const K_COMPUTE = 0, K_COLL = 1, K_SEND = 2, K_RECV = 3, K_WAIT = 4, K_MARKER = 5;
export const KIND_CODE: Record<Op['kind'], number> = { compute: K_COMPUTE, coll: K_COLL, send: K_SEND, recv: K_RECV, wait: K_WAIT, marker: K_MARKER };
// accounting categories
export const C_NONE = 0, C_COMPUTE = 1, C_COMM = 2, C_OTHER = 3;
// astra resource classes
export const R_NONE = 0, R_CPU = 1, R_GPU = 2, R_COMM = 3;
// op states
export const S_PENDING = 0, S_READY = 1, S_ISSUED = 2, S_DONE = 3;
// event kinds (third payload)
export const E_DONE = 0, E_ARRIVE = 1, E_NCCL = 2, E_CHAIN = 3;

/** nccl-tests bus bandwidth of a collective record over its transfer time (last join → end), GB/s. */
export function recordBusBwGBps(c: CollectiveRecord): number {
  const t = c.endNs - c.lastJoinNs;
  if (t <= 0) return 0;
  const s = c.op === 'allgather' ? c.bytes * c.members : c.bytes;
  return (s / t) * busBwFactor(c.op, c.members);
}

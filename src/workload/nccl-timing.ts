/**
 * Collectives timed by the NCCL-like model during a trace replay (`--algo auto` on a cluster preset): a coll op's
 * instance takes the model's predicted time for its operation, bytes and group shape (nodes, ranks per node and the
 * links it spans on the preset; collectives/nccl/tuner.ts), counted from when its last member joined. It sends no
 * messages, so it does not contend with other traffic on the network model (NCCL's own figures are for a collective
 * alone, as nccl-tests measures it). p2p send/recv stay on the network model.
 */
import { ncclChoose, ncclShape, ncclShapeKey, ncclTestsBytes, type CollectiveOp, type NcclShape } from '../collectives/index.ts';
import type { Topology } from '../network/index.ts';

/** The model's time for one collective shape and the label reports show (e.g. `nccl:ring/LL128`). */
export interface NcclTiming {
  timeNs: number;
  label: string;
}

/** One collective instance completed by the model's time: what the replay tracks in place of a system Collective. */
export class NcclCollective {
  /** Per member: when it joined (-1 before), for deadlock reports. */
  readonly joinedAt: Float64Array;
  startNs = -1;
  /** Chunks, for the record (the model has no chunking of its own). */
  readonly chunks = 1;
  constructor(public id: number, public members: Int32Array, public timing: NcclTiming) {
    this.joinedAt = new Float64Array(members.length).fill(-1);
  }

  /**
   * This object as a new collective of the same size (the replay reuses finished ones: hundreds of thousands of them
   * would otherwise reach the old generation and make major GCs over a large heap).
   */
  reuse(id: number, members: Int32Array, timing: NcclTiming): this {
    this.id = id;
    this.members = members;
    this.timing = timing;
    this.startNs = -1;
    this.joinedAt.fill(-1);
    return this;
  }

  get size(): number {
    return this.members.length;
  }
}

/**
 * Decides NCCL's choice once per (operation, bytes, group shape) and caches it; per group block and trace shape
 * index it also keeps the answer, so an instance costs one map look-up.
 */
export class NcclTimer {
  private readonly blockShapes = new Map<number, string>();
  private readonly shapes = new Map<string, NcclShape>();
  private readonly timings = new Map<string, NcclTiming>();
  private readonly byBlock = new Map<number, Map<number, NcclTiming | null>>();

  constructor(private readonly topology: Topology) {
    if (!topology.cluster) throw new Error(`NcclTimer: topology ${topology.name} is not a cluster preset`);
  }

  /**
   * The timing of `op` of `bytes` per rank on `group` (global NPU ids; block `blockId`, trace shape `shape`), or
   * null for an operation the model does not cover (barrier: the replay runs it message by message).
   */
  time(blockId: number, shape: number, group: readonly number[], op: CollectiveOp, bytes: number): NcclTiming | null {
    let m = this.byBlock.get(blockId);
    if (!m) this.byBlock.set(blockId, (m = new Map()));
    let t = m.get(shape);
    if (t !== undefined) return t;
    t = op === 'barrier' ? null : this.timing(blockId, group, op, bytes);
    m.set(shape, t);
    return t;
  }

  private timing(blockId: number, group: readonly number[], op: CollectiveOp, bytes: number): NcclTiming {
    let sk = this.blockShapes.get(blockId);
    if (sk === undefined) {
      const s = ncclShape(this.topology, this.topology.cluster!, group);
      sk = ncclShapeKey(s);
      this.blockShapes.set(blockId, sk);
      if (!this.shapes.has(sk)) this.shapes.set(sk, s);
    }
    const key = `${op}|${bytes}|${sk}`;
    let t = this.timings.get(key);
    if (!t) {
      // as `orrery collective --algo auto` (api/collective.ts runNcclCollective): the best candidate's time, rounded once
      const best = ncclChoose(op, ncclTestsBytes(op, bytes, group.length), this.shapes.get(sk)!);
      t = { timeNs: Math.round(best.timeNs), label: `nccl:${best.algo}/${best.proto}` };
      this.timings.set(key, t);
    }
    return t;
  }
}

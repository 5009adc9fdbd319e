/**
 * The replay's state and how it is allocated: per-rank and per-op typed arrays (see replay-layout.ts for where each
 * op's cells are), the compiled programs, the collectives' bookkeeping, and the small lookups every handler uses.
 * replay.ts (the Replay class, which extends this) runs the events.
 */
import type { AlgorithmSpec, CollectiveOp, CollectiveSystem, CollectiveTemplate } from '../collectives/index.ts';
import type { Engine, EventHandler } from '../engine/index.ts';
import type { NetworkModel } from '../network/index.ts';
import type { NcclCollective, NcclTimer } from './nccl-timing.ts';
import { TraceError } from './trace.ts';
import type { ValidatedTrace } from './validate.ts';
import type { ReplayState } from './replay-deadlock.ts';
import { ProgramCompiler, type Compiled } from './replay-compile.ts';
import { CollectiveRecords, type Instance, type OpenInstances } from './replay-collectives.ts';
import { computeFactors, expectedCollectives, layout } from './replay-layout.ts';
import type { ReplayOptions } from './replay-types.ts';

export abstract class ReplayBase implements EventHandler {
  abstract onEvent(a: number, b: number, c: number): void;

  protected readonly h: number;
  protected readonly R: number;
  protected readonly total: number;
  protected readonly progs: Compiled[];
  protected readonly rankProgram: Int32Array;
  /** First global op number of each rank (ValidatedTrace.base): results and p2p pairs use global op numbers. */
  protected readonly base: Float64Array;
  /**
   * Op i of rank r keeps its state at slot slotBase[r] + i·stride[r], the ranks that share a program side by side
   * (replay-layout.ts).
   */
  protected readonly slotBase: Int32Array;
  protected readonly stride: Int32Array;
  /**
   * Finished predecessors, only for ops with two or more (Compiled.multiIndex): op i of rank r at
   * multiBase[r] + multiIndex[i]·stride[r], side by side like the slots; it issues when the count reaches its
   * in-degree. An op with one predecessor issues when that completes; one with none at the start.
   */
  protected readonly predsDone: Int32Array;
  protected readonly multiBase: Int32Array;
  /** Communication op i of rank r keeps arrived and commOn at commBase[r] + commIndex[i]. */
  protected readonly commBase: Int32Array;
  protected readonly state: Uint8Array;
  /** Per slot, when recording: issue and completion times. */
  protected readonly start: Float64Array | null;
  protected readonly end: Float64Array | null;
  /**
   * Issue times of sends and recvs (the k-th p2p op of rank r at p2pBase[r] + k), for deadlock reports: a stuck
   * coll op's is its join time, and compute, wait and marker ops cannot be stuck, so no per-op array is needed.
   */
  protected readonly p2pStart: Float64Array;
  protected readonly p2pBase: Int32Array;
  /** Per rank: compute time factor (scale × straggler). */
  protected readonly factor: Float64Array;
  /** Per compute op (slot): jitter factor, only when jitter is on. */
  protected readonly jitterOf: Float64Array | null;
  protected readonly arrived: Uint8Array;
  protected readonly partner: Int32Array;
  protected readonly collOf: Int32Array | null;
  /** Per comm op: 1 while it counts as running communication (see accounting above). */
  protected readonly commOn: Uint8Array;
  // accounting per rank
  protected readonly nComp: Int32Array;
  protected readonly nComm: Int32Array;
  protected readonly nOther: Int32Array;
  protected readonly last: Float64Array;
  protected readonly computeNs: Float64Array;
  protected readonly overlapNs: Float64Array;
  protected readonly exposedNs: Float64Array;
  protected readonly otherNs: Float64Array;
  protected readonly rankEnd: Float64Array;
  // collectives
  protected readonly issuedOnBlock: Int32Array;
  protected readonly blockMemberBase: Int32Array;
  /** Per group block: instances some member has issued and some has not. */
  protected readonly open: (OpenInstances | undefined)[] = [];
  /** Finished Instance objects for reuse, by group size. */
  protected readonly instancePool = new Map<number, Instance[]>();
  /** Finished NCCL-timed collectives for reuse, by group size. */
  protected readonly ncclPool = new Map<number, NcclCollective[]>();
  /** Per group block: prepared collectives by shape (CollectiveSystem.prepare), reused by every instance. */
  protected readonly templates: (Map<number, CollectiveTemplate> | undefined)[] = [];
  /** Algorithm label per plan (plans are cached and shared by instances). */
  protected readonly planLabels = new Map<object, string>();
  protected readonly instances: (Instance | undefined)[] = [];
  protected readonly records: CollectiveRecords;
  // work queue (FIFO)
  protected queue = new Int32Array(1024);
  protected qHead = 0;
  protected qTail = 0;
  protected draining = false;
  protected done = 0;
  // astra policy
  protected readonly astra: boolean;
  protected readonly algorithms: readonly AlgorithmSpec[];
  protected readonly algorithmsByOp: Partial<Record<CollectiveOp, readonly AlgorithmSpec[]>>;
  protected readonly nccl: NcclTimer | undefined;
  /** Members of each group block, as the Int32Array an NcclCollective holds (shared by its instances). */
  protected readonly blockMembers: (Int32Array | undefined)[] = [];
  protected readonly busy: Uint8Array | null;
  protected readonly readySets: (number[] | undefined)[] | null;

  constructor(
    protected readonly engine: Engine,
    protected readonly network: NetworkModel,
    protected readonly system: CollectiveSystem,
    protected readonly v: ValidatedTrace,
    opts: ReplayOptions,
  ) {
    const R = (this.R = v.trace.ranks);
    if (R > network.topology.npus) {
      throw new TraceError(`the trace has ${R} ranks but the topology has only ${network.topology.npus} NPUs`);
    }
    this.astra = opts.policy === 'astra';
    this.algorithms = opts.algorithms;
    this.algorithmsByOp = opts.algorithmsByOp ?? {};
    this.nccl = opts.nccl;
    this.base = v.base;
    this.rankProgram = v.rankProgram;
    const total = (this.total = v.base[R]!);
    if (opts.compiled) {
      if (opts.compiled.length !== v.programs.length || opts.compiled.some((c, k) => c.g !== v.programs[k])) {
        throw new Error('ReplayOptions.compiled: not the programs of this validated trace');
      }
      this.progs = [...opts.compiled];
    } else {
      const compiler = new ProgramCompiler(opts);
      // compile()'s arrays for every program at once (see TypedPool.reserve): per op 5 int32, 2 float64, 3 uint8
      let programOps = 0;
      for (const g of v.programs) programOps += g.n + 1;
      compiler.pool.reserve(5 * programOps, 2 * programOps, 3 * programOps);
      // (one read of each program's ops)
      this.progs = v.programs.map((g) => compiler.compile(g, g.program.ops, v.collShapes));
    }
    const lay = layout(v, this.progs);
    this.slotBase = lay.slotBase;
    this.stride = lay.stride;
    this.multiBase = lay.multiBase;
    this.predsDone = new Int32Array(lay.multiTotal); // (counts up from 0: fresh zero pages, no fill pass)
    this.commBase = lay.commBase;
    this.state = new Uint8Array(total);
    const record = opts.record === true;
    this.start = record ? new Float64Array(total).fill(-1) : null;
    this.p2pBase = v.p2pBase;
    this.p2pStart = new Float64Array(this.p2pBase[R]!);
    this.end = record ? new Float64Array(total).fill(-1) : null;
    this.arrived = new Uint8Array(this.commBase[R]!);
    this.partner = v.p2pPartner;
    this.collOf = record ? new Int32Array(total).fill(-1) : null;
    this.commOn = new Uint8Array(this.commBase[R]!);
    const d = computeFactors(opts.compute ?? {}, R, total, this.progs, v.rankProgram, (r, i) => this.slot(r, i));
    this.factor = d.factor;
    this.jitterOf = d.jitter;
    this.nComp = new Int32Array(R);
    this.nComm = new Int32Array(R);
    this.nOther = new Int32Array(R);
    this.last = new Float64Array(R);
    this.computeNs = new Float64Array(R);
    this.overlapNs = new Float64Array(R);
    this.exposedNs = new Float64Array(R);
    this.otherNs = new Float64Array(R);
    this.rankEnd = new Float64Array(R);
    const gt = v.groups;
    this.blockMemberBase = new Int32Array(gt.totalBlocks + 1);
    let k = 0;
    for (let gi = 0; gi < gt.names.length; gi++) {
      for (const b of gt.blocks[gi]!) {
        this.blockMemberBase[k + 1] = this.blockMemberBase[k]! + b.length;
        k++;
      }
    }
    this.issuedOnBlock = new Int32Array(this.blockMemberBase[gt.totalBlocks]!);
    this.busy = this.astra ? new Uint8Array(R * 4) : null;
    this.readySets = this.astra ? new Array(R * 4) : null;
    this.records = new CollectiveRecords(expectedCollectives(v));
    this.h = engine.register(this);
  }

  /** Where op i of rank r keeps its state (see slotBase). */
  protected slot(r: number, i: number): number {
    return this.slotBase[r]! + i * this.stride[r]!;
  }

  /**
   * Op i of rank r's compute time, decided at issue: the base time × the rank's factor × the op's jitter, rounded.
   * (Without jitter or factor, the base time rounded at compile time: the same number, x·1·1 = x, without two
   * multiplications and a rounding per op.)
   */
  protected opNs(r: number, i: number, x: number, p: Compiled): number {
    return this.exact(r)
      ? Math.round(p.baseDur[i]!)
      : Math.round(p.baseDur[i]! * this.factor[r]! * (this.jitterOf ? this.jitterOf[x]! : 1));
  }

  /** Whether rank r's compute ops take their compiled times (no jitter, factor 1): then the rounded baseDur and chainSum hold. */
  protected exact(r: number): boolean {
    return this.jitterOf === null && this.factor[r] === 1;
  }

  /** Where communication op i of rank r keeps arrived and commOn (see commBase). */
  protected cslot(r: number, i: number): number {
    return this.commBase[r]! + this.progs[this.rankProgram[r]!]!.commIndex[i]!;
  }

  /** What the deadlock report reads. */
  protected view(): ReplayState {
    return {
      R: this.R, total: this.total, done: this.done, now: this.engine.now, progs: this.progs, rankProgram: this.rankProgram,
      base: this.base, state: this.state, partner: this.partner, start: this.start, p2pStart: this.p2pStart, p2pBase: this.p2pBase,
      instances: this.instances, slot: (r, i) => this.slot(r, i),
    };
  }

  /** A per-slot array reordered by global op number (base[r] + i), as results are indexed. */
  protected byGlobal<T extends Float64Array | Int32Array>(a: T): T {
    const out = new (a.constructor as new (n: number) => T)(this.total);
    for (let r = 0; r < this.R; r++) {
      const b = this.base[r]!, n = this.base[r + 1]! - b;
      for (let i = 0; i < n; i++) out[b + i] = a[this.slot(r, i)]!;
    }
    return out;
  }

}

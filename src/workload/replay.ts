/**
 * Trace replay: runs a validated trace's ops through the engine, the collectives layer and the network model.
 *
 * Issue rules (policy `streams`, the default):
 * - an op issues once all its deps have completed and, if it has a stream, once the previous op of that stream (in
 *   program order) has completed: a stream runs its ops one at a time, in order (validate.ts folds stream order into
 *   each op's predecessors);
 * - compute and wait ops take their duration; a marker completes at once;
 * - a coll op joins its group instance (the n-th collective a member issues on a group block is instance n; the
 *   first member to issue creates it with `CollectiveSystem.create`, each member `join`s as its op issues) and
 *   completes when that member has finished its part (`onRankDone`);
 * - a send puts its message on the network at issue and completes when it has arrived; its paired recv (validate.ts
 *   pairs them per (src, dst, tag) in program order) completes at that arrival, or at its own issue if the message
 *   came first.
 *
 * Policy `astra` (ASTRA-sim's Chakra replay): streams are ignored; each rank has one slot per class {cpu compute,
 * gpu compute, communication (coll, send, recv)}, and whenever a slot is free the dependency-free op of that class
 * with the smallest id takes it, in any program order. Wait and marker ops need no slot. A compute op of 0 ns
 * takes 1 ns.
 *
 * Per-op state lives in typed arrays indexed by a slot per (rank, op), with the ranks that share a program side by
 * side (see `slot`); programs shared by several ranks are compiled once. Ops are named by (rank, index in the
 * rank's program) everywhere inside; results and point-to-point pairs use the global op number (rank base +
 * index). Events carry integers to one handler: no closure or object per event. Op completion cascades through a
 * FIFO work queue, not recursion.
 *
 * Time accounting per rank is online: whenever an op of a category starts or ends, the time since the last change
 * goes to compute (a GPU compute op runs; `overlapped` if communication runs too), exposed communication
 * (communication runs and no GPU compute does), other (only host compute or waits) or, implicitly, idle.
 * Communication runs while data can move: a send from its issue to its arrival; a recv from the later of its own
 * issue and its send's issue to the arrival; a coll op from the moment its last member joined until this member is
 * done. Time a communication op spends waiting for its peer to start (a recv posted before the send, a collective
 * before the last member joins) is therefore idle, not communication: pipeline bubbles and straggler waits show as
 * idle.
 */
import {
  busBwFactor, type AlgorithmSpec, type Collective, type CollectiveOp, type CollectiveListener, type CollectiveSystem,
  type CollectiveTemplate, parseAlgorithm, CollectiveError,
} from '../collectives/index.ts';
import { createRng, type Engine, type EventHandler } from '../engine/index.ts';
import type { NetworkModel } from '../network/index.ts';
import { rooflineNs, type ComputeModel as ComputeEngine, type RooflineSettings as ComputeModel } from '../compute/index.ts';
import { TypedPool } from './pool.ts';
import { NcclCollective, type NcclTimer } from './nccl-timing.ts';
import { TraceError, type CollOp, type ComputeOp, type Op } from './trace.ts';
import { compactRanges, rankOfGlobal, type ProgramGraph, type ValidatedTrace } from './validate.ts';

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
  /** The k-th of `collectives`, made anew on each call. */
  collective(k: number): CollectiveRecord;
  validated: ValidatedTrace;
}

// op kind codes
const K_COMPUTE = 0, K_COLL = 1, K_SEND = 2, K_RECV = 3, K_WAIT = 4, K_MARKER = 5;
const KIND_CODE: Record<Op['kind'], number> = { compute: K_COMPUTE, coll: K_COLL, send: K_SEND, recv: K_RECV, wait: K_WAIT, marker: K_MARKER };
// accounting categories
const C_NONE = 0, C_COMPUTE = 1, C_COMM = 2, C_OTHER = 3;
// astra resource classes
const R_NONE = 0, R_CPU = 1, R_GPU = 2, R_COMM = 3;
// op states
const S_PENDING = 0, S_READY = 1, S_ISSUED = 2, S_DONE = 3;
// event kinds (third payload)
const E_DONE = 0, E_ARRIVE = 1, E_NCCL = 2;


/** A program compiled once for every rank that runs it. */
interface Compiled {
  g: ProgramGraph;
  kind: Uint8Array;
  cat: Uint8Array;
  cls: Uint8Array;
  indeg: Int32Array;
  /** Base compute time (unrounded ns) or NaN. */
  baseDur: Float64Array;
  /** The base compute time rounded: the duration on a rank with factor 1 and no jitter. */
  dur: Float64Array;
  /** Parsed algorithms of coll ops that name their own (else the run's). */
  algorithms: Map<number, readonly AlgorithmSpec[]>;
  bytes: Float64Array;
  /**
   * Per coll op: its shape (op, bytes, root, chunks, algorithms) as a small integer shared by every program, so an
   * instance finds its prepared collective by (group block, shape) without building a key.
   */
  shape: Int32Array;
  /** Position of each op in id order (astra policy picks the smallest id). */
  idRank: Int32Array;
  /** Ops without predecessors, in program order (they issue at the start). */
  roots: Int32Array;
  /** Per send or recv: its position among the program's sends and recvs; their count. */
  p2pIndex: Int32Array;
  p2pCount: number;
}

/** A collective instance on a group block, as the replay tracks it. Reused (by size) once its onDone has run. */
class Instance {
  joined = 0;
  /** When the last member joined. */
  lastJoinNs = 0;
  /** Its record's index (instances are numbered in the order they are made). */
  rec = 0;
  /** Per member: the index of its coll op in its program (the member's rank is c.members[m]), -1 before it joins. */
  readonly ops: Int32Array;
  constructor(
    public c: Collective | NcclCollective, public group: number, public block: number, public seq: number, public tmpl: CollOp,
  ) {
    this.ops = new Int32Array(c.size).fill(-1);
  }

  reuse(c: Collective | NcclCollective, group: number, block: number, seq: number, tmpl: CollOp): this {
    this.c = c;
    this.group = group;
    this.block = block;
    this.seq = seq;
    this.tmpl = tmpl;
    this.joined = 0;
    for (let m = 0; m < this.ops.length; m++) this.ops[m] = -1; // (a group's few members: a loop is cheaper than fill())
    return this;
  }
}

/**
 * A group block's instances that some member has issued and some has not, oldest first from `head`: instance
 * numbers base, base + 1, …. Members issue a block's collectives in one order, so instances fill up (and leave)
 * in the order they were made.
 */
class OpenInstances {
  readonly items: Instance[] = [];
  head = 0;
  base = 0;
}

/** Numbers kept per collective until finish() makes the records (see Replay.recNum). */
const REC = 9; // id, group, block, seq, members, chunks, startNs, lastJoinNs, endNs

export class Replay implements EventHandler, CollectiveListener {
  private readonly h: number;
  private readonly R: number;
  private readonly total: number;
  private readonly progs: Compiled[];
  private readonly rankProgram: Int32Array;
  /** First global op number of each rank (ValidatedTrace.base): results and p2p pairs use global op numbers. */
  private readonly base: Float64Array;
  /**
   * Op i of rank r keeps its state at slot slotBase[r] + i·stride[r]: the k ranks that share a program sit side by
   * side (stride k), so ranks that run in step touch neighbouring cells. (Indexed by global op number, each rank's
   * current op sat on a page of its own: a cache and TLB miss per access in a 1,024-rank replay.)
   */
  private readonly slotBase: Int32Array;
  private readonly stride: Int32Array;
  private readonly remaining: Int32Array;
  private readonly state: Uint8Array;
  /** Per slot, when recording: issue and completion times. */
  private readonly start: Float64Array | null;
  private readonly end: Float64Array | null;
  /**
   * Issue times of sends and recvs (the k-th p2p op of rank r at p2pBase[r] + k), for deadlock reports: a stuck
   * coll op's is its join time, and compute, wait and marker ops cannot be stuck, so no per-op array is needed.
   */
  private readonly p2pStart: Float64Array;
  private readonly p2pBase: Int32Array;
  /** Per rank: compute time factor (scale × straggler). */
  private readonly factor: Float64Array;
  /** Per compute op (slot): jitter factor, only when jitter is on. */
  private readonly jitterOf: Float64Array | null;
  private readonly arrived: Uint8Array;
  private readonly partner: Int32Array;
  private readonly collOf: Int32Array | null;
  /** Per comm op: 1 while it counts as running communication (see accounting above). */
  private readonly commOn: Uint8Array;
  // accounting per rank
  private readonly nComp: Int32Array;
  private readonly nComm: Int32Array;
  private readonly nOther: Int32Array;
  private readonly last: Float64Array;
  private readonly computeNs: Float64Array;
  private readonly overlapNs: Float64Array;
  private readonly exposedNs: Float64Array;
  private readonly otherNs: Float64Array;
  private readonly rankEnd: Float64Array;
  // collectives
  private readonly issuedOnBlock: Int32Array;
  private readonly blockMemberBase: Int32Array;
  /** Per group block: instances some member has issued and some has not. */
  private readonly open: (OpenInstances | undefined)[] = [];
  /** Finished Instance objects for reuse, by group size. */
  private readonly instancePool = new Map<number, Instance[]>();
  /** Per group block: prepared collectives by shape (CollectiveSystem.prepare), reused by every instance. */
  private readonly templates: (Map<number, CollectiveTemplate> | undefined)[] = [];
  /** Algorithm label per plan (plans are cached and shared by instances). */
  private readonly planLabels = new Map<object, string>();
  private readonly instances: (Instance | undefined)[] = [];
  /**
   * Collectives in the order they were made (so by first join), compactly: REC numbers each, and the op and
   * algorithm label. finish() makes the CollectiveRecord objects (hundreds of thousands of them would otherwise
   * live through the run, old-generation work for every major GC).
   */
  private recNum = new Float64Array(1024 * REC);
  private readonly recTmpl: CollOp[] = [];
  private readonly recLabel: string[] = [];
  // work queue (FIFO)
  private queue = new Int32Array(1024);
  private qHead = 0;
  private qTail = 0;
  private draining = false;
  private done = 0;
  // astra policy
  private readonly astra: boolean;
  private readonly algorithms: readonly AlgorithmSpec[];
  private readonly algorithmsByOp: Partial<Record<CollectiveOp, readonly AlgorithmSpec[]>>;
  private readonly nccl: NcclTimer | undefined;
  /** Members of each group block, as the Int32Array an NcclCollective holds (shared by its instances). */
  private readonly blockMembers: (Int32Array | undefined)[] = [];
  private readonly busy: Uint8Array | null;
  private readonly readySets: (number[] | undefined)[] | null;

  constructor(
    private readonly engine: Engine,
    private readonly network: NetworkModel,
    private readonly system: CollectiveSystem,
    private readonly v: ValidatedTrace,
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
    const model: ComputeModel = {
      precision: opts.compute?.precision ?? 'bf16',
      computeEfficiency: opts.compute?.computeEfficiency ?? opts.compute?.device?.computeEfficiency ?? 1,
      memoryEfficiency: opts.compute?.memoryEfficiency ?? opts.compute?.device?.memoryEfficiency ?? 1,
      ...(opts.compute?.device ? { device: opts.compute.device } : {}),
    };
    const algoCache = new Map<string, AlgorithmSpec[]>();
    const shapes = new Map<string, number>();
    const pool = new TypedPool();
    const engineModel = opts.compute?.model;
    this.progs = v.programs.map((g) => compile(g, model, engineModel, algoCache, shapes, this.astra, pool));
    this.slotBase = new Int32Array(R);
    this.stride = new Int32Array(R);
    this.remaining = new Int32Array(total);
    let x = 0;
    v.programs.forEach((g, pi) => {
      const ranks = g.program.ranks, k = ranks.length, indeg = this.progs[pi]!.indeg;
      ranks.forEach((r, j) => { this.slotBase[r] = x + j; this.stride[r] = k; });
      for (let i = 0; i < g.n; i++) this.remaining.fill(indeg[i]!, x + i * k, x + (i + 1) * k);
      x += g.n * k;
    });
    this.state = new Uint8Array(total);
    const record = opts.record === true;
    this.start = record ? new Float64Array(total).fill(-1) : null;
    this.p2pBase = new Int32Array(R + 1);
    for (let r = 0; r < R; r++) this.p2pBase[r + 1] = this.p2pBase[r]! + this.progs[v.rankProgram[r]!]!.p2pCount;
    this.p2pStart = new Float64Array(this.p2pBase[R]!);
    this.end = record ? new Float64Array(total).fill(-1) : null;
    this.arrived = new Uint8Array(total);
    this.partner = v.p2pPartner;
    this.collOf = record ? new Int32Array(total).fill(-1) : null;
    this.commOn = new Uint8Array(total);
    const d = this.durations(opts.compute ?? {});
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
    this.h = engine.register(this);
  }

  /**
   * Compute time factors: per rank scale × straggler, and per compute op a jitter factor max(0, 1 + j·z) drawn in
   * program order from the rank's seeded stream (only when jitter is on). A compute op then takes
   * round(base × factor[rank] × jitter[op]) ns, decided at issue.
   */
  private durations(o: ComputeOptions): { factor: Float64Array; jitter: Float64Array | null } {
    const scale = o.computeScale ?? 1;
    const jitter = o.jitter ?? 0;
    if (!(scale >= 0 && Number.isFinite(scale))) throw new TraceError(`compute scale must be a finite number ≥ 0, got ${scale}`);
    if (!(jitter >= 0 && Number.isFinite(jitter))) throw new TraceError(`jitter must be a finite number ≥ 0, got ${jitter}`);
    for (const [r, f] of o.stragglers ?? []) {
      if (!Number.isInteger(r) || r < 0 || r >= this.R) throw new TraceError(`straggler rank ${r} is not a rank of this ${this.R}-rank trace`);
      if (!(f > 0 && Number.isFinite(f))) throw new TraceError(`straggler factor for rank ${r} must be a positive number, got ${f}`);
    }
    const factor = new Float64Array(this.R);
    for (let r = 0; r < this.R; r++) factor[r] = scale * (o.stragglers?.get(r) ?? 1);
    if (jitter === 0) return { factor, jitter: null };
    const jit = new Float64Array(this.total).fill(1);
    for (let r = 0; r < this.R; r++) {
      const p = this.progs[this.rankProgram[r]!]!;
      const rng = createRng(o.seed ?? 1, `jitter/rank${r}`);
      for (let i = 0; i < p.g.n; i++) if (p.kind[i] === K_COMPUTE) jit[this.slot(r, i)] = Math.max(0, 1 + jitter * rng.normal(0, 1));
    }
    return { factor, jitter: jit };
  }

  /** Where op i of rank r keeps its state (see slotBase). */
  private slot(r: number, i: number): number {
    return this.slotBase[r]! + i * this.stride[r]!;
  }

  /** Issues every op that is free at time now (call once, before `engine.run()`). */
  begin(): void {
    for (let r = 0; r < this.R; r++) for (const i of this.progs[this.rankProgram[r]!]!.roots) this.makeReady(r, i);
    if (this.astra) for (let r = 0; r < this.R; r++) this.fill(r);
    this.drain();
  }

  /**
   * (rank, op, E_DONE): a compute or wait op ended; (recv, send, E_ARRIVE), global op numbers: a message arrived;
   * (id, 0, E_NCCL): a collective timed by the NCCL-like model ended.
   */
  onEvent(a: number, b: number, c: number): void {
    if (c === E_DONE) this.complete(a, b);
    else if (c === E_NCCL) this.ncclDone(this.instances[a]!);
    else {
      const sr = rankOfGlobal(this.base, b), rr = rankOfGlobal(this.base, a);
      const ri = a - this.base[rr]!;
      this.complete(sr, b - this.base[sr]!);
      const x = this.slot(rr, ri);
      this.arrived[x] = 1;
      if (this.state[x] === S_ISSUED) this.complete(rr, ri);
    }
    this.drain();
  }

  onRankDone(c: Collective, member: number): void {
    const inst = this.instances[c.id]!;
    this.complete(c.members[member]!, inst.ops[member]!);
    if (!this.draining) this.drain();
  }

  onDone(c: Collective, timeNs: number): void {
    const inst = this.instances[c.id]!;
    let label = this.planLabels.get(c.plan);
    if (label === undefined) {
      const algos: string[] = [];
      for (const ph of c.plan.phases) {
        const a = ph.algorithm.window !== undefined ? `${ph.algorithm.name}${ph.algorithm.window}` : ph.algorithm.name;
        if (!algos.includes(a)) algos.push(a);
      }
      label = algos.join(',') || '-';
      this.planLabels.set(c.plan, label);
    }
    this.finishRecord(inst, label, timeNs);
  }

  /** A collective timed by the NCCL-like model ended (now): every member's op completes, then its record. */
  private ncclDone(inst: Instance): void {
    const c = inst.c as NcclCollective;
    for (let m = 0; m < c.size; m++) this.complete(c.members[m]!, inst.ops[m]!);
    this.finishRecord(inst, c.timing.label, this.engine.now);
    if (!this.draining) this.drain();
  }

  /** Completes an instance's record and lets go of the instance. */
  private finishRecord(inst: Instance, label: string, timeNs: number): void {
    const c = inst.c;
    const rec = this.recNum, k = inst.rec * REC;
    rec[k + 6] = c.startNs;
    rec[k + 7] = inst.lastJoinNs;
    rec[k + 8] = timeNs;
    this.recLabel[inst.rec] = label;
    this.instances[c.id] = undefined;
    const pool = this.instancePool.get(c.size);
    if (pool) pool.push(inst);
    else this.instancePool.set(c.size, [inst]);
  }

  /** Starts the record of a new instance (onDone completes it). */
  private record(inst: Instance): void {
    const n = (inst.rec = this.recTmpl.length);
    if ((n + 1) * REC > this.recNum.length) {
      const a = new Float64Array(this.recNum.length * 2);
      a.set(this.recNum);
      this.recNum = a;
    }
    const rec = this.recNum, k = n * REC;
    rec[k] = inst.c.id;
    rec[k + 1] = inst.group;
    rec[k + 2] = inst.block;
    rec[k + 3] = inst.seq;
    rec[k + 4] = inst.c.size;
    rec[k + 5] = inst.c.chunks;
    this.recTmpl.push(inst.tmpl);
    this.recLabel.push('');
  }

  private makeReady(r: number, i: number): void {
    if (!this.astra) {
      this.push(r, i);
      return;
    }
    const p = this.progs[this.rankProgram[r]!]!;
    const cls = p.cls[i]!;
    if (cls === R_NONE) {
      this.push(r, i);
      return;
    }
    this.state[this.slot(r, i)] = S_READY;
    const slot = r * 4 + cls;
    const heap = this.readySets![slot] ?? (this.readySets![slot] = []);
    heapPush(heap, i, p.idRank);
  }

  /** Astra policy: fills rank r's free slots with the smallest-id ready op of each class. */
  private fill(r: number): void {
    const busy = this.busy!;
    const p = this.progs[this.rankProgram[r]!]!;
    for (let cls = 1; cls <= 3; cls++) {
      const slot = r * 4 + cls;
      if (busy[slot]) continue;
      const heap = this.readySets![slot];
      if (!heap || heap.length === 0) continue;
      busy[slot] = 1;
      this.push(r, heapPop(heap, p.idRank));
    }
  }

  /** Queues op i of rank r to issue (the queue holds (rank, op) pairs). */
  private push(r: number, i: number): void {
    if (this.qTail + 2 > this.queue.length) {
      if (this.qHead > 0) {
        this.queue.copyWithin(0, this.qHead, this.qTail);
        this.qTail -= this.qHead;
        this.qHead = 0;
      }
      if (this.qTail + 2 > this.queue.length) {
        const q = new Int32Array(this.queue.length * 2);
        q.set(this.queue);
        this.queue = q;
      }
    }
    this.queue[this.qTail++] = r;
    this.queue[this.qTail++] = i;
  }

  private drain(): void {
    this.draining = true;
    while (this.qHead < this.qTail) {
      const r = this.queue[this.qHead]!, i = this.queue[this.qHead + 1]!;
      this.qHead += 2;
      this.issue(r, i);
    }
    this.qHead = this.qTail = 0;
    this.draining = false;
  }

  /** Moves rank r's accounting to now, then changes its counter for `cat` by `delta`. */
  private account(r: number, cat: number, delta: number): void {
    const now = this.engine.now;
    const dt = now - this.last[r]!;
    if (dt > 0) {
      if (this.nComp[r]! > 0) {
        this.computeNs[r]! += dt;
        if (this.nComm[r]! > 0) this.overlapNs[r]! += dt;
      } else if (this.nComm[r]! > 0) this.exposedNs[r]! += dt;
      else if (this.nOther[r]! > 0) this.otherNs[r]! += dt;
      this.last[r] = now;
    }
    if (cat === C_COMPUTE) this.nComp[r]! += delta;
    else if (cat === C_COMM) this.nComm[r]! += delta;
    else this.nOther[r]! += delta;
  }

  /** Comm op at slot x (on rank r) starts counting as running communication. */
  private commStart(r: number, x: number): void {
    if (this.commOn[x]) return;
    this.commOn[x] = 1;
    this.account(r, C_COMM, 1);
  }

  private issue(r: number, i: number): void {
    const p = this.progs[this.rankProgram[r]!]!;
    const x = this.slot(r, i);
    this.state[x] = S_ISSUED;
    if (this.start) this.start[x] = this.engine.now;
    const cat = p.cat[i]!;
    if (cat === C_COMPUTE || cat === C_OTHER) this.account(r, cat, 1);
    switch (p.kind[i]) {
      case K_COMPUTE: {
        let d = this.jitterOf === null && this.factor[r] === 1
          ? p.dur[i]! // (the same number: x·1·1 = x; saves two multiplications and a rounding per op)
          : Math.round(p.baseDur[i]! * this.factor[r]! * (this.jitterOf ? this.jitterOf[x]! : 1));
        if (d === 0 && this.astra) d = 1;
        if (d > 0) this.engine.schedule(d, this.h, r, i, E_DONE);
        else this.complete(r, i);
        break;
      }
      case K_WAIT: {
        const d = p.baseDur[i]!;
        if (d > 0) this.engine.schedule(d, this.h, r, i, E_DONE);
        else this.complete(r, i);
        break;
      }
      case K_MARKER:
        this.complete(r, i);
        break;
      case K_COLL:
        this.issueColl(r, i, p);
        break;
      case K_SEND: {
        this.p2pStart[this.p2pBase[r]! + p.p2pIndex[i]!] = this.engine.now;
        this.commStart(r, x);
        // the paired recv (global op number): `peer` may be an index into a group block (validate.ts resolved the pairs)
        const g = this.base[r]! + i;
        const recv = this.partner[g]!;
        const rr = rankOfGlobal(this.base, recv);
        const rx = this.slot(rr, recv - this.base[rr]!);
        if (this.state[rx] === S_ISSUED) this.commStart(rr, rx);
        this.network.send(r, rr, p.bytes[i]!, this.h, recv, g, E_ARRIVE, 0);
        break;
      }
      case K_RECV: {
        this.p2pStart[this.p2pBase[r]! + p.p2pIndex[i]!] = this.engine.now;
        const send = this.partner[this.base[r]! + i]!;
        const sr = rankOfGlobal(this.base, send);
        if (this.state[this.slot(sr, send - this.base[sr]!)]! >= S_ISSUED) this.commStart(r, x);
        if (this.arrived[x]) this.complete(r, i);
        break;
      }
    }
  }

  private issueColl(r: number, i: number, p: Compiled): void {
    const gt = this.v.groups;
    const gi = p.g.group[i]!;
    const b = gt.blockOf[gi]![r]!;
    const m = gt.memberIdx[gi]![r]!;
    const blockId = gt.blockBase[gi]! + b;
    const seq = this.issuedOnBlock[this.blockMemberBase[blockId]! + m]!++;
    const open = this.open[blockId] ?? (this.open[blockId] = new OpenInstances());
    let inst = open.items[open.head + seq - open.base];
    const tmpl = p.g.program.ops[i] as CollOp;
    if (!inst) {
      let c: Collective | NcclCollective;
      const timing = this.nccl && !p.algorithms.has(i)
        ? this.nccl.time(blockId, p.shape[i]!, gt.blocks[gi]![b]!, tmpl.op, tmpl.bytes) : null;
      if (timing) {
        const members = this.blockMembers[blockId] ?? (this.blockMembers[blockId] = Int32Array.from(gt.blocks[gi]![b]!));
        c = new NcclCollective(this.system.reserveId(), members, timing);
      } else try {
        const byShape = this.templates[blockId] ?? (this.templates[blockId] = new Map());
        let t = byShape.get(p.shape[i]!);
        if (!t) {
          t = this.system.prepare({
            op: tmpl.op, bytes: tmpl.bytes, group: gt.blocks[gi]![b]!, algorithms: p.algorithms.get(i) ?? this.algorithmsByOp[tmpl.op] ?? this.algorithms,
            ...(tmpl.root !== undefined ? { root: tmpl.root } : {}),
            ...(tmpl.chunks !== undefined ? { options: { chunks: tmpl.chunks } } : {}),
          });
          byShape.set(p.shape[i]!, t);
        }
        // pooled: the system may reuse c once onDone has run (this replay lets go of it there)
        c = this.system.instantiate(t, this);
      } catch (e) {
        if (e instanceof CollectiveError) throw new TraceError(`rank ${r}, op ${p.g.program.ops[i]!.id}: ${e.message}`);
        throw e;
      }
      inst = this.instancePool.get(c.size)?.pop()?.reuse(c, gi, b, seq, tmpl) ?? new Instance(c, gi, b, seq, tmpl);
      this.instances[c.id] = inst;
      this.record(inst);
      if (c.size > 1) {
        if (open.head === open.items.length) open.base = seq;
        open.items.push(inst);
      }
    } else if (inst.tmpl.op !== tmpl.op || inst.tmpl.bytes !== tmpl.bytes) {
      throw new TraceError(`rank ${r}, op ${p.g.program.ops[i]!.id}: collective #${seq + 1} on group "${gt.names[gi]}" is ${tmpl.op} of ${tmpl.bytes} B but another member issued ${inst.tmpl.op} of ${inst.tmpl.bytes} B`);
    }
    inst.ops[m] = i;
    if (this.collOf) this.collOf[this.slot(r, i)] = inst.c.id;
    if (++inst.joined === inst.c.size) {
      inst.lastJoinNs = this.engine.now;
      if (inst.c.size > 1) {
        // the oldest open instance (see OpenInstances)
        open.head++;
        open.base++;
        if (open.head === open.items.length) {
          for (let k = open.items.length; k > 0; k--) open.items.pop(); // (assigning length is a runtime call)
          open.head = 0;
        }
      }
      // every member's part can run now: count it as communication from here
      const ops = inst.ops, members = inst.c.members;
      for (let k = 0; k < ops.length; k++) {
        const x = this.slot(members[k]!, ops[k]!);
        if (this.state[x] === S_ISSUED) this.commStart(members[k]!, x);
      }
    }
    if (inst.c instanceof NcclCollective) this.ncclJoin(inst, m);
    else this.system.join(inst.c, m);
  }

  /** Member m joins a collective timed by the NCCL-like model: once all have, it ends after the model's time. */
  private ncclJoin(inst: Instance, m: number): void {
    const c = inst.c as NcclCollective, now = this.engine.now;
    c.joinedAt[m] = now;
    if (c.startNs < 0) c.startNs = now;
    if (inst.joined < c.size) return;
    if (c.timing.timeNs > 0) this.engine.schedule(c.timing.timeNs, this.h, c.id, 0, E_NCCL);
    else this.ncclDone(inst);
  }

  private complete(r: number, i: number): void {
    const p = this.progs[this.rankProgram[r]!]!;
    const x = this.slot(r, i);
    const now = this.engine.now;
    this.state[x] = S_DONE;
    if (this.end) this.end[x] = now;
    this.rankEnd[r] = now;
    this.done++;
    const cat = p.cat[i]!;
    if (cat === C_COMM) {
      if (this.commOn[x]) this.account(r, C_COMM, -1);
    } else if (cat !== C_NONE) this.account(r, cat, -1);
    const gr = p.g;
    for (let k = gr.succStart[i]!, e = gr.succStart[i + 1]!; k < e; k++) {
      const s = gr.succ[k]!;
      if (--this.remaining[this.slot(r, s)]! === 0) this.makeReady(r, s);
    }
    if (this.astra) {
      const cls = p.cls[i]!;
      if (cls !== R_NONE) this.busy![r * 4 + cls] = 0;
      this.fill(r);
    }
  }

  /** After `engine.run()` has drained: the result, or a TraceError naming each rank's stuck ops. */
  finish(): ReplayResult {
    if (this.done < this.total) throw new TraceError(this.deadlockReport());
    let step = 0;
    for (let r = 0; r < this.R; r++) if (this.rankEnd[r]! > step) step = this.rankEnd[r]!;
    const names = this.v.groups.names;
    const rec = this.recNum;
    // by first join (the order they were made in), then group, block and instance number
    const order = new Int32Array(this.recTmpl.length);
    for (let n = 0; n < order.length; n++) order[n] = n;
    for (let lo = 0, hi = 1; lo < order.length; lo = hi++) {
      while (hi < order.length && rec[hi * REC + 6] === rec[lo * REC + 6]) hi++;
      if (hi - lo > 1) {
        order.subarray(lo, hi).sort((a, b) => {
          const x = a * REC, y = b * REC;
          return rec[x + 1]! - rec[y + 1]! || rec[x + 2]! - rec[y + 2]! || rec[x + 3]! - rec[y + 3]!;
        });
      }
    }
    const tmpls = this.recTmpl, labels = this.recLabel;
    const collective = (j: number): CollectiveRecord => {
      const n = order[j]!, k = n * REC, tmpl = tmpls[n]!;
      // (small integers as int32: Smis, not boxed doubles)
      const r: CollectiveRecord = {
        id: rec[k]! | 0, op: tmpl.op, group: names[rec[k + 1]! | 0]!, block: rec[k + 2]! | 0, seq: rec[k + 3]! | 0,
        members: rec[k + 4]! | 0, bytes: tmpl.bytes, algorithms: labels[n]!, chunks: rec[k + 5]! | 0,
        startNs: rec[k + 6]!, lastJoinNs: rec[k + 7]!, endNs: rec[k + 8]!,
      };
      if (tmpl.name) r.name = tmpl.name;
      return r;
    };
    let all: CollectiveRecord[] | undefined;
    return {
      stepNs: step, ranks: this.R, totalOps: this.total, rankEndNs: this.rankEnd, computeNs: this.computeNs,
      overlappedCommNs: this.overlapNs, exposedCommNs: this.exposedNs, otherNs: this.otherNs,
      ...(this.end ? { startNs: this.byGlobal(this.start!), endNs: this.byGlobal(this.end), collOf: this.byGlobal(this.collOf!) } : {}),
      get collectives() {
        return (all ??= Array.from({ length: order.length }, (_, j) => collective(j)));
      },
      collectiveCount: order.length, collective, validated: this.v,
    };
  }

  /** A per-slot array reordered by global op number (base[r] + i), as results are indexed. */
  private byGlobal<T extends Float64Array | Int32Array>(a: T): T {
    const out = new (a.constructor as new (n: number) => T)(this.total);
    for (let r = 0; r < this.R; r++) {
      const b = this.base[r]!, n = this.base[r + 1]! - b;
      for (let i = 0; i < n; i++) out[b + i] = a[this.slot(r, i)]!;
    }
    return out;
  }

  /** The rank of the op paired with p2p op i of rank r. */
  private partnerRank(r: number, i: number): number {
    return rankOfGlobal(this.base, this.partner[this.base[r]! + i]!);
  }

  private describeOp(r: number, i: number): string {
    const p = this.progs[this.rankProgram[r]!]!;
    const op = p.g.program.ops[i]!;
    const name = op.name ? ` "${op.name}"` : '';
    switch (op.kind) {
      case 'coll': return `op ${op.id}${name} (${op.op} on group "${op.group ?? 'world'}")`;
      case 'send': return `op ${op.id}${name} (send to rank ${this.partnerRank(r, i)}, tag ${op.tag ?? 0})`;
      case 'recv': return `op ${op.id}${name} (recv from rank ${this.partnerRank(r, i)}, tag ${op.tag ?? 0})`;
      default: return `op ${op.id}${name} (${op.kind})`;
    }
  }

  private stateWord(x: number): string {
    return ['not issued', 'ready', 'issued', 'done'][this.state[x]!]!;
  }

  /** Why an unfinished op has not finished. */
  private waitsFor(r: number, i: number): string {
    const p = this.progs[this.rankProgram[r]!]!;
    const x = this.slot(r, i);
    const ops = p.g.program.ops;
    const st = this.state[x]!;
    if (st === S_PENDING) {
      const open: string[] = [];
      for (let k = p.g.predStart[i]!; k < p.g.predStart[i + 1]!; k++) {
        const j = p.g.pred[k]!;
        if (this.state[this.slot(r, j)] !== S_DONE) open.push(`op ${ops[j]!.id}`);
      }
      return `not issued: waits for ${open.join(', ')}`;
    }
    if (st === S_READY) {
      const cls = p.cls[i]!;
      return `ready, waiting for its ${['', 'cpu', 'gpu compute', 'communication'][cls]} slot`;
    }
    const op = ops[i]!;
    if (op.kind === 'recv') {
      const s = this.partner[this.base[r]! + i]!;
      const sr = rankOfGlobal(this.base, s), si = s - this.base[sr]!;
      return `${this.issuedAt(r, i, x)}, waits for rank ${sr} ${this.describeOp(sr, si)}, which is ${this.stateWord(this.slot(sr, si))}`;
    }
    if (op.kind === 'coll') {
      const inst = this.instanceOf(r, i);
      if (inst) {
        const missing: number[] = [];
        inst.c.joinedAt.forEach((t, m) => { if (t < 0) missing.push(inst.c.members[m]!); });
        if (missing.length > 0) {
          return `${this.issuedAt(r, i, x)} (collective #${inst.seq + 1} on this group), waits for rank${missing.length > 1 ? 's' : ''} ${compactRanges(missing)} to join`;
        }
      }
      return `${this.issuedAt(r, i, x)}, every member joined but it did not finish`;
    }
    return `${this.issuedAt(r, i, x)}, not finished`;
  }

  private issuedAt(r: number, i: number, x: number): string {
    const p = this.progs[this.rankProgram[r]!]!;
    let t: number | undefined;
    if (this.start) t = this.start[x];
    else if (p.kind[i] === K_SEND || p.kind[i] === K_RECV) t = this.p2pStart[this.p2pBase[r]! + p.p2pIndex[i]!];
    else {
      const inst = this.instanceOf(r, i); // a coll op issues when it joins
      for (let m = 0; inst && m < inst.ops.length; m++) if (inst.c.members[m] === r && inst.ops[m] === i) t = inst.c.joinedAt[m];
    }
    return `issued at ${t} ns`;
  }

  /** The unfinished collective instance that op i of rank r joined (error path only: a scan). */
  private instanceOf(r: number, i: number): Instance | undefined {
    for (const inst of this.instances) {
      if (!inst) continue;
      for (let m = 0; m < inst.ops.length; m++) if (inst.c.members[m] === r && inst.ops[m] === i) return inst;
    }
    return undefined;
  }

  private deadlockReport(): string {
    const lines: string[] = [];
    let ranksStuck = 0;
    const MAX_RANKS = 8, MAX_OPS = 4;
    // causes first: each stuck rank's first stuck op, grouped by what it waits for (numbers aside); an op whose
    // members all joined but which never finished is a root cause, a wait for others a consequence
    const causes = new Map<string, { ranks: number[]; example: string }>();
    for (let r = 0; r < this.R; r++) {
      const n = this.progs[this.rankProgram[r]!]!.g.n;
      const issued: number[] = [];
      let pending = 0, firstPending = -1;
      for (let i = 0; i < n; i++) {
        const s = this.state[this.slot(r, i)]!;
        if (s === S_ISSUED || s === S_READY) issued.push(i);
        else if (s === S_PENDING) {
          pending++;
          if (firstPending < 0) firstPending = i;
        }
      }
      if (issued.length === 0 && pending === 0) continue;
      ranksStuck++;
      const first = issued.length > 0 ? issued[0]! : firstPending;
      const why = `${this.describeOp(r, first)} ${this.waitsFor(r, first)}`;
      const key = why.replace(/\d+/g, '#');
      const c = causes.get(key);
      if (c) c.ranks.push(r);
      else causes.set(key, { ranks: [r], example: `rank ${r}: ${why}` });
      if (ranksStuck > MAX_RANKS) continue;
      for (const i of issued.slice(0, MAX_OPS)) lines.push(`  rank ${r}: ${this.describeOp(r, i)} ${this.waitsFor(r, i)}`);
      if (issued.length > MAX_OPS) lines.push(`  rank ${r}: … and ${issued.length - MAX_OPS} more issued ops`);
      if (pending > 0) {
        lines.push(`  rank ${r}: ${this.describeOp(r, firstPending)} ${this.waitsFor(r, firstPending)}` +
          (pending > 1 ? ` (and ${pending - 1} more ops not issued)` : ''));
      }
    }
    if (ranksStuck > MAX_RANKS) lines.push(`  … and ${ranksStuck - MAX_RANKS} more ranks`);
    const root = (k: string) => (/did not finish|not finished/.test(k) ? 0 : 1);
    const sorted = [...causes.entries()].sort((a, b) => root(a[0]) - root(b[0]) || a[1].ranks.length - b[1].ranks.length);
    const summary = sorted.slice(0, 5).map(([, c]) =>
      `  ${c.ranks.length} rank${c.ranks.length === 1 ? '' : 's'} (${compactRanges(c.ranks)}), e.g. ${c.example}`);
    if (sorted.length > 5) summary.push(`  … and ${sorted.length - 5} more kinds of wait`);
    return `deadlock: ${this.total - this.done} of ${this.total} ops never finished; nothing was left to happen at ${this.engine.now} ns. ` +
      `${ranksStuck} ranks stuck; by cause (ops that every member joined but never finished first):\n${summary.join('\n')}\n` +
      `Stuck ops of the first ${Math.min(ranksStuck, MAX_RANKS)} ranks:\n${lines.join('\n')}`;
  }
}

const kernelTimeCache = new WeakMap<object, { engine: ComputeEngine; precision: string; timeNs: number }>();

/**
 * A compute op's base time without `durationNs`: the compute model's for an op with a `kernel` (the roofline uses
 * the op's own FLOPs and bytes when it has them, so v1 traces replay as before), else the roofline.
 */
function computeTime(op: ComputeOp, model: ComputeModel, engine: ComputeEngine | undefined, fail: (msg: string) => never): number {
  if (op.kernel && engine && (engine.name !== 'roofline' || (op.flops === undefined && op.bytes === undefined))) {
    const p = op.precision ?? model.precision;
    // generators share one descriptor object among all layers: time it once per object and precision
    const key = op.kernel;
    const hit = kernelTimeCache.get(key);
    if (hit && hit.engine === engine && hit.precision === p) return hit.timeNs;
    try {
      const t = engine.kernel(op.kernel, p).timeNs;
      kernelTimeCache.set(key, { engine, precision: p, timeNs: t });
      return t;
    } catch (e) {
      if ((e as Error).name === 'ComputeError') return fail((e as Error).message);
      throw e;
    }
  }
  if (op.kernel && !engine && op.flops === undefined && op.bytes === undefined && model.device) {
    return fail('has only a kernel descriptor, and no compute model was given to time it');
  }
  return rooflineNs(model, op.flops ?? 0, op.bytes ?? 0, op.precision, fail);
}

function compile(
  g: ProgramGraph, model: ComputeModel, engine: ComputeEngine | undefined, algoCache: Map<string, AlgorithmSpec[]>, shapes: Map<string, number>, astra: boolean, pool: TypedPool,
): Compiled {
  const n = g.n;
  const ops = g.program.ops;
  const kind = pool.uint8(n);
  const cat = pool.uint8(n);
  const cls = pool.uint8(n);
  const indeg = pool.int32(n);
  const baseDur = pool.float64(n, NaN);
  const dur = pool.float64(n, NaN);
  const algorithms = new Map<number, readonly AlgorithmSpec[]>();
  const bytes = pool.float64(n);
  const shape = pool.int32(n, -1);
  const where = (op: Op) => `${g.program.ranks.length > 1 ? `program ${g.index} (ranks ${compactRanges(g.program.ranks)})` : `rank ${g.program.ranks[0]}`}, op ${op.id}`;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    indeg[i] = g.predStart[i + 1]! - g.predStart[i]!;
    kind[i] = KIND_CODE[op.kind];
    switch (op.kind) {
      case 'compute':
        cat[i] = op.cpu ? C_OTHER : C_COMPUTE;
        cls[i] = op.cpu ? R_CPU : R_GPU;
        baseDur[i] = op.durationNs ?? computeTime(op, model, engine, (msg) => {
          throw new TraceError(`${where(op)}: compute op ${msg}`);
        });
        break;
      case 'wait':
        cat[i] = C_OTHER;
        baseDur[i] = op.durationNs;
        break;
      case 'coll': {
        cat[i] = C_COMM;
        cls[i] = R_COMM;
        const key = JSON.stringify([op.op, op.bytes, op.root ?? null, op.chunks ?? null, op.algorithms ?? null]);
        let s = shapes.get(key);
        if (s === undefined) shapes.set(key, (s = shapes.size));
        shape[i] = s;
        if (op.algorithms) {
          const key = op.algorithms.join(',');
          let a = algoCache.get(key);
          if (!a) {
            try {
              a = op.algorithms.map((s) => parseAlgorithm(s, 'algorithm'));
            } catch (e) {
              throw new TraceError(`${where(op)}: field "algorithms": ${(e as Error).message}`);
            }
            algoCache.set(key, a);
          }
          algorithms.set(i, a);
        }
        break;
      }
      case 'send':
      case 'recv':
        cat[i] = C_COMM;
        cls[i] = R_COMM;
        bytes[i] = op.bytes;
        break;
      case 'marker':
        break;
    }
  }
  // astra policy only: each op's position in id order (the smallest ready id issues first)
  const idRank = new Int32Array(astra ? n : 0);
  if (astra) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ops[a]!.id - ops[b]!.id);
    order.forEach((i, k) => { idRank[i] = k; });
  }
  const rootList: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) rootList.push(i);
  const roots = Int32Array.from(rootList);
  for (let i = 0; i < n; i++) dur[i] = Math.round(baseDur[i]!);
  const p2pIndex = pool.int32(n, -1);
  let p2pCount = 0;
  for (let i = 0; i < n; i++) if (kind[i] === K_SEND || kind[i] === K_RECV) p2pIndex[i] = p2pCount++;
  return { g, kind, cat, cls, indeg, baseDur, dur, algorithms, bytes, shape, idRank, roots, p2pIndex, p2pCount };
}

// A binary min-heap of op indices (of one rank's program) keyed by idRank[i].
function heapPush(h: number[], i: number, key: Int32Array): void {
  h.push(i);
  let k = h.length - 1;
  const ki = key[i]!;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (key[h[parent]!]! <= ki) break;
    h[k] = h[parent]!;
    k = parent;
  }
  h[k] = i;
}

function heapPop(h: number[], key: Int32Array): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    const kl = key[last]!;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && key[h[r]!]! < key[h[l]!]! ? r : l;
      if (key[h[c]!]! >= kl) break;
      h[k] = h[c]!;
      k = c;
    }
    h[k] = last;
  }
  return top;
}

/** nccl-tests bus bandwidth of a collective record over its transfer time (last join → end), GB/s. */
export function recordBusBwGBps(c: CollectiveRecord): number {
  const t = c.endNs - c.lastJoinNs;
  if (t <= 0) return 0;
  const s = c.op === 'allgather' ? c.bytes * c.members : c.bytes;
  return (s / t) * busBwFactor(c.op, c.members);
}

/** Convenience: validates nothing; runs a replay on the given engine to completion and returns the result. */
export function runReplay(
  engine: Engine, network: NetworkModel, system: CollectiveSystem, v: ValidatedTrace, opts: ReplayOptions,
): { result: ReplayResult; events: number } {
  const replay = new Replay(engine, network, system, v, opts);
  replay.begin();
  const stats = engine.run();
  return { result: replay.finish(), events: stats.events };
}

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
 * Per-op state lives in typed arrays indexed by a global op number (rank base + position in the rank's program);
 * programs shared by several ranks are compiled once. Events carry (op, partner, kind) as integers to one handler:
 * no closure or object per event. Op completion cascades through a FIFO work queue, not recursion.
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
  busBwFactor, type AlgorithmSpec, type Collective, type CollectiveOp, type CollectiveListener, type CollectiveSystem, parseAlgorithm,
  CollectiveError,
} from '../collectives/index.ts';
import { createRng, type Engine, type EventHandler } from '../engine/index.ts';
import type { NetworkModel } from '../network/index.ts';
import { rooflineNs, type ComputeModel } from './devices.ts';
import { TypedPool } from './pool.ts';
import { TraceError, type CollOp, type Op } from './trace.ts';
import { compactRanges, type ProgramGraph, type ValidatedTrace } from './validate.ts';

export type IssuePolicy = 'streams' | 'astra';
export const ISSUE_POLICIES: readonly IssuePolicy[] = ['streams', 'astra'];

export interface ComputeOptions extends Partial<ComputeModel> {
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
  collectives: CollectiveRecord[];
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
const E_DONE = 0, E_ARRIVE = 1;


/** A program compiled once for every rank that runs it. */
interface Compiled {
  g: ProgramGraph;
  kind: Uint8Array;
  cat: Uint8Array;
  cls: Uint8Array;
  indeg: Int32Array;
  /** Base compute time (unrounded ns) or NaN. */
  baseDur: Float64Array;
  /** Parsed algorithms of coll ops that name their own (else the run's). */
  algorithms: Map<number, readonly AlgorithmSpec[]>;
  bytes: Float64Array;
  /** Position of each op in id order (astra policy picks the smallest id). */
  idRank: Int32Array;
}

class Instance {
  joined = 0;
  ops: Int32Array | null;
  constructor(readonly c: Collective, readonly group: number, readonly block: number, readonly seq: number, readonly tmpl: CollOp) {
    this.ops = new Int32Array(c.size).fill(-1);
  }
}

export class Replay implements EventHandler, CollectiveListener {
  private readonly h: number;
  private readonly R: number;
  private readonly total: number;
  private readonly progs: Compiled[];
  private readonly rankProgram: Int32Array;
  private readonly base: Float64Array;
  private readonly rankOf: Int32Array;
  private readonly remaining: Int32Array;
  private readonly state: Uint8Array;
  private readonly start: Float64Array;
  private readonly end: Float64Array | null;
  /** Per rank: compute time factor (scale × straggler). */
  private readonly factor: Float64Array;
  /** Per global compute op: jitter factor, only when jitter is on. */
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
  /** Per group block: instances some member has issued and some has not, by instance number. */
  private readonly open: (Map<number, Instance> | undefined)[] = [];
  /** Algorithm label per plan (plans are cached and shared by instances). */
  private readonly planLabels = new Map<object, string>();
  private readonly instances: (Instance | undefined)[] = [];
  private readonly records: CollectiveRecord[] = [];
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
    const pool = new TypedPool();
    this.progs = v.programs.map((g) => compile(g, model, algoCache, this.astra, pool));
    this.rankOf = new Int32Array(total);
    this.remaining = new Int32Array(total);
    for (let r = 0; r < R; r++) {
      const b = v.base[r]!;
      this.rankOf.fill(r, b, v.base[r + 1]!);
      this.remaining.set(this.progs[v.rankProgram[r]!]!.indeg, b);
    }
    this.state = new Uint8Array(total);
    const record = opts.record === true;
    this.start = new Float64Array(total).fill(-1); // issue times, also for deadlock reports
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
      const b = this.base[r]!;
      const rng = createRng(o.seed ?? 1, `jitter/rank${r}`);
      for (let i = 0; i < p.g.n; i++) if (p.kind[i] === K_COMPUTE) jit[b + i] = Math.max(0, 1 + jitter * rng.normal(0, 1));
    }
    return { factor, jitter: jit };
  }

  /** Issues every op that is free at time now (call once, before `engine.run()`). */
  begin(): void {
    for (let g = 0; g < this.total; g++) if (this.remaining[g] === 0) this.makeReady(g);
    if (this.astra) for (let r = 0; r < this.R; r++) this.fill(r);
    this.drain();
  }

  onEvent(a: number, b: number, c: number): void {
    if (c === E_DONE) this.complete(a);
    else {
      // message of send b arrived for recv a
      this.complete(b);
      this.arrived[a] = 1;
      if (this.state[a] === S_ISSUED) this.complete(a);
    }
    this.drain();
  }

  onRankDone(c: Collective, member: number): void {
    const inst = this.instances[c.id]!;
    this.complete(inst.ops![member]!);
    if (!this.draining) this.drain();
  }

  onDone(c: Collective, timeNs: number): void {
    const inst = this.instances[c.id]!;
    let lastJoin = 0;
    for (const t of c.joinedAt) if (t > lastJoin) lastJoin = t;
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
    this.records.push({
      id: c.id, op: inst.tmpl.op, group: this.v.groups.names[inst.group]!, block: inst.block, seq: inst.seq,
      members: c.size, bytes: inst.tmpl.bytes, algorithms: label, chunks: c.chunks,
      startNs: c.startNs, lastJoinNs: lastJoin, endNs: timeNs, ...(inst.tmpl.name ? { name: inst.tmpl.name } : {}),
    });
    inst.ops = null;
    this.instances[c.id] = undefined;
  }

  private makeReady(g: number): void {
    if (!this.astra) {
      this.push(g);
      return;
    }
    const r = this.rankOf[g]!;
    const p = this.progs[this.rankProgram[r]!]!;
    const cls = p.cls[g - this.base[r]!]!;
    if (cls === R_NONE) {
      this.push(g);
      return;
    }
    this.state[g] = S_READY;
    const slot = r * 4 + cls;
    const heap = this.readySets![slot] ?? (this.readySets![slot] = []);
    heapPush(heap, g, p.idRank, this.base[r]!);
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
      this.push(heapPop(heap, p.idRank, this.base[r]!));
    }
  }

  private push(g: number): void {
    if (this.qTail === this.queue.length) {
      if (this.qHead > 0) {
        this.queue.copyWithin(0, this.qHead, this.qTail);
        this.qTail -= this.qHead;
        this.qHead = 0;
      }
      if (this.qTail === this.queue.length) {
        const q = new Int32Array(this.queue.length * 2);
        q.set(this.queue);
        this.queue = q;
      }
    }
    this.queue[this.qTail++] = g;
  }

  private drain(): void {
    this.draining = true;
    while (this.qHead < this.qTail) this.issue(this.queue[this.qHead++]!);
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

  /** Comm op g (on rank r) starts counting as running communication. */
  private commStart(r: number, g: number): void {
    if (this.commOn[g]) return;
    this.commOn[g] = 1;
    this.account(r, C_COMM, 1);
  }

  private issue(g: number): void {
    const r = this.rankOf[g]!;
    const p = this.progs[this.rankProgram[r]!]!;
    const i = g - this.base[r]!;
    this.state[g] = S_ISSUED;
    this.start[g] = this.engine.now;
    const cat = p.cat[i]!;
    if (cat === C_COMPUTE || cat === C_OTHER) this.account(r, cat, 1);
    switch (p.kind[i]) {
      case K_COMPUTE: {
        let d = Math.round(p.baseDur[i]! * this.factor[r]! * (this.jitterOf ? this.jitterOf[g]! : 1));
        if (d === 0 && this.astra) d = 1;
        if (d > 0) this.engine.schedule(d, this.h, g, 0, E_DONE);
        else this.complete(g);
        break;
      }
      case K_WAIT: {
        const d = p.baseDur[i]!;
        if (d > 0) this.engine.schedule(d, this.h, g, 0, E_DONE);
        else this.complete(g);
        break;
      }
      case K_MARKER:
        this.complete(g);
        break;
      case K_COLL:
        this.issueColl(g, r, i, p);
        break;
      case K_SEND: {
        this.commStart(r, g);
        const recv = this.partner[g]!;
        if (this.state[recv] === S_ISSUED) this.commStart(this.rankOf[recv]!, recv);
        // the paired recv's rank: `peer` may be an index into a group block (validate.ts resolved the pairs)
        this.network.send(r, this.rankOf[recv]!, p.bytes[i]!, this.h, recv, g, E_ARRIVE, 0);
        break;
      }
      case K_RECV:
        if (this.state[this.partner[g]!]! >= S_ISSUED) this.commStart(r, g);
        if (this.arrived[g]) this.complete(g);
        break;
    }
  }

  private issueColl(g: number, r: number, i: number, p: Compiled): void {
    const gt = this.v.groups;
    const gi = p.g.group[i]!;
    const b = gt.blockOf[gi]![r]!;
    const m = gt.memberIdx[gi]![r]!;
    const blockId = gt.blockBase[gi]! + b;
    const seq = this.issuedOnBlock[this.blockMemberBase[blockId]! + m]!++;
    const open = this.open[blockId] ?? (this.open[blockId] = new Map());
    let inst = open.get(seq);
    const tmpl = p.g.program.ops[i] as CollOp;
    if (!inst) {
      let c: Collective;
      try {
        c = this.system.create({
          op: tmpl.op, bytes: tmpl.bytes, group: gt.blocks[gi]![b]!, algorithms: p.algorithms.get(i) ?? this.algorithmsByOp[tmpl.op] ?? this.algorithms,
          ...(tmpl.root !== undefined ? { root: tmpl.root } : {}),
          ...(tmpl.chunks !== undefined ? { options: { chunks: tmpl.chunks } } : {}),
          ...(tmpl.name !== undefined ? { label: tmpl.name } : {}),
        }, this);
      } catch (e) {
        if (e instanceof CollectiveError) throw new TraceError(`rank ${r}, op ${p.g.program.ops[i]!.id}: ${e.message}`);
        throw e;
      }
      inst = new Instance(c, gi, b, seq, tmpl);
      this.instances[c.id] = inst;
      if (c.size > 1) open.set(seq, inst);
    } else if (inst.tmpl.op !== tmpl.op || inst.tmpl.bytes !== tmpl.bytes) {
      throw new TraceError(`rank ${r}, op ${p.g.program.ops[i]!.id}: collective #${seq + 1} on group "${gt.names[gi]}" is ${tmpl.op} of ${tmpl.bytes} B but another member issued ${inst.tmpl.op} of ${inst.tmpl.bytes} B`);
    }
    inst.ops![m] = g;
    if (this.collOf) this.collOf[g] = inst.c.id;
    if (++inst.joined === inst.c.size) {
      open.delete(seq);
      // every member's part can run now: count it as communication from here
      const ops = inst.ops!;
      for (let k = 0; k < ops.length; k++) if (this.state[ops[k]!] === S_ISSUED) this.commStart(this.rankOf[ops[k]!]!, ops[k]!);
    }
    this.system.join(inst.c, m);
  }

  private complete(g: number): void {
    const r = this.rankOf[g]!;
    const p = this.progs[this.rankProgram[r]!]!;
    const base = this.base[r]!;
    const i = g - base;
    const now = this.engine.now;
    this.state[g] = S_DONE;
    if (this.end) this.end[g] = now;
    this.rankEnd[r] = now;
    this.done++;
    const cat = p.cat[i]!;
    if (cat === C_COMM) {
      if (this.commOn[g]) this.account(r, C_COMM, -1);
    } else if (cat !== C_NONE) this.account(r, cat, -1);
    const gr = p.g;
    for (let k = gr.succStart[i]!, e = gr.succStart[i + 1]!; k < e; k++) {
      const s = base + gr.succ[k]!;
      if (--this.remaining[s]! === 0) this.makeReady(s);
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
    const gi = this.v.groups.index;
    this.records.sort((a, b) => a.startNs - b.startNs || gi.get(a.group)! - gi.get(b.group)! || a.block - b.block || a.seq - b.seq);
    return {
      stepNs: step, ranks: this.R, totalOps: this.total, rankEndNs: this.rankEnd, computeNs: this.computeNs,
      overlappedCommNs: this.overlapNs, exposedCommNs: this.exposedNs, otherNs: this.otherNs,
      ...(this.end ? { startNs: this.start, endNs: this.end, collOf: this.collOf! } : {}),
      collectives: this.records, validated: this.v,
    };
  }

  private describeOp(r: number, g: number): string {
    const p = this.progs[this.rankProgram[r]!]!;
    const op = p.g.program.ops[g - this.base[r]!]!;
    const name = op.name ? ` "${op.name}"` : '';
    switch (op.kind) {
      case 'coll': return `op ${op.id}${name} (${op.op} on group "${op.group ?? 'world'}")`;
      case 'send': return `op ${op.id}${name} (send to rank ${this.rankOf[this.partner[g]!]}, tag ${op.tag ?? 0})`;
      case 'recv': return `op ${op.id}${name} (recv from rank ${this.rankOf[this.partner[g]!]}, tag ${op.tag ?? 0})`;
      default: return `op ${op.id}${name} (${op.kind})`;
    }
  }

  private stateWord(g: number): string {
    return ['not issued', 'ready', 'issued', 'done'][this.state[g]!]!;
  }

  /** Why an unfinished op has not finished. */
  private waitsFor(r: number, g: number): string {
    const p = this.progs[this.rankProgram[r]!]!;
    const i = g - this.base[r]!;
    const ops = p.g.program.ops;
    const st = this.state[g]!;
    if (st === S_PENDING) {
      const open: string[] = [];
      for (let k = p.g.predStart[i]!; k < p.g.predStart[i + 1]!; k++) {
        const j = p.g.pred[k]!;
        if (this.state[this.base[r]! + j] !== S_DONE) open.push(`op ${ops[j]!.id}`);
      }
      return `not issued: waits for ${open.join(', ')}`;
    }
    if (st === S_READY) {
      const cls = p.cls[i]!;
      return `ready, waiting for its ${['', 'cpu', 'gpu compute', 'communication'][cls]} slot`;
    }
    const op = ops[i]!;
    if (op.kind === 'recv') {
      const s = this.partner[g]!;
      const sr = this.rankOf[s]!;
      return `${this.issuedAt(g)}, waits for rank ${sr} ${this.describeOp(sr, s)}, which is ${this.stateWord(s)}`;
    }
    if (op.kind === 'coll') {
      const inst = this.instanceOf(g);
      if (inst) {
        const missing: number[] = [];
        inst.c.joinedAt.forEach((t, m) => { if (t < 0) missing.push(inst.c.members[m]!); });
        if (missing.length > 0) {
          return `${this.issuedAt(g)} (collective #${inst.seq + 1} on this group), waits for rank${missing.length > 1 ? 's' : ''} ${compactRanges(missing)} to join`;
        }
      }
      return `${this.issuedAt(g)}, every member joined but it did not finish`;
    }
    return `${this.issuedAt(g)}, not finished`;
  }

  private issuedAt(g: number): string {
    return `issued at ${this.start[g]} ns`;
  }

  /** The unfinished collective instance op g joined (error path only: a scan). */
  private instanceOf(g: number): Instance | undefined {
    for (const inst of this.instances) if (inst?.ops && inst.ops.includes(g)) return inst;
    return undefined;
  }

  private deadlockReport(): string {
    const lines: string[] = [];
    let ranksStuck = 0;
    const MAX_RANKS = 16, MAX_OPS = 4;
    for (let r = 0; r < this.R; r++) {
      const b = this.base[r]!, e = this.base[r + 1]!;
      const issued: number[] = [];
      let pending = 0, firstPending = -1;
      for (let g = b; g < e; g++) {
        const s = this.state[g]!;
        if (s === S_ISSUED || s === S_READY) issued.push(g);
        else if (s === S_PENDING) {
          pending++;
          if (firstPending < 0) firstPending = g;
        }
      }
      if (issued.length === 0 && pending === 0) continue;
      ranksStuck++;
      if (ranksStuck > MAX_RANKS) continue;
      for (const g of issued.slice(0, MAX_OPS)) lines.push(`  rank ${r}: ${this.describeOp(r, g)} ${this.waitsFor(r, g)}`);
      if (issued.length > MAX_OPS) lines.push(`  rank ${r}: … and ${issued.length - MAX_OPS} more issued ops`);
      if (pending > 0) {
        lines.push(`  rank ${r}: ${this.describeOp(r, firstPending)} ${this.waitsFor(r, firstPending)}` +
          (pending > 1 ? ` (and ${pending - 1} more ops not issued)` : ''));
      }
    }
    if (ranksStuck > MAX_RANKS) lines.push(`  … and ${ranksStuck - MAX_RANKS} more ranks`);
    return `deadlock: ${this.total - this.done} of ${this.total} ops never finished; nothing was left to happen at ${this.engine.now} ns. Stuck ops per rank:\n${lines.join('\n')}`;
  }
}

function compile(g: ProgramGraph, model: ComputeModel, algoCache: Map<string, AlgorithmSpec[]>, astra: boolean, pool: TypedPool): Compiled {
  const n = g.n;
  const ops = g.program.ops;
  const kind = pool.uint8(n);
  const cat = pool.uint8(n);
  const cls = pool.uint8(n);
  const indeg = pool.int32(n);
  const baseDur = pool.float64(n, NaN);
  const algorithms = new Map<number, readonly AlgorithmSpec[]>();
  const bytes = pool.float64(n);
  const where = (op: Op) => `${g.program.ranks.length > 1 ? `program ${g.index} (ranks ${compactRanges(g.program.ranks)})` : `rank ${g.program.ranks[0]}`}, op ${op.id}`;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    indeg[i] = g.predStart[i + 1]! - g.predStart[i]!;
    kind[i] = KIND_CODE[op.kind];
    switch (op.kind) {
      case 'compute':
        cat[i] = op.cpu ? C_OTHER : C_COMPUTE;
        cls[i] = op.cpu ? R_CPU : R_GPU;
        baseDur[i] = op.durationNs ?? rooflineNs(model, op.flops ?? 0, op.bytes ?? 0, op.precision, (msg) => {
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
  return { g, kind, cat, cls, indeg, baseDur, algorithms, bytes, idRank };
}

// A binary min-heap of global op indices keyed by idRank[g - base] (all entries belong to one rank).
function heapPush(h: number[], g: number, key: Int32Array, base: number): void {
  h.push(g);
  let i = h.length - 1;
  const kg = key[g - base]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (key[h[parent]! - base]! <= kg) break;
    h[i] = h[parent]!;
    i = parent;
  }
  h[i] = g;
}

function heapPop(h: number[], key: Int32Array, base: number): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    const kl = key[last - base]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && key[h[r]! - base]! < key[h[l]! - base]! ? r : l;
      if (key[h[c]! - base]! >= kl) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
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

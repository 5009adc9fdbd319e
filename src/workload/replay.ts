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
import { CollectiveError, type Collective, type CollectiveListener, type CollectiveSystem } from '../collectives/index.ts';
import type { Engine } from '../engine/index.ts';
import type { NetworkModel } from '../network/index.ts';
import { NcclCollective } from './nccl-timing.ts';
import { TraceError } from './trace.ts';
import { rankOfGlobal, type ValidatedTrace } from './validate.ts';
import { deadlockReport } from './replay-deadlock.ts';
import type { Compiled } from './replay-compile.ts';
import { heapPop, heapPush } from './replay-ready-heap.ts';
import { collNamer, Instance, OpenInstances } from './replay-collectives.ts';
import { ReplayBase } from './replay-state.ts';
import {
  C_COMM, C_COMPUTE, C_NONE, C_OTHER, E_ARRIVE, E_CHAIN, E_DONE, E_NCCL, K_COLL, K_COMPUTE, K_MARKER, K_RECV, K_SEND, K_WAIT, R_NONE, S_DONE,
  S_ISSUED, S_READY, type CollectiveRecord, type ReplayOptions, type ReplayResult,
} from './replay-types.ts';

export {
  ISSUE_POLICIES, recordBusBwGBps, type CollectiveRecord, type ComputeOptions, type IssuePolicy, type ReplayOptions, type ReplayResult,
} from './replay-types.ts';


export class Replay extends ReplayBase implements CollectiveListener {
  /** The compute time of the ops that follow op i in its chain (p.chainNext), in all. */
  private chainRest(r: number, i: number, p: Compiled): number {
    let t = 0;
    for (let j = p.chainNext[i]!; j >= 0; j = p.chainNext[j]!) t += this.opNs(r, j, this.slot(r, j), p);
    return t;
  }

  /**
   * The chain that op i of rank r heads has run to its end (now): one event for a run of compute ops where each
   * releases only the next and the next waits only for the one before. Issuing and completing the ops inside has no
   * effect beyond their own times (the rank's compute counter goes down and up at one instant, which adds no time
   * to any category), so only those are set here, when recorded: each op starts when the one before ends. Their
   * states are not written (a cache miss per op: the ranks of a program sit side by side); finish() sets them before
   * a deadlock report reads them. The last op then completes as any op does.
   */
  private chainDone(r: number, i: number): void {
    const p = this.progs[this.rankProgram[r]!]!;
    const last = p.chainLast[i]!;
    this.done += p.chainLen[i]! - 1;
    if (this.end) {
      const exact = this.exact(r), next = p.chainNext, base = this.slotBase[r]!, stride = this.stride[r]!;
      let t = this.engine.now - (exact ? p.chainSum[i]! : this.chainRest(r, i, p) + this.opNs(r, i, base + i * stride, p));
      for (let k = i, j = next[k]!; j >= 0; k = j, j = next[j]!) {
        t += exact ? Math.round(p.baseDur[k]!) : this.opNs(r, k, base + k * stride, p);
        this.end[base + k * stride] = t;
        this.start![base + j * stride] = t;
      }
    }
    this.complete(r, last);
  }

  /**
   * Sets the states chainDone left unwritten: an op whose chain's last op is done is done (the links of a chain are
   * its ops' only dependencies, so the last one's completion implies all of theirs).
   */
  private settleChains(): void {
    for (let r = 0; r < this.R; r++) {
      const p = this.progs[this.rankProgram[r]!]!;
      for (let i = 0; i < p.g.n; i++) {
        if (p.chainNext[i]! >= 0 && this.state[this.slot(r, p.chainLast[i]!)] === S_DONE) this.state[this.slot(r, i)] = S_DONE;
      }
    }
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
    else if (c === E_CHAIN) this.chainDone(a, b);
    else if (c === E_NCCL) this.ncclDone(this.instances[a]!);
    else {
      const sr = rankOfGlobal(this.base, b), rr = rankOfGlobal(this.base, a);
      const ri = a - this.base[rr]!;
      this.complete(sr, b - this.base[sr]!);
      this.arrived[this.cslot(rr, ri)] = 1;
      if (this.state[this.slot(rr, ri)] === S_ISSUED) this.complete(rr, ri);
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
    const pool = this.ncclPool.get(c.size);
    if (pool) pool.push(c);
    else this.ncclPool.set(c.size, [c]);
    if (!this.draining) this.drain();
  }

  /** Completes an instance's record and lets go of the instance. */
  private finishRecord(inst: Instance, label: string, timeNs: number): void {
    const c = inst.c;
    this.records.end(inst, label, timeNs);
    this.instances[c.id] = undefined;
    const pool = this.instancePool.get(c.size);
    if (pool) pool.push(inst);
    else this.instancePool.set(c.size, [inst]);
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

  /** Communication op i of rank r starts counting as running communication. */
  private commStart(r: number, i: number): void {
    const c = this.cslot(r, i);
    if (this.commOn[c]) return;
    this.commOn[c] = 1;
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
        let d = this.opNs(r, i, x, p);
        if (d === 0 && this.astra) d = 1;
        if (d > 0) {
          if (p.chainNext[i]! < 0) this.engine.schedule(d, this.h, r, i, E_DONE);
          else this.engine.schedule(this.exact(r) ? p.chainSum[i]! : d + this.chainRest(r, i, p), this.h, r, i, E_CHAIN);
        } else this.complete(r, i);
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
        this.commStart(r, i);
        // the paired recv (global op number): `peer` may be an index into a group block (validate.ts resolved the pairs)
        const g = this.base[r]! + i;
        const recv = this.partner[this.p2pBase[r]! + p.p2pIndex[i]!]!;
        const rr = rankOfGlobal(this.base, recv);
        const ri = recv - this.base[rr]!;
        if (this.state[this.slot(rr, ri)] === S_ISSUED) this.commStart(rr, ri);
        this.network.send(r, rr, p.bytes[p.p2pIndex[i]!]!, this.h, recv, g, E_ARRIVE, 0);
        break;
      }
      case K_RECV: {
        this.p2pStart[this.p2pBase[r]! + p.p2pIndex[i]!] = this.engine.now;
        const send = this.partner[this.p2pBase[r]! + p.p2pIndex[i]!]!;
        const sr = rankOfGlobal(this.base, send);
        if (this.state[this.slot(sr, send - this.base[sr]!)]! >= S_ISSUED) this.commStart(r, i);
        if (this.arrived[this.cslot(r, i)]) this.complete(r, i);
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
    const tmpl = this.v.collShapes[p.shape[i]!]!;
    if (!inst) {
      let c: Collective | NcclCollective;
      const timing = this.nccl && !p.algorithms.has(i)
        ? this.nccl.time(blockId, p.shape[i]!, gt.blocks[gi]![b]!, tmpl.op, tmpl.bytes) : null;
      if (timing) {
        const members = this.blockMembers[blockId] ?? (this.blockMembers[blockId] = Int32Array.from(gt.blocks[gi]![b]!));
        const id = this.system.reserveId();
        c = this.ncclPool.get(members.length)?.pop()?.reuse(id, members, timing) ?? new NcclCollective(id, members, timing);
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
      inst.firstRank = r;
      inst.firstOp = i;
      this.instances[c.id] = inst;
      this.records.start(inst);
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
        if (this.state[this.slot(members[k]!, ops[k]!)] === S_ISSUED) this.commStart(members[k]!, ops[k]!);
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
      if (this.commOn[this.cslot(r, i)]) this.account(r, C_COMM, -1);
    } else if (cat !== C_NONE) this.account(r, cat, -1);
    const gr = p.g;
    for (let k = gr.succStart[i]!, e = gr.succStart[i + 1]!; k < e; k++) {
      const s = gr.succ[k]!;
      const m = p.multiIndex[s]!;
      if (m < 0 || ++this.predsDone[this.multiBase[r]! + m * this.stride[r]!]! === gr.predStart[s + 1]! - gr.predStart[s]!) this.makeReady(r, s);
    }
    if (this.astra) {
      const cls = p.cls[i]!;
      if (cls !== R_NONE) this.busy![r * 4 + cls] = 0;
      this.fill(r);
    }
  }

  /** After `engine.run()` has drained: the result, or a TraceError naming each rank's stuck ops. */
  finish(): ReplayResult {
    if (this.done < this.total) {
      this.settleChains();
      throw new TraceError(deadlockReport(this.view()));
    }
    let step = 0;
    for (let r = 0; r < this.R; r++) if (this.rankEnd[r]! > step) step = this.rankEnd[r]!;
    const { count, collective } = this.records.sorted(this.v.groups.names, collNamer(this.v));
    let all: CollectiveRecord[] | undefined;
    return {
      stepNs: step, ranks: this.R, totalOps: this.total, rankEndNs: this.rankEnd, computeNs: this.computeNs,
      overlappedCommNs: this.overlapNs, exposedCommNs: this.exposedNs, otherNs: this.otherNs,
      ...(this.end ? { startNs: this.byGlobal(this.start!), endNs: this.byGlobal(this.end), collOf: this.byGlobal(this.collOf!) } : {}),
      get collectives() {
        return (all ??= Array.from({ length: count }, (_, j) => collective(j)));
      },
      collectiveCount: count, collective, validated: this.v,
    };
  }

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

/**
 * Test-side tools over the trace model that need no replay engine:
 *
 * - `freeCommSchedule`: the schedule of a trace when communication is free. Each op starts when its deps and its
 *   stream predecessor have finished; compute takes `durationNs` (or `computeNs(op)`), waits take `durationNs`, a
 *   collective finishes when its last member issues it, a send when it issues, a recv when both it and its send
 *   have issued. The makespan is the largest finish time: the critical path through compute durations,
 *   dependencies and stream serialization. It also proves a trace deadlock-free under free communication: ops
 *   that can never run are returned in `stuck`.
 * - `rankView`: one rank's ops with groups resolved to member lists, peers to global ranks and streams to their
 *   effective names, without `ext`: two traces that replay identically have equal rank views.
 */
import type { Op, Trace } from '../../src/workload/trace.ts';

export function streamOf(op: Op): string | null {
  if (op.stream === null) return null;
  if (op.stream !== undefined) return op.stream;
  switch (op.kind) {
    case 'compute': return op.cpu ? 'cpu' : 'compute';
    case 'coll': case 'send': case 'recv': return 'comm';
    default: return null;
  }
}

/** The block of `group` containing `rank`, and its index among the group's blocks. */
export function blockOf(trace: Trace, group: string | undefined, rank: number): { members: number[]; index: number } {
  if (group === undefined || group === 'world') return { members: Array.from({ length: trace.ranks }, (_, i) => i), index: 0 };
  const g = trace.groups[group];
  if (g === undefined) throw new Error(`group ${group} not declared`);
  if (g.length > 0 && Array.isArray(g[0])) {
    const blocks = g as number[][];
    const i = blocks.findIndex((b) => b.includes(rank));
    if (i < 0) throw new Error(`rank ${rank} not in partition ${group}`);
    return { members: blocks[i]!, index: i };
  }
  const list = g as number[];
  if (!list.includes(rank)) throw new Error(`rank ${rank} not in group ${group}`);
  return { members: list, index: 0 };
}

export function programOf(trace: Trace, rank: number): Op[] {
  for (const p of trace.programs) if (p.ranks.includes(rank)) return p.ops;
  throw new Error(`rank ${rank} has no program`);
}

export function globalPeer(trace: Trace, op: Op & { kind: 'send' | 'recv' }, rank: number): number {
  if (op.group === undefined) return op.peer;
  const p = blockOf(trace, op.group, rank).members[op.peer];
  if (p === undefined) throw new Error(`peer index ${op.peer} outside group ${op.group}`);
  return p;
}

export function rankView(trace: Trace, rank: number): Record<string, unknown>[] {
  return programOf(trace, rank).map((op) => {
    const { ext: _ext, stream: _s, ...rest } = op as Op & Record<string, unknown>;
    const v: Record<string, unknown> = { ...rest, stream: streamOf(op) };
    if (op.kind === 'coll') {
      v.group = blockOf(trace, op.group, rank).members;
    }
    if (op.kind === 'send' || op.kind === 'recv') {
      v.peer = globalPeer(trace, op, rank);
      delete v.group;
      v.tag = op.tag ?? 0;
    }
    if (v.deps !== undefined) v.deps = [...(v.deps as number[])].sort((a, b) => a - b);
    if (Array.isArray(v.deps) && v.deps.length === 0) delete v.deps;
    return v;
  });
}

export interface FreeCommResult {
  makespan: number;
  /** Finish time of each rank's last op. */
  perRank: number[];
  /** `rank:opId` of ops that never became runnable (a deadlock under free communication). */
  stuck: string[];
}

/**
 * Free-communication schedule (see the file comment). `ranks` limits the evaluation to some ranks; use it only
 * when those ranks talk to no one else (e.g. one rank of a trace without communication).
 */
export function freeCommSchedule(
  trace: Trace,
  opts: { computeNs?: (op: Op) => number; ranks?: number[] } = {},
): FreeCommResult {
  const ranks = opts.ranks ?? Array.from({ length: trace.ranks }, (_, i) => i);
  const prog = new Map<number, Op[]>();
  for (const p of trace.programs) for (const r of p.ranks) prog.set(r, p.ops);
  const dur = (op: Op): number => {
    if (op.kind === 'compute') {
      if (op.durationNs !== undefined) return op.durationNs;
      if (opts.computeNs) return opts.computeNs(op);
      throw new Error(`compute op ${op.id} has no duration and no computeNs was given`);
    }
    if (op.kind === 'wait') return op.durationNs;
    return 0;
  };

  interface RankState {
    ops: Op[];
    pending: Int32Array;
    ready: Float64Array;
    finish: Float64Array;
    succ: number[][];
    /** per op: collective instance key or p2p channel key */
    key: string[];
    done: number;
  }
  const st = new Map<number, RankState>();
  for (const r of ranks) {
    const ops = prog.get(r);
    if (!ops) throw new Error(`rank ${r} has no program`);
    const n = ops.length;
    const idx = new Map<number, number>();
    ops.forEach((o, i) => idx.set(o.id, i));
    const pending = new Int32Array(n);
    const succ: number[][] = Array.from({ length: n }, () => []);
    const lastOn = new Map<string, number>();
    const seq = new Map<string, number>();
    const key: string[] = new Array(n).fill('');
    ops.forEach((o, i) => {
      const preds = new Set<number>();
      for (const d of o.deps ?? []) {
        const j = idx.get(d);
        if (j === undefined) throw new Error(`rank ${r} op ${o.id}: unknown dep ${d}`);
        preds.add(j);
      }
      const s = streamOf(o);
      if (s !== null) {
        const p = lastOn.get(s);
        if (p !== undefined) preds.add(p);
        lastOn.set(s, i);
      }
      for (const j of preds) succ[j]!.push(i);
      pending[i] = preds.size;
      let k = '';
      if (o.kind === 'coll') {
        const b = blockOf(trace, o.group, r);
        k = `c|${o.group ?? 'world'}#${b.index}`;
      } else if (o.kind === 'send') k = `p|${r}>${globalPeer(trace, o, r)}|${o.tag ?? 0}`;
      else if (o.kind === 'recv') k = `p|${globalPeer(trace, o, r)}>${r}|${o.tag ?? 0}`;
      if (k !== '') {
        const c = seq.get(k) ?? 0;
        seq.set(k, c + 1);
        key[i] = `${k}|${c}`;
      }
    });
    st.set(r, { ops, pending, ready: new Float64Array(n), finish: new Float64Array(n).fill(NaN), succ, key, done: 0 });
  }

  // Cross-rank rendezvous: collective instances wait for every member; recvs wait for their send.
  const collWait = new Map<string, { members: number; arrived: { r: number; i: number; t: number }[] }>();
  const sendTime = new Map<string, number>();
  const recvWaiting = new Map<string, { r: number; i: number }>();
  const queue: { r: number; i: number }[] = [];

  const finish = (r: number, i: number, t: number): void => {
    const s = st.get(r)!;
    s.finish[i] = t;
    s.done++;
    for (const j of s.succ[i]!) {
      s.ready[j] = Math.max(s.ready[j]!, t);
      if (--s.pending[j]! === 0) queue.push({ r, i: j });
    }
  };
  for (const [r, s] of st) for (let i = 0; i < s.ops.length; i++) if (s.pending[i] === 0) queue.push({ r, i });

  while (queue.length > 0) {
    const { r, i } = queue.pop()!;
    const s = st.get(r)!;
    const op = s.ops[i]!;
    const t = s.ready[i]!;
    if (op.kind === 'coll') {
      const k = s.key[i]!;
      let w = collWait.get(k);
      if (!w) {
        w = { members: blockOf(trace, op.group, r).members.length, arrived: [] };
        collWait.set(k, w);
      }
      w.arrived.push({ r, i, t });
      if (w.arrived.length === w.members) {
        const end = Math.max(...w.arrived.map((a) => a.t));
        for (const a of w.arrived) finish(a.r, a.i, end);
        collWait.delete(k);
      }
    } else if (op.kind === 'send') {
      const k = s.key[i]!.replace(/^p\|/, '');
      sendTime.set(k, t);
      finish(r, i, t);
      const w = recvWaiting.get(k);
      if (w) {
        recvWaiting.delete(k);
        const ws = st.get(w.r)!;
        finish(w.r, w.i, Math.max(ws.ready[w.i]!, t));
      }
    } else if (op.kind === 'recv') {
      const k = s.key[i]!.replace(/^p\|/, '');
      const ts = sendTime.get(k);
      if (ts !== undefined) finish(r, i, Math.max(t, ts));
      else recvWaiting.set(k, { r, i });
    } else {
      finish(r, i, t + dur(op));
    }
  }

  const stuck: string[] = [];
  const perRank: number[] = [];
  let makespan = 0;
  for (const [r, s] of st) {
    let m = 0;
    for (let i = 0; i < s.ops.length; i++) {
      if (Number.isNaN(s.finish[i]!)) stuck.push(`${r}:${s.ops[i]!.id}`);
      else m = Math.max(m, s.finish[i]!);
    }
    perRank.push(m);
    makespan = Math.max(makespan, m);
  }
  return { makespan, perRank, stuck };
}

/** Ops per kind over every rank (a shared program counts once per rank). */
export function opCounts(trace: Trace): Record<string, number> {
  const c: Record<string, number> = {};
  for (const p of trace.programs) for (const o of p.ops) c[o.kind] = (c[o.kind] ?? 0) + p.ranks.length;
  return c;
}

/**
 * Planning: a collective on a group of NPUs becomes an ordered list of phases, each one operation (reduce-scatter,
 * all-gather, …) run by one algorithm inside "lines" of the group.
 *
 * - A group that is a full sub-grid of the topology (every combination of its per-dimension coordinates is a
 *   member; this includes the whole machine and any set of whole dimensions) runs one phase per dimension it spans,
 *   each phase inside the lines along that dimension, with the dimension's algorithm.
 * - Any other group (e.g. 6 NPUs of an 8-NPU dimension, or a scattered set) runs as one flat phase over all its
 *   members in the order given, with the first algorithm; messages are routed by the network model. So does any
 *   group when the algorithm is flat (ASTRA-sim's `oneRing`, `oneDirect`, `oneHalvingDoubling`).
 *
 * Phase order (sizes chain: a reduce-scatter leaves 1/p of the data, an all-gather multiplies it by p):
 * - all-reduce, `baseline`: all-reduce on each dimension, dim 0 first.
 * - all-reduce, `localBWAware`: reduce-scatter up the dimensions, all-reduce on the last, all-gather back down.
 * - reduce-scatter: dims ascending. All-gather: dims descending (the small data crosses the outer dimensions).
 * - all-to-all: dims ascending, each on the full buffer.
 * - broadcast: dims descending, lines through the root's coordinates below the dimension; reduce: the mirror.
 *
 * Every phase on dimension d runs in the rank's queue d (ASTRA-sim's queue per dimension), so a chunk's all-gather
 * on a dimension waits behind other chunks' reduce-scatters there; flat phases share one extra queue.
 */
import { strides, type Topology } from '../network/topology.ts';
import {
  CollectiveError, type AlgorithmSpec, type CollectiveOp, type Composition, type PhaseOp,
} from './types.ts';

export interface PhasePlan {
  op: PhaseOp;
  /** Topology dimension, or -1 for a flat phase over the whole group. */
  dim: number;
  algorithm: AlgorithmSpec;
  /** Members (indices into the group) of each line, in ring order. */
  lines: Int32Array[];
  /** Per member: its line, or -1 when the member sits this phase out (inactive broadcast/reduce lines). */
  lineOf: Int32Array;
  /** Per member: its position in its line. */
  posOf: Int32Array;
  /** Per member: the member after it in its line (ring order, wrapping), or -1. */
  next: Int32Array;
  /** Members per line (all lines of a phase have the same size). */
  size: number;
  /** Bytes entering this phase per rank, as a fraction of the chunk's bytes. */
  scale: number;
  /** Per-rank queue this phase runs in: its dimension, or `dims` for a flat phase. */
  queue: number;
  /** For broadcast/reduce: the root's position in each line. */
  rootPos?: Int32Array;
}

export interface CollectivePlan {
  op: CollectiveOp;
  phases: PhasePlan[];
  /** Number of per-rank queues: one per dimension plus one for flat phases. */
  queues: number;
}

export interface PlanRequest {
  op: CollectiveOp;
  /** Global NPU ids of the members, distinct. */
  group: readonly number[];
  /** One algorithm per topology dimension (or a single one used for every dimension). */
  algorithms: readonly AlgorithmSpec[];
  composition: Composition;
  /** Global NPU id of the root for broadcast/reduce. */
  root?: number;
}

export function planCollective(topo: Topology, req: PlanRequest): CollectivePlan {
  const D = topo.dims.length;
  const G = req.group.length;
  const queues = D + 1;
  const algoFor = (d: number): AlgorithmSpec => {
    const a = req.algorithms.length === 1 ? req.algorithms[0] : req.algorithms[d];
    if (!a) throw new CollectiveError(`no algorithm given for dimension ${d}: give one algorithm, or one per dimension (${D})`);
    return a;
  };
  if (req.algorithms.length !== 1 && req.algorithms.length !== D) {
    throw new CollectiveError(`${req.algorithms.length} algorithms given for a ${D}-dimensional topology; give one, or one per dimension`);
  }
  const seen = new Set<number>();
  for (const r of req.group) {
    if (!Number.isInteger(r) || r < 0 || r >= topo.npus) throw new CollectiveError(`group member ${r} is not an NPU of this ${topo.npus}-NPU topology`);
    if (seen.has(r)) throw new CollectiveError(`group member ${r} appears twice`);
    seen.add(r);
  }
  let rootMember = -1;
  if (req.op === 'broadcast' || req.op === 'reduce') {
    const root = req.root ?? req.group[0]!;
    rootMember = req.group.indexOf(root);
    if (rootMember < 0) throw new CollectiveError(`root ${root} is not a member of the group`);
  }
  const op: CollectiveOp = req.op;
  if (G <= 1) return { op, phases: [], queues };

  // per dimension: the distinct coordinates the group uses there (without materializing per-member arrays)
  const st = strides(topo);
  const coord = (r: number, d: number) => Math.floor(r / st[d]!) % topo.dims[d]!.npus;
  const used = topo.dims.map((_, d) => {
    const seenCoord = new Uint8Array(topo.dims[d]!.npus);
    for (const r of req.group) seenCoord[coord(r, d)] = 1;
    const u: number[] = [];
    seenCoord.forEach((v, x) => { if (v) u.push(x); });
    return u;
  });
  const product = used.reduce((acc, u) => acc * u.length, 1);
  const spanned = used.map((u, d) => (u.length > 1 ? d : -1)).filter((d) => d >= 0);

  const flat = req.algorithms.some((a) => a.flat === true);
  if (flat && req.algorithms.length !== 1) {
    throw new CollectiveError('a flat algorithm (oneRing, oneDirect, oneHalvingDoubling) runs over the whole group: give it alone, not one per dimension');
  }
  if (product !== G || flat) {
    // not a sub-grid (or a flat algorithm asked for): one flat phase in the given order
    const flatOp: PhaseOp = op === 'barrier' ? 'allreduce' : op;
    const line = Int32Array.from(req.group, (_, i) => i);
    const phase = makePhase(flatOp, -1, algoFor(0), [line], G, 1, D);
    if (rootMember >= 0) phase.rootPos = Int32Array.of(rootMember);
    return { op, phases: [phase], queues };
  }

  // member index of each NPU (-1: not a member), to build lines by stepping along a dimension
  const memberOf = new Int32Array(topo.npus).fill(-1);
  req.group.forEach((r, i) => { memberOf[r] = i; });
  const linesAlong = (d: number, active?: (r: number) => boolean): Int32Array[] => {
    const lines: Int32Array[] = [];
    const u = used[d]!;
    for (const r of req.group) {
      if (coord(r, d) !== u[0]) continue; // one line per member with the smallest coordinate in d
      if (active && !active(r)) continue;
      const line = new Int32Array(u.length);
      for (let j = 0; j < u.length; j++) line[j] = memberOf[r + (u[j]! - u[0]!) * st[d]!]!;
      lines.push(line);
    }
    return lines;
  };

  const phases: PhasePlan[] = [];
  const add = (pop: PhaseOp, d: number, scale: number, active?: (r: number) => boolean) => {
    const lines = linesAlong(d, active);
    const p = makePhase(pop, d, algoFor(d), lines, G, scale, d);
    phases.push(p);
    return p;
  };
  const n = (d: number) => used[d]!.length;

  switch (op) {
    case 'allreduce':
    case 'barrier': {
      if (req.composition === 'baseline' || spanned.length === 1) {
        for (const d of spanned) add('allreduce', d, 1);
      } else {
        let scale = 1;
        const up = spanned.slice(0, -1);
        const last = spanned[spanned.length - 1]!;
        for (const d of up) {
          add('reducescatter', d, scale);
          scale /= n(d);
        }
        add('allreduce', last, scale);
        for (const d of [...up].reverse()) {
          add('allgather', d, scale);
          scale *= n(d);
        }
      }
      break;
    }
    case 'reducescatter': {
      let scale = 1;
      for (const d of spanned) {
        add('reducescatter', d, scale);
        scale /= n(d);
      }
      break;
    }
    case 'allgather': {
      let scale = 1;
      for (const d of [...spanned].reverse()) {
        add('allgather', d, scale);
        scale *= n(d);
      }
      break;
    }
    case 'alltoall':
      for (const d of spanned) add('alltoall', d, 1);
      break;
    case 'broadcast':
    case 'reduce': {
      const root = req.group[rootMember]!;
      const order = op === 'broadcast' ? [...spanned].reverse() : spanned;
      for (const d of order) {
        // active lines: coordinates below d equal the root's
        const active = (r: number) => {
          for (let e = 0; e < d; e++) if (coord(r, e) !== coord(root, e)) return false;
          return true;
        };
        const p = add(op, d, 1, active);
        const rootPos = used[d]!.indexOf(coord(root, d));
        p.rootPos = Int32Array.from(p.lines, () => rootPos);
      }
      break;
    }
  }
  return { op, phases, queues };
}

function makePhase(
  op: PhaseOp, dim: number, algorithm: AlgorithmSpec, lines: Int32Array[], G: number, scale: number, queue: number,
): PhasePlan {
  const lineOf = new Int32Array(G).fill(-1);
  const posOf = new Int32Array(G).fill(-1);
  const next = new Int32Array(G).fill(-1);
  lines.forEach((line, l) => line.forEach((m, j) => {
    lineOf[m] = l;
    posOf[m] = j;
    next[m] = line[(j + 1) % line.length]!;
  }));
  return { op, dim, algorithm, lines, lineOf, posOf, next, size: lines[0]?.length ?? 0, scale, queue };
}

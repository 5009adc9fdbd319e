/**
 * Where the replay keeps each op's state, and what it sizes once: the slot layout (the ranks that share a program
 * side by side), the bases of the per-op arrays that only some ops need, the compute time factors per rank and op,
 * and how many collective instances a trace makes.
 */
import { createRng } from '../engine/index.ts';
import type { Compiled } from './replay-compile.ts';
import { K_COMPUTE, type ComputeOptions } from './replay-types.ts';
import { TraceError } from './trace.ts';
import type { ValidatedTrace } from './validate.ts';

export interface Layout {
  /**
   * Op i of rank r keeps its state at slot slotBase[r] + i·stride[r]: the k ranks that share a program sit side by
   * side (stride k), so ranks that run in step touch neighbouring cells. (Indexed by global op number, each rank's
   * current op sat on a page of its own: a cache and TLB miss per access in a 1,024-rank replay.)
   */
  slotBase: Int32Array;
  stride: Int32Array;
  /** The same for ops with two or more predecessors (Compiled.multiIndex), and their number over all ranks. */
  multiBase: Int32Array;
  multiTotal: number;
  /** Communication op i of rank r: commBase[r] + Compiled.commIndex[i] (length ranks + 1). */
  commBase: Int32Array;
}

export function layout(v: ValidatedTrace, progs: readonly Compiled[]): Layout {
  const R = v.trace.ranks;
  const slotBase = new Int32Array(R), stride = new Int32Array(R), multiBase = new Int32Array(R);
  let x = 0, xm = 0;
  for (const [pi, g] of v.programs.entries()) {
    const ranks = g.program.ranks, k = ranks.length;
    for (let j = 0; j < k; j++) {
      slotBase[ranks[j]!] = x + j;
      multiBase[ranks[j]!] = xm + j;
      stride[ranks[j]!] = k;
    }
    x += g.n * k;
    xm += progs[pi]!.multiCount * k;
  }
  const commBase = new Int32Array(R + 1);
  for (let r = 0; r < R; r++) commBase[r + 1] = commBase[r]! + progs[v.rankProgram[r]!]!.commCount;
  return { slotBase, stride, multiBase, multiTotal: xm, commBase };
}

/**
 * Compute time factors: per rank scale × straggler, and per compute op a jitter factor max(0, 1 + j·z) drawn in
 * program order from the rank's seeded stream (only when jitter is on; indexed by slot). A compute op then takes
 * round(base × factor[rank] × jitter[op]) ns, decided at issue.
 */
export function computeFactors(
  o: ComputeOptions, R: number, total: number, progs: readonly Compiled[], rankProgram: Int32Array, slot: (r: number, i: number) => number,
): { factor: Float64Array; jitter: Float64Array | null } {
  const scale = o.computeScale ?? 1;
  const jitter = o.jitter ?? 0;
  if (!(scale >= 0 && Number.isFinite(scale))) throw new TraceError(`compute scale must be a finite number ≥ 0, got ${scale}`);
  if (!(jitter >= 0 && Number.isFinite(jitter))) throw new TraceError(`jitter must be a finite number ≥ 0, got ${jitter}`);
  for (const [r, f] of o.stragglers ?? []) {
    if (!Number.isInteger(r) || r < 0 || r >= R) throw new TraceError(`straggler rank ${r} is not a rank of this ${R}-rank trace`);
    if (!(f > 0 && Number.isFinite(f))) throw new TraceError(`straggler factor for rank ${r} must be a positive number, got ${f}`);
  }
  const factor = new Float64Array(R);
  for (let r = 0; r < R; r++) factor[r] = scale * (o.stragglers?.get(r) ?? 1);
  if (jitter === 0) return { factor, jitter: null };
  const jit = new Float64Array(total).fill(1);
  for (let r = 0; r < R; r++) {
    const p = progs[rankProgram[r]!]!;
    const rng = createRng(o.seed ?? 1, `jitter/rank${r}`);
    for (let i = 0; i < p.g.n; i++) if (p.kind[i] === K_COMPUTE) jit[slot(r, i)] = Math.max(0, 1 + jitter * rng.normal(0, 1));
  }
  return { factor, jitter: jit };
}

/**
 * How many collective instances a trace makes: each has one op on every member of its group block, so a coll op
 * of a rank in a block of k members is 1/k of one.
 */
export function expectedCollectives(v: ValidatedTrace): number {
  const gt = v.groups;
  let n = 0;
  for (const g of v.programs) {
    const perGroup = new Map<number, number>();
    for (let i = 0; i < g.n; i++) {
      const gi = g.group[i]!;
      if (gi < 0) continue;
      let w = perGroup.get(gi);
      if (w === undefined) {
        w = 0;
        for (const r of g.program.ranks) {
          const b = gt.blockOf[gi]![r]!;
          if (b >= 0) w += 1 / gt.blocks[gi]![b]!.length;
        }
        perGroup.set(gi, w);
      }
      n += w;
    }
  }
  return Math.round(n);
}

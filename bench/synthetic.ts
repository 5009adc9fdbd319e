/**
 * Synthetic traces for benchmarks and tests: a data- and tensor-parallel training step with a known shape.
 *
 * `ranks` ranks, tensor-parallel groups of `tp` consecutive ranks (partition group `tp`) and data-parallel groups
 * of ranks with the same position in their TP group (partition group `dp`). Per rank, for each of `layers` layers:
 * forward compute, a TP all-reduce of the activations; then backward in reverse: compute, TP all-reduce, and
 * after every `dpEvery` layers a DP all-reduce of those layers' gradients (a bucket) on its own stream `dp`,
 * overlapping the next layers' backward compute. Every rank gets its own program (`shared: false`, as per-rank
 * files from a profiler would), or one program serves all (`shared: true`, SPMD). Ops per rank:
 * 4·layers + ⌈layers / dpEvery⌉.
 */
import type { Op, Trace } from '../src/workload/trace.ts';

export interface SyntheticSpec {
  ranks: number;
  tp: number;
  layers: number;
  shared?: boolean;
  /** Forward compute per layer, ns (backward is twice). */
  computeNs?: number;
  actBytes?: number;
  /** Gradient bytes per layer. */
  gradBytes?: number;
  /** Layers per data-parallel all-reduce bucket (default 1). */
  dpEvery?: number;
  /**
   * Vary each compute duration by up to ±`vary` (a fraction), deterministically per (rank, op), as measured
   * per-rank traces do (so per-rank programs differ and do not compress away). Needs `shared: false`. Default 0.
   */
  vary?: number;
}

/** A deterministic hash of two integers to [0, 1) (for duration variation without an RNG stream). */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

export function syntheticTrace(s: SyntheticSpec): Trace {
  const { ranks, tp, layers } = s;
  if (ranks % tp !== 0) throw new Error(`ranks ${ranks} is not a multiple of tp ${tp}`);
  const fwd = s.computeNs ?? 20_000;
  const act = s.actBytes ?? 4 * 2 ** 20;
  const grad = s.gradBytes ?? 16 * 2 ** 20;
  const dpEvery = s.dpEvery ?? 1;
  const tpGroups: number[][] = [];
  for (let b = 0; b < ranks / tp; b++) tpGroups.push(Array.from({ length: tp }, (_, i) => b * tp + i));
  const dpGroups: number[][] = [];
  for (let i = 0; i < tp; i++) dpGroups.push(Array.from({ length: ranks / tp }, (_, b) => b * tp + i));
  const vary = s.vary ?? 0;
  const program = (rank: number): Op[] => {
    const ops: Op[] = [];
    const dur = (base: number, id: number) => (vary > 0 ? Math.round(base * (1 + vary * (2 * hash01(rank, id) - 1))) : base);
    let id = 0;
    let prev = -1;
    for (let l = 0; l < layers; l++) {
      ops.push({ id, kind: 'compute', name: `L${l}.fwd`, durationNs: dur(fwd, id), ...(prev >= 0 ? { deps: [prev] } : {}) });
      id++;
      ops.push({ id, kind: 'coll', name: `L${l}.fwd.ar`, op: 'allreduce', group: 'tp', bytes: act, deps: [id - 1] });
      prev = id++;
    }
    let inBucket = 0;
    for (let l = layers - 1; l >= 0; l--) {
      ops.push({ id, kind: 'compute', name: `L${l}.bwd`, durationNs: dur(2 * fwd, id), deps: [prev] });
      const bwd = id++;
      ops.push({ id, kind: 'coll', name: `L${l}.bwd.ar`, op: 'allreduce', group: 'tp', bytes: act, deps: [bwd] });
      prev = id++;
      if (++inBucket === dpEvery || l === 0) {
        ops.push({ id, kind: 'coll', name: `L${l}.grad.ar`, op: 'allreduce', group: 'dp', bytes: grad * inBucket, stream: 'dp', deps: [bwd] });
        id++;
        inBucket = 0;
      }
    }
    return ops;
  };
  const programs = s.shared
    ? [{ ranks: Array.from({ length: ranks }, (_, r) => r), ops: program(0) }]
    : Array.from({ length: ranks }, (_, r) => ({ ranks: [r], ops: program(r) }));
  return {
    format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' },
    meta: { name: `synthetic ${ranks} ranks, tp ${tp}, ${layers} layers`, source: 'bench/synthetic.ts' },
    ranks, groups: { tp: tpGroups, dp: dpGroups }, programs,
  };
}

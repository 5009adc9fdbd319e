/**
 * Synthetic traces for benchmarks and tests: a data- and tensor-parallel training step with a known shape.
 *
 * `ranks` ranks, tensor-parallel groups of `tp` consecutive ranks (partition group `tp`) and data-parallel groups
 * of ranks with the same position in their TP group (partition group `dp`). Per rank, for each of `layers` layers:
 * forward compute, a TP all-reduce of the activations; then backward in reverse: compute, TP all-reduce, and a DP
 * all-reduce of the layer's gradients on its own stream `dp` (overlapping the next layer's backward compute).
 * Every rank gets its own program (`shared: false`, as per-rank files from a profiler would), or one program
 * serves all (`shared: true`, SPMD). Op count per rank: 5·layers.
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
  gradBytes?: number;
}

export function syntheticTrace(s: SyntheticSpec): Trace {
  const { ranks, tp, layers } = s;
  if (ranks % tp !== 0) throw new Error(`ranks ${ranks} is not a multiple of tp ${tp}`);
  const fwd = s.computeNs ?? 20_000;
  const act = s.actBytes ?? 4 * 2 ** 20;
  const grad = s.gradBytes ?? 16 * 2 ** 20;
  const tpGroups: number[][] = [];
  for (let b = 0; b < ranks / tp; b++) tpGroups.push(Array.from({ length: tp }, (_, i) => b * tp + i));
  const dpGroups: number[][] = [];
  for (let i = 0; i < tp; i++) dpGroups.push(Array.from({ length: ranks / tp }, (_, b) => b * tp + i));
  const program = (): Op[] => {
    const ops: Op[] = [];
    let id = 0;
    let prev = -1;
    for (let l = 0; l < layers; l++) {
      ops.push({ id, kind: 'compute', name: `L${l}.fwd`, durationNs: fwd, ...(prev >= 0 ? { deps: [prev] } : {}) });
      id++;
      ops.push({ id, kind: 'coll', name: `L${l}.fwd.ar`, op: 'allreduce', group: 'tp', bytes: act, deps: [id - 1] });
      prev = id++;
    }
    for (let l = layers - 1; l >= 0; l--) {
      ops.push({ id, kind: 'compute', name: `L${l}.bwd`, durationNs: 2 * fwd, deps: [prev] });
      id++;
      ops.push({ id, kind: 'coll', name: `L${l}.bwd.ar`, op: 'allreduce', group: 'tp', bytes: act, deps: [id - 1] });
      id++;
      ops.push({ id, kind: 'coll', name: `L${l}.grad.ar`, op: 'allreduce', group: 'dp', bytes: grad, stream: 'dp', deps: [id - 2] });
      prev = id - 1;
      id++;
    }
    return ops;
  };
  const programs = s.shared
    ? [{ ranks: Array.from({ length: ranks }, (_, r) => r), ops: program() }]
    : Array.from({ length: ranks }, (_, r) => ({ ranks: [r], ops: program() }));
  return {
    format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' },
    meta: { name: `synthetic ${ranks} ranks, tp ${tp}, ${layers} layers`, source: 'bench/synthetic.ts' },
    ranks, groups: { tp: tpGroups, dp: dpGroups }, programs,
  };
}

/**
 * Sizes of work, estimated before a run so that a typo (`-c 1000000000`, `-t switch:1048576`,
 * `--set model.layers=1e15`, `--passes 100000`) is refused at once with the estimate and the flag that allows it,
 * instead of running for minutes into gigabytes. Every estimate is a LOWER bound on the events (or ops) the work
 * needs, so it never refuses work that would fit; what it underestimates, the engine's own cap (`maxEvents`) stops
 * during the run.
 */
import type { AlgorithmSpec, CollectiveOp } from '../collectives/index.ts';
import type { Topology } from '../network/index.ts';
import type { WorkloadSpec } from '../workload/generators/spec.ts';

/**
 * Messages one rank sends in one dimension of p NPUs for one chunk, at least: ring and direct take p−1 steps per
 * reduce-scatter or all-gather (all-reduce both, 2(p−1)); halving-doubling ⌈log2 p⌉ (all-reduce twice); a double
 * binary tree (p−1)/p (twice for all-reduce); all-to-all p−1 with any algorithm. (Broadcast and reduce: see {@link estimateCollectiveEvents}.)
 */
function stepsPerRank(op: CollectiveOp, algo: AlgorithmSpec | undefined, p: number): number {
  if (p <= 1) return 0;
  if (op === 'alltoall') return p - 1;
  const twice = op === 'allreduce' || op === 'barrier' ? 2 : 1;
  const name = algo?.name ?? 'ring';
  // a double binary tree moves each chunk once per edge: p−1 messages for p ranks, (p−1)/p per rank
  const per = name === 'ring' || name === 'direct' ? p - 1 : name === 'doubleBinaryTree' ? (p - 1) / p : Math.ceil(Math.log2(p));
  return twice * per;
}

/**
 * At least how many messages (each one event or more) a collective in which every NPU of `topology` takes part needs:
 * chunks × NPUs × Σ over dimensions of each rank's steps. For ring on a torus this is exact (torus:4x4x4 all-reduce,
 * one chunk: 64 × (6 + 6 + 6) = 1,152, as `orrery collective` reports); a flat algorithm (`oneRing`) is counted
 * per dimension, which is less than its flat p−1.
 */
export function estimateCollectiveEvents(
  topology: Topology, op: CollectiveOp, algorithms: readonly AlgorithmSpec[], chunks: number,
): number {
  // broadcast and reduce: every rank but the root receives (or sends) each chunk at least once
  if (op === 'broadcast' || op === 'reduce') return Math.max(1, chunks) * (topology.npus - 1);
  let perRank = 0;
  topology.dims.forEach((d, i) => {
    perRank += stepsPerRank(op, algorithms[Math.min(i, algorithms.length - 1)], d.npus);
  });
  return Math.max(1, chunks) * topology.npus * perRank;
}

/**
 * At least how many ops a generated workload has: training, every rank runs a forward and a backward op for each of
 * its layers (layers / pp) and each microbatch (globalBatch / (microBatch × dp)); inference, every rank runs each
 * layer once per pass (prefill, and one per decoded token). Ranks = tp × pp × dp.
 */
export function estimateWorkloadOps(spec: WorkloadSpec, mode: 'train' | 'infer'): number {
  const layers = spec.model.layers;
  if (mode === 'train' && spec.training) {
    const t = spec.training;
    const { tp, pp, dp } = t.parallel;
    const micro = t.globalBatch / (t.microBatch * dp);
    return tp * pp * dp * Math.max(1, layers / pp) * Math.max(1, micro) * 2;
  }
  if (spec.inference) {
    const inf = spec.inference;
    const passes = (inf.phase === 'decode' ? 0 : 1) + (inf.phase === 'prefill' ? 0 : inf.decode);
    return inf.parallel.tp * inf.parallel.dp * layers * Math.max(1, passes);
  }
  return layers;
}

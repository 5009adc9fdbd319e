/**
 * Vocabulary of the collectives layer: operations, algorithm names, and the system knobs (ASTRA-sim's, with the
 * same meaning) that shape how a collective becomes chunks, phases and messages.
 */

export type CollectiveOp = 'allreduce' | 'reducescatter' | 'allgather' | 'alltoall' | 'broadcast' | 'reduce' | 'barrier';
export const COLLECTIVE_OPS: readonly CollectiveOp[] = [
  'allreduce', 'reducescatter', 'allgather', 'alltoall', 'broadcast', 'reduce', 'barrier',
];

/** What one phase does inside one dimension (or a flat group). */
export type PhaseOp = 'allreduce' | 'reducescatter' | 'allgather' | 'alltoall' | 'broadcast' | 'reduce';

export type AlgorithmName = 'ring' | 'direct' | 'halvingDoubling' | 'doubleBinaryTree';
export const ALGORITHM_NAMES: readonly AlgorithmName[] = ['ring', 'direct', 'halvingDoubling', 'doubleBinaryTree'];

/**
 * An algorithm choice for one dimension; `window` bounds `direct`'s messages in flight per rank. `flat` runs it as
 * one phase over the whole group in NPU order, ignoring dimensions (ASTRA-sim's `oneRing`, `oneDirect`, …).
 */
export interface AlgorithmSpec {
  name: AlgorithmName;
  window?: number;
  flat?: boolean;
}

export type Composition = 'baseline' | 'localBWAware';
export const COMPOSITIONS: readonly Composition[] = ['baseline', 'localBWAware'];

export type SchedulingPolicy = 'FIFO' | 'LIFO';
export type Flavor = 'native' | 'astra';

/**
 * System knobs. The defaults give the textbook closed forms: one chunk, no endpoint delay, free reductions.
 * ASTRA-sim's system file sets the same knobs (`preferred-dataset-splits`, `active-chunks-per-dimension`,
 * `endpoint-delay`, `local-mem-bw`, `scheduling-policy`, `collective-optimization`).
 */
export interface SystemOptions {
  /** Chunks a collective is split into (ASTRA-sim `preferred-dataset-splits`). */
  chunks: number;
  /** Chunks one rank runs at once in one dimension's queue (ASTRA-sim `active-chunks-per-dimension`). */
  activeChunksPerDim: number;
  /**
   * Delay a rank pays to take in each received message, and once before the first send of each phase it opens
   * with a send, ns (ASTRA-sim `endpoint-delay`).
   */
  endpointDelayNs: number;
  /** Local memory bandwidth for reductions, GB/s (1e9 B/s): a reducing step costs 3·m/L. Infinity = free. */
  localMemBwGBps: number;
  /**
   * Priority between collectives waiting in one queue: FIFO favours the earlier collective, LIFO the later one.
   * Chunks of one collective always keep their order.
   */
  scheduling: SchedulingPolicy;
  /** How a multi-dimensional all-reduce is composed. */
  composition: Composition;
  /**
   * `native`: Orrery's own arithmetic (fractional chunk and message sizes, each delay rounded once to the nearest
   * ns). `astra`: ASTRA-sim 2.0's, to reproduce its numbers: integer chunk and message sizes (⌊S/k⌋ raised to the
   * NPU count, ⌊D/N⌋), truncated delays (3·⌊m/L⌋), and its algorithm quirks (see each algorithm).
   */
  flavor: Flavor;
}

export const DEFAULT_SYSTEM: SystemOptions = {
  chunks: 1,
  activeChunksPerDim: 1,
  endpointDelayNs: 0,
  localMemBwGBps: Infinity,
  scheduling: 'FIFO',
  composition: 'localBWAware',
  flavor: 'native',
};

/** An input that cannot be simulated as asked. The message names the problem and the valid choices. */
export class CollectiveError extends Error {
  override name = 'CollectiveError';
}

/** nccl-tests bus-bandwidth factor for an operation on p ranks (PEERS.md §6). */
export function busBwFactor(op: CollectiveOp, p: number): number {
  switch (op) {
    case 'allreduce':
      return (2 * (p - 1)) / p;
    case 'reducescatter':
    case 'allgather':
    case 'alltoall':
      return (p - 1) / p;
    case 'broadcast':
    case 'reduce':
      return 1;
    case 'barrier':
      return 0;
  }
}

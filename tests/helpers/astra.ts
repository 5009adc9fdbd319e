/**
 * ASTRA-sim's closed forms, written out independently of the simulator for parity tests. Sources:
 * reference/ASTRA-SIM.md §1 and §3 (verified against its binaries), and the system-layer notes
 * (/work/notes/astra-system-layer.md §2, §5) for the per-algorithm step counts and which receives reduce.
 * All for the congestion-unaware backend with one dimension, where every rank is alike.
 */
import { join } from 'node:path';
import { makeTopology, type DimensionKind, type Topology } from '../../src/network/index.ts';
import { FIXTURES } from './fixtures.ts';

export const ASTRA = join(FIXTURES, 'astra-sim');
export const CASES = join(ASTRA, 'v2', 'cases');
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** ASTRA-sim's bandwidth in bytes per ns: `bw · 2^30 / 10^9` (astra-network-analytical `bw_GBps_to_Bpns`). */
export const astraB = (gbps: number): number => (gbps * 1073741824) / 1e9;

/** A 1-D topology as an ASTRA-sim network file would describe it (GB/s of 2^30 B). */
export function astraTopology(kind: DimensionKind, npus: number, gbps = 50, latencyNs = 500): Topology {
  return makeTopology([{ kind, npus, bandwidthGBps: astraB(gbps), latencyNs }]);
}

export interface AstraParams {
  kind: DimensionKind;
  n: number;
  /** Bytes per rank (all-gather: input). */
  bytes: number;
  k: number;
  /** Active chunks per dimension. */
  active?: number;
  e?: number;
  /** local-mem-bw, GB/s of 1e9 B. */
  L?: number;
  gbps?: number;
  alpha?: number;
}

/** Hops between positions at distance `dist` in a dimension: ring the shorter way, fully connected 1, switch 2. */
export function hops(kind: DimensionKind, n: number, dist: number): number {
  if (kind === 'ring') return Math.min(dist, n - dist);
  return kind === 'switch' ? 2 : 1;
}

/** One message: ⌊hops·α + m/B⌋. */
export function T(p: AstraParams, dist: number, m: number): number {
  return Math.floor(hops(p.kind, p.n, dist) * (p.alpha ?? 500) + m / astraB(p.gbps ?? 50));
}

/** A reduction: 3·⌊m / (L·10^9) · 10^9⌋ (two reads and a write, `PacketBundle`). */
export function R(p: AstraParams, m: number): number {
  return 3 * Math.floor((m / ((p.L ?? 1600) * 1e9)) * 1e9);
}

/** Chunks: ⌊S/k⌋ raised to the NPU count except for all-gather; as many chunks of that size as cover S. */
export function chunking(p: AstraParams, op: string): { count: number; c: number } {
  let size = p.bytes;
  let c = Math.floor(size / p.k);
  if (op !== 'allgather' && p.n > c) {
    c = p.n;
    size = p.k * c;
  }
  return { count: Math.ceil(size / c), c };
}

/** Total time: chunks run `active` at a time, each taking `perChunk` (unaware: chunks never contend). */
function total(p: AstraParams, op: string, perChunk: (c: number) => number): number {
  const { count, c } = chunking(p, op);
  return Math.ceil(count / (p.active ?? 1)) * perChunk(c);
}

/** Ring (ASTRA-SIM.md §1; notes §5.1). */
export function ringTime(p: AstraParams, op: string): number {
  const N = p.n, e = p.e ?? 10;
  return total(p, op, (c) => {
    const m = Math.floor(c / N);
    switch (op) {
      case 'allreduce': return 2 * (N - 1) * (T(p, 1, m) + e) + (N - 1) * R(p, m) + e;
      case 'reducescatter': return (N - 1) * (T(p, 1, m) + e + R(p, m)) + e;
      case 'allgather': return (N - 1) * (T(p, 1, c) + e) + e;
      case 'alltoall': return ((N * (N - 1)) / 2) * (T(p, 1, m) + e) + e;
      default: throw new Error(op);
    }
  });
}

/** Direct with no window on a switch or fully connected dimension (every peer at the same distance; notes §5.2). */
export function directTime(p: AstraParams, op: string): number {
  if (p.kind === 'ring') throw new Error('direct on a ring has no closed form here (peers at different distances)');
  const N = p.n, e = p.e ?? 10;
  return total(p, op, (c) => {
    const m = Math.floor(c / N);
    switch (op) {
      case 'allreduce': return 2 * T(p, 1, m) + 3 * e + R(p, m);
      case 'reducescatter': return T(p, 1, m) + 2 * e + R(p, m);
      case 'allgather': return T(p, 1, c) + 2 * e;
      case 'alltoall': return T(p, 1, m) + 2 * e;
      default: throw new Error(op);
    }
  });
}

/**
 * Halving-doubling (ASTRA-SIM.md §1: reduction charged on the c/4 … c/2^n steps only; notes §5.3): round i of
 * the reduce-scatter half sends ⌊D/2^i⌋ to the partner 2^(i−1) away; the all-gather half mirrors it.
 * AR = Σ T (both halves) + (2n+1)e + Σ_{i=2..n} R(D/2^i); RS = Σ T + (n+1)e + Σ_{i=2..n} R(D/2^i); AG = Σ_{i<n} T(D·2^i) + (n+1)e.
 */
export function hdTime(p: AstraParams, op: string): number {
  const N = p.n, e = p.e ?? 10;
  const n = Math.round(Math.log2(N));
  return total(p, op, (c) => {
    let t = 0;
    if (op === 'allgather') {
      for (let i = 0; i < n; i++) t += T(p, N >> (i + 1), c * 2 ** i);
      return t + (n + 1) * e;
    }
    let red = 0;
    for (let i = 1; i <= n; i++) {
      const m = Math.floor(c / 2 ** i);
      t += T(p, 2 ** (i - 1), m);
      if (i >= 2) red += R(p, m);
    }
    if (op === 'allreduce') {
      // the all-gather half doubles the last (truncated) message back up: 2^j·⌊D/2^n⌋ to the partner 2^(n−1−j) away
      const last = Math.floor(c / 2 ** n);
      let up = 0;
      for (let j = 0; j < n; j++) up += T(p, 2 ** (n - 1 - j), last * 2 ** j);
      return t + up + (2 * n + 1) * e + red;
    }
    if (op === 'reducescatter') return t + (n + 1) * e + red;
    throw new Error(op);
  });
}

/**
 * Logical multi-dimensional topologies (ASTRA-sim's form): a list of dimensions, dim 0 varying fastest, each a
 * bidirectional `ring`, a `fullyConnected` clique or a `switch`, with its own link bandwidth and latency.
 * NPU ids are mixed-radix numbers over the dimensions: id = c0 + n0·(c1 + n1·(c2 + …)).
 */
import type { ClusterInfo } from './cluster.ts';
import { RANGES, rangeProblem } from '../units/index.ts';
import type { PhysicalSpec } from './physical/spec.ts';

export type DimensionKind = 'ring' | 'fullyConnected' | 'switch';
export const DIMENSION_KINDS: readonly DimensionKind[] = ['ring', 'fullyConnected', 'switch'];

export interface Dimension {
  kind: DimensionKind;
  /** NPUs along this dimension (≥ 1). */
  npus: number;
  /** Per link, per direction; 1 GB = 10^9 B. */
  bandwidthGBps: number;
  /** Per link (per hop). */
  latencyNs: number;
}

export interface Topology {
  name: string;
  dims: readonly Dimension[];
  /** Product of the dimensions' NPU counts. */
  npus: number;
  /**
   * The physical network the `flow` model runs on (physical/spec.ts); absent: the dimensions mapped to links.
   * Attach with `withPhysical`, which checks it.
   */
  physical?: PhysicalSpec;
  /** GPU-cluster facts (link types, efficiencies, NICs, NVLS) for the NCCL-like model; absent on abstract topologies. */
  cluster?: ClusterInfo;
}

/** An input that does not describe a valid topology. */
export class TopologyError extends Error {
  override name = 'TopologyError';
}

/** Builds a topology from dimensions, checking every field. `where` prefixes error messages (a file name). */
export function makeTopology(dims: readonly Dimension[], name = describeDims(dims), where = 'topology'): Topology {
  if (dims.length === 0) throw new TopologyError(`${where}: needs at least one dimension`);
  let npus = 1;
  dims.forEach((d, i) => {
    const at = `${where}: dimension ${i}`;
    if (!DIMENSION_KINDS.includes(d.kind)) {
      throw new TopologyError(`${at}: unknown kind "${String(d.kind)}"; expected one of: ${DIMENSION_KINDS.join(', ')}`);
    }
    if (!Number.isInteger(d.npus) || d.npus < 1) throw new TopologyError(`${at}: npus must be a positive integer, got ${d.npus}`);
    // the documented ranges (units/ranges.ts): times stay exact integer ns
    const bw = rangeProblem(d.bandwidthGBps, RANGES.bandwidthGBps);
    if (bw !== undefined) throw new TopologyError(`${at}: bandwidthGBps ${bw}`);
    const lat = rangeProblem(d.latencyNs, RANGES.latencyNs);
    if (lat !== undefined) throw new TopologyError(`${at}: latencyNs ${lat}`);
    npus *= d.npus;
  });
  if (npus > 2 ** 24) throw new TopologyError(`${where}: ${npus} NPUs is more than Orrery supports (16,777,216)`);
  return { name, dims: dims.map((d) => ({ ...d })), npus };
}

const SHORT: Record<DimensionKind, string> = { ring: 'ring', fullyConnected: 'fc', switch: 'switch' };

/** `ring:8,switch:16` style description. */
/**
 * Per-dimension tables the α-β models read on their hot path, indexed by dimension: `kinds` as a code (the index of
 * the kind in {@link DIMENSION_KINDS}: 0 ring, 1 fully connected, 2 switch), `sizes` in NPUs, `lat` in ns and `bw` in
 * bytes per ns (1 GB/s = 1 B/ns).
 */
export function dimensionTables(topo: Topology): { kinds: Int32Array; sizes: Int32Array; lat: Float64Array; bw: Float64Array } {
  const dims = topo.dims;
  return {
    kinds: Int32Array.from(dims, (d) => DIMENSION_KINDS.indexOf(d.kind)),
    sizes: Int32Array.from(dims, (d) => d.npus),
    lat: Float64Array.from(dims, (d) => d.latencyNs),
    bw: Float64Array.from(dims, (d) => d.bandwidthGBps),
  };
}

export function describeDims(dims: readonly Dimension[]): string {
  return dims.map((d) => `${SHORT[d.kind]}:${d.npus}`).join(',');
}

/** Stride of each dimension in NPU ids: stride[0] = 1, stride[d] = n0·…·n(d-1). */
export function strides(topo: Topology): number[] {
  const s: number[] = [];
  let acc = 1;
  for (const d of topo.dims) {
    s.push(acc);
    acc *= d.npus;
  }
  return s;
}

/** Coordinate of `npu` along dimension `d`. */
export function coordinate(topo: Topology, npu: number, d: number): number {
  let x = npu;
  for (let i = 0; i < d; i++) x = Math.floor(x / topo.dims[i]!.npus);
  return x % topo.dims[d]!.npus;
}

/** All coordinates of `npu`, dim 0 first. */
export function coordinates(topo: Topology, npu: number): number[] {
  const c: number[] = [];
  let x = npu;
  for (const d of topo.dims) {
    c.push(x % d.npus);
    x = Math.floor(x / d.npus);
  }
  return c;
}

/** Hops between positions a and b of one dimension: ring takes the shorter way round; a switch is two hops. */
export function dimensionHops(kind: DimensionKind, n: number, a: number, b: number): number {
  if (a === b) return 0;
  switch (kind) {
    case 'ring': {
      const d = Math.abs(a - b);
      return Math.min(d, n - d);
    }
    case 'fullyConnected':
      return 1;
    case 'switch':
      return 2;
  }
}

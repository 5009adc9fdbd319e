/**
 * The optional `physical` section of a topology: which physical network the logical dimensions run on, for the
 * `flow` model. Without it, the logical dimensions themselves are mapped to links (family `logical`).
 *
 * | family          | what it is                                                                          |
 * |-----------------|-------------------------------------------------------------------------------------|
 * | `logical`       | each logical dimension as links: ring (a link each way between neighbours), switch (a switch with an up and a down link per NPU), fully connected (a link per ordered pair); routed dimension by dimension |
 * | `torus`         | a torus or mesh of any dimension (wraparound per dimension), dimension-order routing |
 * | `fatTree`       | two- or three-tier fat-tree/Clos with oversubscription, ECMP by a hash of (src, dst) |
 * | `railOptimized` | GPU nodes on an NVSwitch each, one NIC per GPU to a per-rail leaf, spines above      |
 *
 * Every family also takes `injectionGBps`: a cap on each NPU's total sending rate (an extra link in front of every
 * route). Validation happens once, when the topology is loaded; errors name the file and the field.
 */
import { TopologyError, type Dimension, type Topology } from '../topology.ts';
import { RANGES, rangeProblem, type NumericRange } from '../../units/index.ts';

export type PhysicalFamily = 'logical' | 'torus' | 'fatTree' | 'railOptimized';
export const PHYSICAL_FAMILIES: readonly PhysicalFamily[] = ['logical', 'torus', 'fatTree', 'railOptimized'];

interface Common {
  /** Cap on each NPU's total injection rate, GB/s; undefined = no cap beyond its links. */
  injectionGBps?: number;
}

export interface LogicalSpec extends Common {
  family: 'logical';
}

export interface TorusSpec extends Common {
  family: 'torus';
  /** NPUs per dimension, dim 0 varying fastest in NPU ids. */
  dims: number[];
  /** Per dimension: true for a ring (torus), false for a line (mesh). */
  wraparound: boolean[];
  /** Per dimension, per link per direction. */
  bandwidthGBps: number[];
  latencyNs: number[];
}

export interface FatTreeSpec extends Common {
  family: 'fatTree';
  tiers: 2 | 3;
  /** NPUs on each leaf (top-of-rack) switch. */
  npusPerLeaf: number;
  /** NPU–leaf link bandwidth, per direction. */
  hostLinkGBps: number;
  /** Every link's latency. */
  latencyNs: number;
  /** At the leaves: downlink bandwidth / uplink bandwidth (2 = 2:1). */
  oversubscription: number;
  /** Two tiers: spine switches; every leaf has one link (each way) to every spine. */
  spines: number;
  /** Three tiers: leaves per pod. */
  leavesPerPod: number;
  /** Three tiers: aggregation switches per pod; every leaf of the pod links to each. */
  aggsPerPod: number;
  /** Three tiers: core switches each aggregation switch links to (core group j serves agg j of every pod). */
  coresPerAgg: number;
  /** Three tiers: at the aggregation switches, downlink / uplink bandwidth. */
  podOversubscription: number;
}

export interface RailOptimizedSpec extends Common {
  family: 'railOptimized';
  nodes: number;
  gpusPerNode: number;
  /** GPU–NVSwitch bandwidth per GPU per direction, and latency per hop. */
  nvlinkGBps: number;
  nvlinkLatencyNs: number;
  /** NIC (GPU–rail leaf) bandwidth per direction, and latency per hop. */
  nicGBps: number;
  nicLatencyNs: number;
  /** Nodes under one rail leaf (a scalable unit); nodes / nodesPerLeaf leaves per rail. */
  nodesPerLeaf: number;
  /** Spine switches; every leaf has one link (each way) to every spine. 0 when one leaf per rail suffices. */
  spines: number;
  /** Leaf downlink / uplink bandwidth. */
  oversubscription: number;
  spineLinkGBps: number;
  spineLatencyNs: number;
}

export type PhysicalSpec = LogicalSpec | TorusSpec | FatTreeSpec | RailOptimizedSpec;

type Raw = Record<string, unknown>;

class Fields {
  constructor(private readonly o: Raw, private readonly at: string) {}

  private fail(key: string, expected: string): never {
    const v = this.o[key];
    throw new TopologyError(`${this.at}.${key}: expected ${expected}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  }

  has(key: string): boolean {
    return this.o[key] !== undefined;
  }

  /** A bandwidth (a key ending in GBps) or a factor, in its documented range (units/ranges.ts). */
  positive(key: string, dflt?: number): number {
    const v = this.o[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) this.fail(key, 'a positive number');
    return this.ranged(key, v, key.endsWith('GBps') ? RANGES.bandwidthGBps : RANGES.factor);
  }

  /** A latency, in its documented range. */
  nonNegative(key: string, dflt?: number): number {
    const v = this.o[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) this.fail(key, 'a non-negative number');
    return this.ranged(key, v, RANGES.latencyNs);
  }

  private ranged(key: string, v: number, range: NumericRange): number {
    const p = rangeProblem(v, range);
    if (p !== undefined) throw new TopologyError(`${this.at}.${key} ${p}`);
    return v;
  }

  int(key: string, min: number, dflt?: number): number {
    const v = this.o[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(key, `an integer ≥ ${min}`);
    return v;
  }

  /** A number or a list of numbers, one per dimension. */
  perDim(key: string, n: number, check: (x: number) => boolean, what: string, dflt?: number[]): number[] {
    const v = this.o[key];
    if (v === undefined && dflt) return dflt;
    if (typeof v === 'number' && check(v)) return Array.from({ length: n }, () => v);
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && check(x))) return v as number[];
    return this.fail(key, `${what}, or a list of ${n} (one per dimension)`);
  }

  bools(key: string, n: number, dflt: boolean): boolean[] {
    const v = this.o[key];
    if (v === undefined) return Array.from({ length: n }, () => dflt);
    if (typeof v === 'boolean') return Array.from({ length: n }, () => v);
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'boolean')) return v as boolean[];
    return this.fail(key, `true, false, or a list of ${n} booleans (one per dimension)`);
  }

  only(keys: readonly string[]): void {
    const bad = Object.keys(this.o).filter((k) => !keys.includes(k) && k !== 'note');
    if (bad.length > 0) throw new TopologyError(`${this.at}: unknown key "${bad[0]}"; expected ${keys.join(', ')} (and an optional note)`);
  }
}

const COMMON = ['family', 'injectionGBps'];

/**
 * Checks a raw `physical` section against the logical dimensions and returns it with every default filled in.
 * `where` names the file (or `--topology`); errors read `<where>: physical.<field>: expected …, got …`.
 */
export function checkPhysicalSpec(raw: unknown, dims: readonly Dimension[], where: string): PhysicalSpec {
  const at = `${where}: physical`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TopologyError(`${at}: expected an object like { "family": "fatTree", … }, got ${JSON.stringify(raw)}`);
  }
  const o = raw as Raw;
  const f = new Fields(o, at);
  const npus = dims.reduce((acc, d) => acc * d.npus, 1);
  const family = o.family;
  if (typeof family !== 'string' || !PHYSICAL_FAMILIES.includes(family as PhysicalFamily)) {
    throw new TopologyError(`${at}.family: expected one of ${PHYSICAL_FAMILIES.join(', ')}; got ${JSON.stringify(family)}`);
  }
  const common: Common = f.has('injectionGBps') ? { injectionGBps: f.positive('injectionGBps') } : {};
  const mismatch = (n: number, what: string) =>
    new TopologyError(`${at}: ${what} make ${n} NPUs, but the dimensions make ${npus}; they must describe the same NPUs`);

  switch (family as PhysicalFamily) {
    case 'logical':
      f.only(COMMON);
      return { family: 'logical', ...common };

    case 'torus': {
      f.only([...COMMON, 'dims', 'wraparound', 'bandwidthGBps', 'latencyNs']);
      let sizes: number[];
      let bw: number[] | undefined;
      let lat: number[] | undefined;
      if (f.has('dims')) {
        const v = o.dims;
        if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && (x as number) >= 1)) {
          throw new TopologyError(`${at}.dims: expected a non-empty list of positive integers (NPUs per dimension), got ${JSON.stringify(v)}`);
        }
        sizes = v as number[];
      } else {
        if (!dims.every((d) => d.kind === 'ring')) {
          throw new TopologyError(`${at}.dims: required unless every logical dimension is a ring (then the torus takes their sizes)`);
        }
        sizes = dims.map((d) => d.npus);
        bw = dims.map((d) => d.bandwidthGBps);
        lat = dims.map((d) => d.latencyNs);
      }
      const n = sizes.length;
      const product = sizes.reduce((a, b) => a * b, 1);
      if (product !== npus) throw mismatch(product, `dims ${sizes.join('x')}`);
      return {
        family: 'torus',
        ...common,
        dims: sizes,
        wraparound: f.bools('wraparound', n, true),
        bandwidthGBps: f.perDim('bandwidthGBps', n, (x) => rangeProblem(x, RANGES.bandwidthGBps) === undefined, `a number from ${RANGES.bandwidthGBps.min} to ${RANGES.bandwidthGBps.max} GB/s`, bw),
        latencyNs: f.perDim('latencyNs', n, (x) => rangeProblem(x, RANGES.latencyNs) === undefined, `a number from 0 to ${RANGES.latencyNs.max} ns`, lat),
      };
    }

    case 'fatTree': {
      f.only([...COMMON, 'tiers', 'npusPerLeaf', 'hostLinkGBps', 'latencyNs', 'oversubscription', 'spines', 'leavesPerPod', 'aggsPerPod', 'coresPerAgg', 'podOversubscription']);
      const tiers = f.int('tiers', 2, 2);
      if (tiers !== 2 && tiers !== 3) throw new TopologyError(`${at}.tiers: expected 2 or 3, got ${tiers}`);
      const npusPerLeaf = f.int('npusPerLeaf', 1);
      if (npus % npusPerLeaf !== 0) {
        throw new TopologyError(`${at}.npusPerLeaf: ${npusPerLeaf} does not divide the ${npus} NPUs of the dimensions`);
      }
      const leaves = npus / npusPerLeaf;
      const oversubscription = f.positive('oversubscription', 1);
      const fanout = Math.max(1, Math.round(npusPerLeaf / oversubscription));
      const spec: FatTreeSpec = {
        family: 'fatTree', ...common, tiers,
        npusPerLeaf,
        hostLinkGBps: f.positive('hostLinkGBps'),
        latencyNs: f.nonNegative('latencyNs'),
        oversubscription,
        spines: 0, leavesPerPod: 0, aggsPerPod: 0, coresPerAgg: 0, podOversubscription: 1,
      };
      if (tiers === 2) {
        for (const k of ['leavesPerPod', 'aggsPerPod', 'coresPerAgg', 'podOversubscription']) {
          if (f.has(k)) throw new TopologyError(`${at}.${k}: applies to three tiers only; this fat-tree has "tiers": 2`);
        }
        spec.spines = f.int('spines', 1, fanout);
      } else {
        if (f.has('spines')) throw new TopologyError(`${at}.spines: a three-tier fat-tree has aggsPerPod and coresPerAgg instead`);
        spec.leavesPerPod = f.int('leavesPerPod', 1);
        if (leaves % spec.leavesPerPod !== 0) {
          throw new TopologyError(`${at}.leavesPerPod: ${spec.leavesPerPod} does not divide the ${leaves} leaves (${npus} NPUs / ${npusPerLeaf} per leaf)`);
        }
        spec.aggsPerPod = f.int('aggsPerPod', 1, fanout);
        spec.podOversubscription = f.positive('podOversubscription', 1);
        spec.coresPerAgg = f.int('coresPerAgg', 1, Math.max(1, Math.round(spec.leavesPerPod / spec.podOversubscription)));
      }
      return spec;
    }

    case 'railOptimized': {
      f.only([...COMMON, 'nodes', 'gpusPerNode', 'nvlinkGBps', 'nvlinkLatencyNs', 'nicGBps', 'nicLatencyNs', 'nodesPerLeaf', 'spines', 'oversubscription', 'spineLinkGBps', 'spineLatencyNs']);
      const gpusPerNode = f.int('gpusPerNode', 1, 8);
      if (npus % gpusPerNode !== 0) throw new TopologyError(`${at}.gpusPerNode: ${gpusPerNode} does not divide the ${npus} NPUs of the dimensions`);
      const nodes = f.int('nodes', 1, npus / gpusPerNode);
      if (nodes * gpusPerNode !== npus) throw mismatch(nodes * gpusPerNode, `${nodes} nodes of ${gpusPerNode} GPUs`);
      const nodesPerLeaf = f.int('nodesPerLeaf', 1, nodes);
      if (nodes % nodesPerLeaf !== 0) throw new TopologyError(`${at}.nodesPerLeaf: ${nodesPerLeaf} does not divide the ${nodes} nodes`);
      const groups = nodes / nodesPerLeaf;
      const oversubscription = f.positive('oversubscription', 1);
      const spines = f.int('spines', groups > 1 ? 1 : 0, groups > 1 ? Math.max(1, Math.round(nodesPerLeaf / oversubscription)) : 0);
      const nicGBps = f.positive('nicGBps');
      const nicLatencyNs = f.nonNegative('nicLatencyNs');
      return {
        family: 'railOptimized', ...common,
        nodes, gpusPerNode,
        nvlinkGBps: f.positive('nvlinkGBps'),
        nvlinkLatencyNs: f.nonNegative('nvlinkLatencyNs'),
        nicGBps, nicLatencyNs, nodesPerLeaf, spines, oversubscription,
        spineLinkGBps: f.positive('spineLinkGBps', spines > 0 ? (nodesPerLeaf * nicGBps) / (oversubscription * spines) : nicGBps),
        spineLatencyNs: f.nonNegative('spineLatencyNs', nicLatencyNs),
      };
    }
  }
}

/** The topology with its physical section checked and attached (see {@link checkPhysicalSpec}). */
export function withPhysical(topology: Topology, raw: unknown, where: string): Topology {
  return { ...topology, physical: checkPhysicalSpec(raw, topology.dims, where) };
}

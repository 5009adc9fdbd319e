/**
 * Topology families: a cluster shape that scales with its NPU count, for sweeps (`orrery sweep collective --family
 * torus3d --npus 8..4096`). A family turns a count into the same topology arguments `orrery collective` takes
 * (`--topology`, `--bandwidth`, `--latency`), so every row of a sweep can be rerun as a single command.
 *
 * One typed table, extended by name: the flow model's physical families (fat-tree, rail-optimized, torus graphs)
 * add entries here whose `build` returns whatever `--topology` argument the flow model reads.
 */
import { InputError } from '../io/index.ts';

/** What a family gives for one NPU count: the arguments of `orrery collective`. */
export interface FamilyTopology {
  /** A `--topology` argument (shorthand, a file, or a name). */
  topology: string;
  /** `--bandwidth`, GB/s (1 GB = 10^9 B), one per dimension. */
  bandwidthGBps: number[];
  /** `--latency`, ns per hop, one per dimension. */
  latencyNs: number[];
}

export interface FamilyOptions {
  /** NPUs per node for the multi-tier families (default 8). */
  nodeSize?: number;
}

export interface TopologyFamily {
  /** One line for --help, errors and the README. */
  summary: string;
  /** Default bandwidth (GB/s) and latency (ns) per dimension, as one text for docs (`50 GB/s, 500 ns`). */
  defaults: string;
  /** Topology for `npus` NPUs; throws an InputError when the count does not fit the family. */
  build(npus: number, options: FamilyOptions): FamilyTopology;
}

/** ASTRA-sim's example link: 50 GB/s, 500 ns per hop (the shorthand's defaults too). */
const LINK_GBPS = 50;
const LINK_NS = 500;
/** Scale-up inside a node: NVLink 4 through NVSwitch, 900 GB/s bidirectional per GPU = 450 GB/s each way. */
const NODE_GBPS = 450;
const NODE_NS = 350;
/** Scale-out: one 400 Gb/s (NDR InfiniBand / 400 GbE) NIC per GPU = 50 GB/s each way. */
const NIC_GBPS = 50;
const NIC_NS = 1000;

const fill = (n: number, v: number) => Array.from({ length: n }, () => v);

function checkCount(family: string, npus: number, min: number): void {
  if (!Number.isSafeInteger(npus) || npus < min) {
    throw new InputError(`--family ${family}: needs at least ${min} NPUs, got ${npus}`);
  }
}

/**
 * The most balanced way to write `n` as a product of `k` factors, each ≥ 2: the factor list (largest first)
 * minimising the largest factor, then the spread. Undefined when there is none (n prime, or too small).
 * 4096 → 16·16·16; 8192 → 32·16·16; 2048 → 16·16·8; 24 → 4·3·2.
 */
export function balancedFactors(n: number, k: number): number[] | undefined {
  let best: number[] | undefined;
  const score = (f: number[]) => [f[0]!, f[0]! - f[f.length - 1]!];
  const better = (a: number[], b: number[]) => {
    const [x, y] = [score(a), score(b)];
    return x[0]! < y[0]! || (x[0] === y[0] && x[1]! < y[1]!);
  };
  const walk = (rest: number, left: number, maxF: number, acc: number[]) => {
    if (left === 1) {
      if (rest >= 2 && rest <= maxF) {
        const f = [...acc, rest];
        if (!best || better(f, best)) best = f;
      }
      return;
    }
    // factors in non-increasing order: this one is at least the k-th root of what is left
    for (const f of divisorsDescending(rest)) {
      if (f > maxF) continue;
      if (f < 2 || f ** left < rest) break;
      walk(rest / f, left - 1, f, [...acc, f]);
    }
  };
  walk(n, k, n, []);
  return best;
}

function divisorsDescending(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d * d !== n) large.push(n / d);
  }
  return [...large, ...small.reverse()];
}

function torus(family: string, k: number): TopologyFamily {
  return {
    summary: `${k}-D torus (a bidirectional ring per dimension), dimensions as balanced as the count allows, largest first: 4096 = ${balancedFactors(4096, k)!.join('x')}`,
    defaults: `${LINK_GBPS} GB/s, ${LINK_NS} ns per hop in every dimension`,
    build(npus) {
      checkCount(family, npus, 2 ** k);
      const f = balancedFactors(npus, k);
      if (!f) throw new InputError(`--family ${family}: ${npus} NPUs cannot be split into ${k} dimensions of at least 2`);
      return { topology: `torus:${f.join('x')}`, bandwidthGBps: fill(k, LINK_GBPS), latencyNs: fill(k, LINK_NS) };
    },
  };
}

function nodeSizeOf(family: string, options: FamilyOptions): number {
  const s = options.nodeSize ?? 8;
  if (!Number.isSafeInteger(s) || s < 1) throw new InputError(`--family ${family}: --node-size must be a positive integer, got ${s}`);
  return s;
}

export const TOPOLOGY_FAMILIES: Record<string, TopologyFamily> = {
  ring: {
    summary: 'one bidirectional ring of all NPUs',
    defaults: `${LINK_GBPS} GB/s, ${LINK_NS} ns per hop`,
    build(npus) {
      checkCount('ring', npus, 2);
      return { topology: `ring:${npus}`, bandwidthGBps: [LINK_GBPS], latencyNs: [LINK_NS] };
    },
  },
  switch: {
    summary: 'one switch connecting all NPUs (two hops between any two)',
    defaults: `${LINK_GBPS} GB/s, ${LINK_NS} ns per hop`,
    build(npus) {
      checkCount('switch', npus, 2);
      return { topology: `switch:${npus}`, bandwidthGBps: [LINK_GBPS], latencyNs: [LINK_NS] };
    },
  },
  fc: {
    summary: 'fully connected: a direct link between every pair',
    defaults: `${LINK_GBPS} GB/s, ${LINK_NS} ns per link`,
    build(npus) {
      checkCount('fc', npus, 2);
      return { topology: `fc:${npus}`, bandwidthGBps: [LINK_GBPS], latencyNs: [LINK_NS] };
    },
  },
  torus2d: torus('torus2d', 2),
  torus3d: torus('torus3d', 3),
  switch2: {
    summary: 'two-tier switch: nodes of --node-size NPUs (default 8) on a node switch (NVSwitch), nodes on one scale-out switch; NPUs a multiple of the node size',
    defaults: `node ${NODE_GBPS} GB/s, ${NODE_NS} ns (NVLink 4 via NVSwitch); scale-out ${NIC_GBPS} GB/s, ${NIC_NS} ns (one 400 Gb/s NIC per NPU)`,
    build(npus, options) {
      const s = nodeSizeOf('switch2', options);
      checkCount('switch2', npus, 2 * s);
      if (npus % s !== 0) throw new InputError(`--family switch2: ${npus} NPUs is not a whole number of ${s}-NPU nodes`);
      return { topology: `switch:${s},switch:${npus / s}`, bandwidthGBps: [NODE_GBPS, NIC_GBPS], latencyNs: [NODE_NS, NIC_NS] };
    },
  },
  switch3: {
    summary: 'three-tier switch: nodes of --node-size NPUs (default 8) on a node switch, then the nodes split as evenly as possible into leaf groups × spine (full bisection: same per-NPU bandwidth at both tiers)',
    defaults: `node ${NODE_GBPS} GB/s, ${NODE_NS} ns; leaf and spine ${NIC_GBPS} GB/s, ${NIC_NS} ns`,
    build(npus, options) {
      const s = nodeSizeOf('switch3', options);
      checkCount('switch3', npus, 4 * s);
      if (npus % s !== 0) throw new InputError(`--family switch3: ${npus} NPUs is not a whole number of ${s}-NPU nodes`);
      const f = balancedFactors(npus / s, 2);
      if (!f) throw new InputError(`--family switch3: ${npus / s} nodes cannot be split into leaf groups × spine of at least 2 each`);
      return {
        topology: `switch:${s},switch:${f[0]},switch:${f[1]}`,
        bandwidthGBps: [NODE_GBPS, NIC_GBPS, NIC_GBPS],
        latencyNs: [NODE_NS, NIC_NS, NIC_NS],
      };
    },
  },
};

export function familyNames(): string[] {
  return Object.keys(TOPOLOGY_FAMILIES);
}

/**
 * The topology of `family` at `npus` NPUs. `bandwidthGBps` / `latencyNs` override the family's defaults: one value
 * for every dimension, or one per dimension.
 */
export function buildFamily(
  family: string, npus: number, options: FamilyOptions & { bandwidthGBps?: number[]; latencyNs?: number[] } = {},
): FamilyTopology {
  const entry = TOPOLOGY_FAMILIES[family];
  if (!entry) throw new InputError(`--family: unknown family "${family}"; expected one of: ${familyNames().join(', ')}`);
  const t = entry.build(npus, options);
  const override = (given: number[] | undefined, dflt: number[], flag: string): number[] => {
    if (!given || given.length === 0) return dflt;
    if (given.length === 1) return dflt.map(() => given[0]!);
    if (given.length !== dflt.length) {
      throw new InputError(`${flag}: ${given.length} values for the ${dflt.length} dimensions of ${family} (${t.topology}); give one value, or one per dimension`);
    }
    return given;
  };
  return {
    topology: t.topology,
    bandwidthGBps: override(options.bandwidthGBps, t.bandwidthGBps, '--bandwidth'),
    latencyNs: override(options.latencyNs, t.latencyNs, '--latency'),
  };
}

// Randomized properties of the flow model (seeded through createRng): on fat-trees, tori, meshes, rail-optimized
// clusters and heterogeneous logical grids, with many flows starting at the same instants,
// - no link ever carries more than its capacity;
// - whenever no recompute is pending, the rates are max-min fair: every flow has a bottleneck link that is full and
//   on which no flow gets more than it (the textbook characterisation, checked independently of the algorithm);
// - every message is delivered exactly once, no sooner than it could be alone, and every byte is accounted for;
// - delivery times do not depend on the order in which simultaneous flows were created.
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../src/engine/index.ts';
import { buildPhysical, makeTopology, withPhysical, type FlowNetwork, type Topology } from '../src/network/index.ts';
import { simulate, type Msg } from './helpers/flow.ts';

const d = (kind: 'ring' | 'switch' | 'fullyConnected', npus: number, bandwidthGBps: number, latencyNs: number) => ({ kind, npus, bandwidthGBps, latencyNs });

const TOPOLOGIES: [string, () => Topology][] = [
  ['2-tier fat-tree 2:1 with ECMP', () => withPhysical(makeTopology([d('switch', 16, 50, 100)]), { family: 'fatTree', npusPerLeaf: 4, hostLinkGBps: 50, latencyNs: 100, oversubscription: 2, spines: 2 }, 'p')],
  ['3-tier fat-tree with injection cap', () => withPhysical(makeTopology([d('switch', 32, 50, 100)]), { family: 'fatTree', tiers: 3, npusPerLeaf: 4, leavesPerPod: 2, aggsPerPod: 2, coresPerAgg: 1, hostLinkGBps: 50, latencyNs: 100, podOversubscription: 2, injectionGBps: 40 }, 'p')],
  ['3x3x2 torus', () => withPhysical(makeTopology([d('ring', 3, 50, 200), d('ring', 3, 50, 200), d('ring', 2, 50, 200)]), { family: 'torus' }, 'p')],
  ['4x4 mesh', () => withPhysical(makeTopology([d('ring', 4, 50, 200), d('ring', 4, 50, 200)]), { family: 'torus', wraparound: false }, 'p')],
  ['rail-optimized, 4 nodes of 4 GPUs, 2 units', () => withPhysical(makeTopology([d('switch', 4, 450, 350), d('switch', 4, 50, 1000)]), { family: 'railOptimized', gpusPerNode: 4, nvlinkGBps: 450, nvlinkLatencyNs: 350, nicGBps: 50, nicLatencyNs: 1000, nodesPerLeaf: 2, spines: 2, spineLinkGBps: 60 }, 'p')],
  ['heterogeneous logical grid', () => makeTopology([d('ring', 3, 100, 100), d('fullyConnected', 2, 30, 300), d('switch', 3, 25, 500)])],
];

function scenario(rng: Rng, npus: number): Msg[] {
  const instants = [0, 0, 0, 137, 500, 2000, 2001, 7500];
  const n = 40 + rng.int(80);
  const msgs: Msg[] = [];
  for (let i = 0; i < n; i++) {
    const src = rng.int(npus);
    let dst = rng.int(npus - 1);
    if (dst >= src) dst++;
    const bytes = rng.next() < 0.1 ? rng.int(5000) + rng.next() : 1000 + rng.int(400000);
    msgs.push({ t: instants[rng.int(instants.length)]! + (rng.next() < 0.2 ? rng.int(20000) : 0), src, dst, bytes, extra: rng.next() < 0.3 ? rng.int(50) : 0 });
  }
  return msgs.sort((a, b) => a.t - b.t);
}

/** Checks capacity always, and max-min fairness when the network is quiescent; returns problems found. */
function auditor(problems: string[]) {
  let checks = 0;
  const observe = (net: FlowNetwork) => {
    checks++;
    const flows = net.snapshot().filter((f) => f.state !== 'pending');
    const load = new Map<number, number>();
    const maxRate = new Map<number, number>();
    for (const f of flows) {
      for (const l of f.links) {
        load.set(l, (load.get(l) ?? 0) + f.rate);
        maxRate.set(l, Math.max(maxRate.get(l) ?? 0, f.rate));
      }
    }
    for (const [l, x] of load) {
      if (x > net.capacityOf(l) * (1 + 1e-9)) problems.push(`link ${l} carries ${x} > ${net.capacityOf(l)}`);
    }
    if (!net.quiescent) return;
    for (const f of flows) {
      const bottleneck = f.links.some((l) => load.get(l)! >= net.capacityOf(l) * (1 - 1e-9) && f.rate >= maxRate.get(l)! * (1 - 1e-9));
      if (!bottleneck) problems.push(`flow ${f.id} at ${f.rate} on [${f.links.join(',')}] has no bottleneck`);
    }
  };
  return { observe, count: () => checks };
}

describe('flow: randomized properties', () => {
  describe.each(TOPOLOGIES)('%s', (_name, make) => {
    const topology = make();
    const P = buildPhysical(topology);
    const route = new Int32Array(P.maxHops + 1);

    it.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
      const rng = createRng(seed, `flow-property/${_name}`);
      const msgs = scenario(rng, topology.npus);
      const problems: string[] = [];
      const audit = auditor(problems);
      const { at, duplicates, net } = simulate(topology, msgs, audit.observe);
      expect(problems.slice(0, 5)).toEqual([]);
      expect(audit.count()).toBeGreaterThan(5);
      expect(net.stats().peakComponent).toBeGreaterThan(2); // the scenario does make flows share

      // every message delivered once, no sooner than alone: t + Λ + bytes / (smallest capacity on its route)
      expect(duplicates).toBe(0);
      const early: number[] = [];
      msgs.forEach((m, i) => {
        const h = P.route(m.src, m.dst, route);
        let cap = Infinity;
        for (let k = 0; k < h; k++) cap = Math.min(cap, P.capacity[route[k]!]!);
        if (topology.physical?.injectionGBps) cap = Math.min(cap, topology.physical.injectionGBps);
        if (!(at[i]! >= Math.round(m.t + P.routeLatencyNs + m.bytes / cap) + (m.extra ?? 0) - 1)) early.push(i);
      });
      expect(early).toEqual([]);

      // every byte accounted for, and no flow kept sending past its release (overdraft ≤ 0.5 ns by the rounding rule)
      const acct = net.settle();
      expect(acct.live).toBe(0);
      expect(acct.flowsRetired).toBe(msgs.length);
      expect(acct.bytesRetired).toBeCloseTo(msgs.reduce((s, m) => s + m.bytes, 0), 3);
      expect(acct.maxOverdraftNs).toBeLessThanOrEqual(0.5 + 1e-6);

      // the same messages created in another order within each instant: identical delivery times
      const order = msgs.map((_, i) => i);
      const shuffle = createRng(seed, 'shuffle');
      for (let i = order.length - 1; i > 0; i--) {
        const j = shuffle.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      order.sort((a, b) => msgs[a]!.t - msgs[b]!.t); // stable: keeps the shuffled order inside an instant
      const again = simulate(topology, order.map((i) => msgs[i]!)).at;
      const mismatched = order.filter((i, k) => again[k] !== at[i]);
      expect(mismatched).toEqual([]);
    });
  });
});

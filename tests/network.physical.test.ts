// Physical topologies: every family's routes are real paths (each link starts where the previous one ended), never
// repeat a link, fit maxHops, and carry the latency they report; the routing rules (shorter way, dimension order,
// ECMP hash, NVLink-then-rail) and the link capacities are the documented ones; bad physical sections are rejected
// naming the field.
import { describe, expect, it } from 'vitest';
import {
  buildPhysical, dimensionHops, ecmpHash, makeTopology, withPhysical, type Dimension, type PhysicalTopology, type Topology,
} from '../src/network/index.ts';
import { resolveTopology } from '../src/api/index.ts';

const dim = (kind: Dimension['kind'], npus: number, bandwidthGBps = 50, latencyNs = 500): Dimension => ({ kind, npus, bandwidthGBps, latencyNs });

function routeOf(P: PhysicalTopology, s: number, d: number): { links: number[]; latency: number } {
  const out = new Int32Array(P.maxHops + 1);
  const n = P.route(s, d, out);
  return { links: Array.from(out.subarray(0, n)), latency: P.routeLatencyNs };
}

/** Checks every route of P between the given pairs is a simple path from s to d carrying its reported latency. */
function checkPaths(P: PhysicalTopology, pairs: [number, number][]): void {
  const bad: string[] = [];
  for (const [s, d] of pairs) {
    const { links, latency } = routeOf(P, s, d);
    const why = (m: string) => bad.push(`${s}→${d} [${links.join(',')}]: ${m}`);
    if (links.length > P.maxHops) why('longer than maxHops');
    if (s === d) {
      if (links.length !== 0) why('a route to itself');
      continue;
    }
    let at = s;
    for (const l of links) {
      if (P.linkFrom[l] !== at) why(`link ${l} starts at ${P.linkFrom[l]}, not ${at}`);
      at = P.linkTo[l]!;
    }
    if (at !== d) why(`ends at ${at}`);
    if (new Set(links).size !== links.length) why('repeats a link');
    const sum = links.reduce((acc, l) => acc + P.latency[l]!, 0);
    if (Math.abs(latency - sum) > 1e-9 * sum) why(`latency ${latency}, links sum to ${sum}`);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

function allPairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s++) for (let d = 0; d < n; d++) out.push([s, d]);
  return out;
}

function sample(n: number, count: number): [number, number][] {
  const out: [number, number][] = [];
  let x = 12345;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const s = x % n;
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push([s, x % n]);
  }
  return out;
}

describe('logical form mapped to links', () => {
  it('ring, fully connected and switch dimensions: paths, and hop counts equal the analytical model\'s', () => {
    const topo = makeTopology([dim('ring', 5, 100, 300), dim('fullyConnected', 3, 200, 100), dim('switch', 4, 25, 1000)]);
    const P = buildPhysical(topo);
    // links: ring 2 per NPU, fc (3−1) per NPU, switch 2 per NPU, 60 NPUs; switch nodes: 60/4 = 15
    expect(P.links).toBe(60 * 2 + 60 * 2 + 60 * 2);
    expect(P.nodes).toBe(60 + 15);
    expect(P.maxHops).toBe(2 + 1 + 2);
    checkPaths(P, allPairs(60));
    for (const [s, d] of allPairs(60)) {
      const { links, latency } = routeOf(P, s, d);
      let hops = 0, lat = 0, a = s, b = d;
      topo.dims.forEach((dm) => {
        const h = dimensionHops(dm.kind, dm.npus, a % dm.npus, b % dm.npus);
        hops += h;
        lat += h * dm.latencyNs;
        a = Math.floor(a / dm.npus);
        b = Math.floor(b / dm.npus);
      });
      expect(links.length).toBe(hops);
      expect(latency).toBe(lat);
    }
  });

  it('routes dimension by dimension, dim 0 first, the shorter way round (the + way on a tie)', () => {
    const P = buildPhysical(makeTopology([dim('ring', 4), dim('ring', 4)]));
    // 0 = (0,0) → 10 = (2,2): tie in both dimensions (distance 2 of 4) → + way: x 0→1→2, then y 0→1→2
    const nodes = [0, ...routeOf(P, 0, 10).links.map((l) => P.linkTo[l]!)];
    expect(nodes).toEqual([0, 1, 2, 6, 10]);
    // 0 → 3 = (3,0): the shorter way is −1
    expect(routeOf(P, 0, 3).links.map((l) => P.linkTo[l])).toEqual([3]);
  });

  it('a switch dimension is a switch node per line with an up and a down link per NPU', () => {
    const P = buildPhysical(makeTopology([dim('switch', 8, 450, 350)]));
    expect(P.links).toBe(16);
    expect(P.nodes).toBe(9);
    const { links, latency } = routeOf(P, 2, 5);
    expect(links).toEqual([4, 11]); // up of NPU 2, down of NPU 5
    expect(P.linkTo[4]).toBe(8);
    expect(P.capacity[4]).toBe(450);
    expect(latency).toBe(700);
  });

  it('keeps memory linear at 16,384 NPUs and refuses a clique it cannot hold', () => {
    const P = buildPhysical(makeTopology([dim('switch', 16384)]));
    expect(P.links).toBe(32768);
    checkPaths(P, sample(16384, 200));
    const T = buildPhysical(makeTopology([dim('ring', 16), dim('ring', 32), dim('ring', 32)]));
    expect(T.links).toBe(3 * 2 * 16384);
    checkPaths(T, sample(16384, 200));
    expect(() => buildPhysical(makeTopology([dim('fullyConnected', 8192)]))).toThrow(/more than it supports .*use --model analytical/);
  });
});

describe('torus and mesh family', () => {
  const topo = (physical: unknown, dims: Dimension[] = [dim('ring', 4), dim('ring', 3), dim('ring', 2)]): Topology =>
    withPhysical(makeTopology(dims), physical, 'test.json');

  it('a torus of any dimension: every pair is a path in dimension order', () => {
    const P = buildPhysical(topo({ family: 'torus' }));
    expect(P.family).toBe('torus');
    checkPaths(P, allPairs(24));
    // 1 = (1,0,0) → 23 = (3,2,1): x +2 (tie, + way), y −1 (0→2 the shorter way), z +1
    expect([1, ...routeOf(P, 1, 23).links.map((l) => P.linkTo[l]!)]).toEqual([1, 2, 3, 11, 23]);
  });

  it('a mesh goes straight (no wraparound), so 0 → 3 on a line of 4 is 3 hops, not 1', () => {
    const P = buildPhysical(topo({ family: 'torus', wraparound: false }));
    checkPaths(P, allPairs(24));
    expect(routeOf(P, 0, 3).links.length).toBe(3);
    expect(routeOf(P, 3, 0).links.length).toBe(3);
    // mixed: wraparound only in dim 0
    const M = buildPhysical(topo({ family: 'torus', wraparound: [true, false, false] }));
    expect(routeOf(M, 0, 3).links.length).toBe(1);
    expect(routeOf(M, 0, 8).links.length).toBe(2); // y 0 → 2 straight
  });

  it('its shape may differ from the logical dimensions (a logical ring of 16 on a 4x4 torus)', () => {
    const P = buildPhysical(withPhysical(makeTopology([dim('ring', 16)]), { family: 'torus', dims: [4, 4], bandwidthGBps: 50, latencyNs: 500 }, 't'));
    checkPaths(P, allPairs(16));
    expect(routeOf(P, 3, 4).links.length).toBe(2); // (3,0) → (0,1): wrap in x, then one hop in y
  });
});

describe('fat-tree family', () => {
  const two = (o: Record<string, unknown> = {}) =>
    buildPhysical(withPhysical(makeTopology([dim('switch', 32)]), { family: 'fatTree', npusPerLeaf: 8, hostLinkGBps: 50, latencyNs: 100, oversubscription: 2, spines: 2, ...o }, 'ft.json'));

  it('two tiers: host links at B, leaf uplinks at k·B/(ρ·S), routes up to a spine and down', () => {
    const P = two();
    // 4 leaves × 2 spines × 2 directions + 32 × 2 host links; uplink 8·50/(2·2) = 100 GB/s
    expect(P.links).toBe(64 + 16);
    expect(P.nodes).toBe(32 + 4 + 2);
    expect(P.capacity[0]).toBe(50);
    expect(P.capacity[64]).toBe(100);
    checkPaths(P, allPairs(32));
    expect(routeOf(P, 0, 7).links.length).toBe(2); // same leaf
    const r = routeOf(P, 0, 9);
    expect(r.links.length).toBe(4);
    expect(r.latency).toBe(400);
    // the spine is ecmpHash(src, dst) mod spines
    expect(P.linkTo[r.links[1]!]).toBe(32 + 4 + (ecmpHash(0, 9) % 2));
  });

  it('ECMP is a fixed, documented hash: the same pair always takes the same spine, and pairs spread', () => {
    // the documented formula, recomputed in BigInt arithmetic: x = src·0x9E3779B1 + dst + salt·0x85EBCA77 mod 2^32,
    // then MurmurHash3's fmix32 (xor-shift 16, ·0x85EBCA6B, xor-shift 13, ·0xC2B2AE35, xor-shift 16)
    const M = 2n ** 32n;
    const ref = (s: number, d: number, salt = 0) => {
      let h = (BigInt(s) * 0x9e3779b1n + BigInt(d) + BigInt(salt) * 0x85ebca77n) % M;
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) % M;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) % M;
      h ^= h >> 16n;
      return Number(h);
    };
    for (const [s, d] of sample(100000, 500)) {
      expect(ecmpHash(s, d)).toBe(ref(s, d));
      expect(ecmpHash(s, d, 1)).toBe(ref(s, d, 1));
    }
    const P = two({ spines: 4, oversubscription: 1 });
    const counts = [0, 0, 0, 0];
    for (let s = 0; s < 8; s++) for (let d = 8; d < 32; d++) counts[P.linkTo[routeOf(P, s, d).links[1]!]! - 36]!++;
    expect(counts.reduce((a, b) => a + b)).toBe(192);
    for (const c of counts) expect(c).toBeGreaterThan(30); // 48 each on average
  });

  it('three tiers: pods, aggregation switches and cores; cross-pod routes are 6 links', () => {
    const P = buildPhysical(withPhysical(makeTopology([dim('switch', 64)]), {
      family: 'fatTree', tiers: 3, npusPerLeaf: 4, leavesPerPod: 4, aggsPerPod: 2, coresPerAgg: 2, hostLinkGBps: 50, latencyNs: 100, podOversubscription: 2,
    }, 'ft3.json'));
    // 16 leaves in 4 pods; leaf–agg 4·50/(1·2) = 100; agg–core 4·100/(2·2) = 100
    expect(P.nodes).toBe(64 + 16 + 8 + 4);
    expect(P.links).toBe(128 + 16 * 2 * 2 + 8 * 2 * 2);
    checkPaths(P, allPairs(64));
    expect(routeOf(P, 0, 5).links.length).toBe(4); // same pod, other leaf
    expect(routeOf(P, 0, 20).links.length).toBe(6); // other pod
    expect(P.capacity[128]).toBe(100);
    expect(P.capacity[128 + 64]).toBe(100);
  });
});

describe('rail-optimized family', () => {
  const P = buildPhysical(resolveTopology({ topology: 'dgx-h100-superpod-4su' }).topology);

  it('builds NVSwitches, rail leaves and spines with the published speeds', () => {
    // 1024 GPUs, 128 NVSwitches, 8 rails × 4 groups = 32 leaves, 16 spines
    expect(P.nodes).toBe(1024 + 128 + 32 + 16);
    expect(P.links).toBe(1024 * 4 + 32 * 16 * 2);
    expect(P.capacity[0]).toBe(450);
    expect(P.capacity[2048]).toBe(50);
    expect(P.capacity[4096]).toBe(100);
    checkPaths(P, sample(1024, 3000));
  });

  it('routes NVLink first (to the destination\'s rail), then the rail leaf, then a spine between units', () => {
    // gpu 3 of node 0 → gpu 5 of node 1: NVSwitch to gpu 5 of node 0, its NIC, rail-5 leaf, gpu 5 of node 1
    const a = routeOf(P, 3, 8 + 5);
    expect(a.links.length).toBe(4);
    expect(P.linkTo[a.links[1]!]).toBe(5);
    expect(a.latency).toBe(2 * 350 + 2 * 1000);
    // same rail, different scalable unit (node 0 → node 40): NIC, leaf, spine, leaf, NIC
    const b = routeOf(P, 2, 40 * 8 + 2);
    expect(b.links.length).toBe(4);
    expect(b.latency).toBe(4 * 1000);
    // within a node: NVSwitch only
    expect(routeOf(P, 8, 15).links.length).toBe(2);
  });
});

describe('physical section validation', () => {
  const bad = (physical: unknown, dims: Dimension[] = [dim('switch', 16)]) => () => withPhysical(makeTopology(dims), physical, 'x.json');

  it.each([
    [{ family: 'dragonfly' }, /x\.json: physical\.family: expected one of logical, torus, fatTree, railOptimized; got "dragonfly"/],
    [{ family: 'fatTree', npusPerLeaf: 5, hostLinkGBps: 50, latencyNs: 1 }, /physical\.npusPerLeaf: 5 does not divide the 16 NPUs/],
    [{ family: 'fatTree', npusPerLeaf: 4, hostLinkGBps: -1, latencyNs: 1 }, /physical\.hostLinkGBps: expected a positive number, got -1/],
    [{ family: 'fatTree', npusPerLeaf: 4, hostLinkGBps: 50, latencyNs: 1, spine: 2 }, /physical: unknown key "spine"; expected family, injectionGBps, tiers/],
    [{ family: 'fatTree', npusPerLeaf: 4, hostLinkGBps: 50, latencyNs: 1, leavesPerPod: 2 }, /physical\.leavesPerPod: applies to three tiers only/],
    [{ family: 'torus', dims: [4, 2] }, /physical: dims 4x2 make 8 NPUs, but the dimensions make 16/],
    [{ family: 'torus' }, /physical\.dims: required unless every logical dimension is a ring/],
    [{ family: 'railOptimized', gpusPerNode: 8, nodes: 4, nvlinkGBps: 450, nvlinkLatencyNs: 1, nicGBps: 50, nicLatencyNs: 1 }, /32 NPUs, but the dimensions make 16/],
    [{ family: 'railOptimized', nvlinkGBps: 450, nvlinkLatencyNs: 1, nicGBps: 50, nicLatencyNs: 1, nodesPerLeaf: 3 }, /physical\.nodesPerLeaf: 3 does not divide the 2 nodes/],
    ['fatTree', /physical: expected an object/],
  ])('rejects %j', (physical, msg) => {
    expect(bad(physical)).toThrow(msg);
  });

  it('a bad physical section in a file fails to load with one line naming the file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'orrery-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ dimensions: [dim('switch', 8)], physical: { family: 'fatTree', npusPerLeaf: 3, hostLinkGBps: 50, latencyNs: 1 } }));
    expect(() => resolveTopology({ topology: path })).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: physical\\.npusPerLeaf`));
  });
});

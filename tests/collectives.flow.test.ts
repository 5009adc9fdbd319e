// Collectives on the flow model: contention-free cases equal analytical to the nanosecond; contended ones take
// the time their busiest link needs (derived per case below). Notation: p NPUs, n bytes per rank, B bytes/ns per
// link, α ns per hop; round = Math.round, once per message (see src/network/flow.ts).
import { describe, expect, it } from 'vitest';
import { runCollective, type CollectiveSpec } from '../src/api/index.ts';
import { makeTopology, withPhysical, type Dimension, type Topology } from '../src/network/index.ts';
import { ALGORITHMS, type CollectiveOp } from '../src/collectives/index.ts';
import { simulate } from './helpers/flow.ts';

const dim = (kind: Dimension['kind'], npus: number, bandwidthGBps = 50, latencyNs = 500): Dimension => ({ kind, npus, bandwidthGBps, latencyNs });
const time = (model: string, spec: Omit<CollectiveSpec, 'model'>) => runCollective({ ...spec, model }).timeNs;
const both = (spec: Omit<CollectiveSpec, 'model'>) => [time('analytical', spec), time('flow', spec)];
const R = Math.round;

describe('contention-free: flow equals analytical exactly', () => {
  it('ring all-reduce on a ring: one flow per link, 2(p−1)·round(α + n/(pB))', () => {
    for (const p of [4, 8, 16]) {
      const n = 2 ** 30;
      const [a, f] = both({ topology: makeTopology([dim('ring', p)]), op: 'allreduce', bytes: n, algorithms: ['ring'] });
      expect(a).toBe(2 * (p - 1) * R(500 + n / p / 50));
      expect(f).toBe(a);
    }
  });

  // every algorithm and operation it supports on fc:8, where every ordered pair has its own link
  const fc = makeTopology([dim('fullyConnected', 8, 50, 500)]);
  const cases = Object.entries(ALGORITHMS).flatMap(([name, e]) => (e.ops as readonly string[]).map((op) => [name, op] as const));
  it.each(cases)('%s %s on fc:8', (algo, op) => {
    const spec = { topology: fc, op: op as CollectiveOp, bytes: 3 * 2 ** 20, algorithms: [algo] };
    const [a, f] = both(spec);
    expect(a).toBeGreaterThan(0);
    expect(f).toBe(a);
  });

  it('halving-doubling all-reduce on a switch: each round is a perfect matching, 2·log2(p)·round(2α + …)', () => {
    // round r moves n/2^(r+1) (reduce-scatter) then the mirror (all-gather); each uplink and downlink carries one flow
    const p = 16, n = 2 ** 28;
    const [a, f] = both({ topology: makeTopology([dim('switch', p)]), op: 'allreduce', bytes: n, algorithms: ['halvingDoubling'] });
    let expected = 0;
    for (let r = 0; r < 4; r++) expected += 2 * R(1000 + n / 2 ** (r + 1) / 50);
    expect(a).toBe(expected);
    expect(f).toBe(a);
  });

  it('heterogeneous dimensions (NVSwitch × InfiniBand), ring with 4 chunks pipelining across them', () => {
    const topo = makeTopology([dim('switch', 8, 300, 350), dim('switch', 16, 25, 1000)]);
    const [a, f] = both({ topology: topo, op: 'allreduce', bytes: 2 ** 26, algorithms: ['ring'], system: { chunks: 4 } });
    expect(f).toBe(a);
  });

  it('a group that does not fill its dimension runs one flat phase on flow as well', () => {
    // 5 of the 16 NPUs of a 4x4 torus: not a sub-grid, so one flat ring 0→1→2→3→4→0. Routes: 3 → 4 is (3,0) → (0,1):
    // one hop of x (wraparound) then one of y; 4 → 0 one hop of y; the rest one hop of x; no two share a link.
    // Ring all-reduce: 8 steps of n/5; the slowest chain of 8 consecutive steps holds the 2-hop one twice:
    // 2·round(2α + n/(5B)) + 6·round(α + n/(5B)).
    const n = 5 * 2 ** 20;
    const spec = { topology: makeTopology([dim('ring', 4), dim('ring', 4)]), op: 'allreduce' as const, bytes: n, algorithms: ['ring'], group: [0, 1, 2, 3, 4] };
    const [a, f] = both(spec);
    expect(f).toBe(2 * R(1000 + n / 5 / 50) + 6 * R(500 + n / 5 / 50));
    expect(f).toBe(a);
  });
});

describe('contention: flow gives what the busiest link allows', () => {
  it('direct all-reduce on a p-NPU switch takes 2·round(2α + (p−1)n/(pB)), not 2·round(2α + n/(pB))', () => {
    // each of the 2 rounds sends n/p to each of the p−1 others at once: every uplink (and downlink) carries p−1
    // flows of n/p, so each gets B/(p−1) and the round's last byte leaves after (p−1)n/(pB)
    for (const p of [8, 16]) {
      const n = 2 ** 24;
      const [a, f] = both({ topology: makeTopology([dim('switch', p)]), op: 'allreduce', bytes: n, algorithms: ['direct'] });
      expect(a).toBe(2 * R(1000 + n / p / 50));
      expect(f).toBe(2 * R(1000 + (n / p) / (50 / (p - 1))));
    }
  });

  it('direct all-to-all on a switch likewise: round(2α + (p−1)n/(pB))', () => {
    const p = 32, n = 2 ** 26;
    const [a, f] = both({ topology: makeTopology([dim('switch', p)]), op: 'alltoall', bytes: n, algorithms: ['direct'] });
    expect(a).toBe(R(1000 + n / p / 50));
    expect(f).toBe(R(1000 + (n / p) / (50 / (p - 1))));
  });

  it('a group that does not fill its dimension: direct all-to-all over 5 of 8 switch ports', () => {
    // each member sends n/5 to 4 others over its uplink: B/4 each → round(2α + 4n/(5B))
    const n = 5e6;
    const f = time('flow', { topology: makeTopology([dim('switch', 8)]), op: 'alltoall', bytes: n, algorithms: ['direct'], group: [0, 2, 3, 6, 7] });
    expect(f).toBe(R(1000 + (n / 5) / (50 / 4)));
  });

  it('ring all-reduce on a torus with dimension-order routing (a logical ring of 16 on a physical 4x4 torus)', () => {
    // The ring 0→1→…→15→0 in id order: inside a row one hop of +x; from the end of a row (3, 7, 11, 15) one hop of
    // +x (wraparound) then one of +y. No link carries two ring messages, so each step takes round(hα + n/(16B)) with
    // h = 1 or 2. Step s of rank i waits for step s−1 of rank i−1, so the finish time is the largest sum over 30
    // consecutive ring edges (2(p−1) steps): one full turn (4 long edges) plus 14 more (at most 4 long):
    // 8·round(2α + n/(16B)) + 22·round(α + n/(16B)). Analytical, on the logical ring, has every edge 1 hop.
    const n = 2 ** 30;
    const topo = withPhysical(makeTopology([dim('ring', 16)]), { family: 'torus', dims: [4, 4], bandwidthGBps: 50, latencyNs: 500 }, 't');
    const [a, f] = both({ topology: topo, op: 'allreduce', bytes: n, algorithms: ['ring'] });
    expect(a).toBe(30 * R(500 + n / 16 / 50));
    expect(f).toBe(8 * R(1000 + n / 16 / 50) + 22 * R(500 + n / 16 / 50));
  });

  it('ring all-reduce on the 3-D torus files equals analytical (dimension-order routing, one flow per link)', () => {
    for (const name of ['torus:4x4x4']) {
      const topo = makeTopology([dim('ring', 4), dim('ring', 4), dim('ring', 4)], name);
      const [a, f] = both({ topology: topo, op: 'allreduce', bytes: 2 ** 30, algorithms: ['ring'], system: { chunks: 4 } });
      expect(f).toBe(a);
    }
  });
});

describe('fat-tree oversubscription', () => {
  // 2 leaves of 4 NPUs, one spine, hosts at 50 B/ns, 100 ns per link; ρ = 1 gives a 200 B/ns uplink per leaf,
  // ρ = 2 gives 100
  const tree = (rho: number): Topology => withPhysical(makeTopology([dim('switch', 8, 50, 100)]), {
    family: 'fatTree', npusPerLeaf: 4, hostLinkGBps: 50, latencyNs: 100, oversubscription: rho, spines: 1,
  }, 'ft');

  it('2:1 halves cross-pod all-to-all bandwidth', () => {
    // Cross-pod all-to-all: each of the 4 NPUs of a leaf sends m to each of the 4 of the other leaf (both ways).
    // Host links carry 4 flows (50/4 = 12.5 each); the leaf uplink carries 16: 200/16 = 12.5 at 1:1, 100/16 = 6.25
    // at 2:1. So m takes m/12.5 at 1:1 and m/6.25 at 2:1: half the bandwidth. Route: 4 links, Λ = 400.
    const m = 1e5;
    const msgs = [];
    for (let s = 0; s < 8; s++) for (let d = 0; d < 8; d++) if ((s < 4) !== (d < 4)) msgs.push({ t: 0, src: s, dst: d, bytes: m });
    const full = simulate(tree(1), msgs).at;
    const over = simulate(tree(2), msgs).at;
    expect(new Set(full)).toEqual(new Set([400 + m / 12.5]));
    expect(new Set(over)).toEqual(new Set([400 + m / 6.25]));
  });

  it('a whole all-to-all on the 2:1 tree: the remote flows bind on the leaf uplink', () => {
    // Direct all-to-all, n per rank: each NPU sends n/8 to 3 local and 4 remote peers. Fair shares: host links
    // 50/7 ≈ 7.14 (7 flows each), leaf uplink 100/16 = 6.25 (16 remote flows) → remote flows get 6.25; local flows
    // get the host links' remainder, (50 − 4·6.25)/3 ≈ 8.33, and finish first, leaving the uplink the bottleneck.
    // Time: round(4·100 + (n/8)/6.25). At 1:1 the host links bind: round(4·100 + (n/8)/(50/7)).
    const n = 8e6;
    expect(time('flow', { topology: tree(2), op: 'alltoall', bytes: n, algorithms: ['direct'] })).toBe(R(400 + n / 8 / 6.25));
    expect(time('flow', { topology: tree(1), op: 'alltoall', bytes: n, algorithms: ['direct'] })).toBe(R(400 + (n / 8) / (50 / 7)));
  });
});

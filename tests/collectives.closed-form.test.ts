// Closed forms: on the native `analytical` model, every algorithm and operation on ring, switch and fully-connected
// dimensions of several sizes takes exactly the α-β time of its textbook form (DESIGN.md "Collectives",
// reference/PEERS.md §5, and each algorithm's header comment). Sizes are chosen so that every message time m/B is a
// whole number of ns, so the model's one rounding per message is exact.
//
// Notation: p NPUs in the dimension, n bytes per rank (all-gather: x = each rank's input), B = 50 B/ns (50 GB/s),
// α = 500 ns per hop, h = hops between partners (ring neighbour 1, fully connected 1, switch 2), L = log2 p.
import { describe, expect, it } from 'vitest';
import { runCollective } from '../src/api/index.ts';
import type { CollectiveOp } from '../src/collectives/index.ts';
import { makeTopology, type DimensionKind } from '../src/network/index.ts';

const B = 50;
const A = 500;

function run(kind: DimensionKind, p: number, op: CollectiveOp, bytes: number, algo: string, extra: Record<string, unknown> = {}) {
  const topology = makeTopology([{ kind, npus: p, bandwidthGBps: B, latencyNs: A }]);
  return runCollective({ topology, op, bytes, algorithms: [algo], model: 'analytical', ...extra });
}

/** Hops between neighbouring partners of a dimension kind. */
const hop = (kind: DimensionKind) => (kind === 'switch' ? 2 : 1);
/** Largest hop count between two members of a dimension (direct's slowest message). */
const maxHop = (kind: DimensionKind, p: number) => (kind === 'ring' ? Math.floor(p / 2) : hop(kind));

const KINDS: DimensionKind[] = ['ring', 'switch', 'fullyConnected'];
const SIZES = [2, 4, 8, 16, 64];

describe.each(KINDS)('ring algorithm on a %s dimension', (kind) => {
  describe.each(SIZES)('p = %i', (p) => {
    const h = hop(kind);
    const n = p * B * 1000; // n/(pB) = 1000 ns per step
    it('all-reduce = 2(p−1)(hα + n/(pB))', () => {
      expect(run(kind, p, 'allreduce', n, 'ring').timeNs).toBe(2 * (p - 1) * (h * A + 1000));
    });
    it('reduce-scatter = (p−1)(hα + n/(pB))', () => {
      expect(run(kind, p, 'reducescatter', n, 'ring').timeNs).toBe((p - 1) * (h * A + 1000));
    });
    it('all-gather of x per rank = (p−1)(hα + x/B)', () => {
      const x = B * 700; // x/B = 700 ns
      expect(run(kind, p, 'allgather', x, 'ring').timeNs).toBe((p - 1) * (h * A + 700));
    });
    it('all-to-all = (p−1)hα + (p−1)n/(2B) (forwarding: step s carries (p−1−s)·n/p)', () => {
      // Σ_{s=0}^{p−2} (hα + (p−1−s)·n/(pB)) = (p−1)hα + (n/(pB))·p(p−1)/2
      expect(run(kind, p, 'alltoall', n, 'ring').timeNs).toBe((p - 1) * h * A + (1000 * p * (p - 1)) / 2);
    });
    it('broadcast and reduce = (p−1)(hα + n/B) (a chain through the ring)', () => {
      const x = B * 300;
      expect(run(kind, p, 'broadcast', x, 'ring').timeNs).toBe((p - 1) * (h * A + 300));
      expect(run(kind, p, 'reduce', x, 'ring').timeNs).toBe((p - 1) * (h * A + 300));
    });
    it('barrier = 2(p−1)hα (an all-reduce of nothing)', () => {
      expect(run(kind, p, 'barrier', 0, 'ring').timeNs).toBe(2 * (p - 1) * h * A);
    });
  });
});

describe.each(KINDS)('direct algorithm on a %s dimension', (kind) => {
  describe.each(SIZES)('p = %i', (p) => {
    // every member sends to all others at once; a round ends with its slowest (farthest) message
    const hm = maxHop(kind, p);
    const n = p * B * 1000;
    it('all-reduce = 2(h_max·α + n/(pB))', () => {
      expect(run(kind, p, 'allreduce', n, 'direct').timeNs).toBe(2 * (hm * A + 1000));
    });
    it('reduce-scatter and all-to-all = h_max·α + n/(pB)', () => {
      expect(run(kind, p, 'reducescatter', n, 'direct').timeNs).toBe(hm * A + 1000);
      expect(run(kind, p, 'alltoall', n, 'direct').timeNs).toBe(hm * A + 1000);
    });
    it('all-gather of x = h_max·α + x/B', () => {
      expect(run(kind, p, 'allgather', B * 700, 'direct').timeNs).toBe(hm * A + 700);
    });
    it('broadcast and reduce = h_max·α + n/B', () => {
      expect(run(kind, p, 'broadcast', B * 300, 'direct').timeNs).toBe(hm * A + 300);
      expect(run(kind, p, 'reduce', B * 300, 'direct').timeNs).toBe(hm * A + 300);
    });
  });

  it('a window of 1 sends one message at a time: reduce-scatter = (p−1)·(h·α + n/(pB)) on a switch', () => {
    if (kind !== 'switch') return;
    // direct1: each member's next send waits for one receive to be processed; all members are in lockstep
    const p = 8;
    expect(run(kind, p, 'reducescatter', p * B * 1000, 'direct1').timeNs).toBe((p - 1) * (2 * A + 1000));
  });
});

describe.each(['switch', 'fullyConnected'] as DimensionKind[])('halvingDoubling on a %s dimension', (kind) => {
  describe.each([2, 4, 8, 16, 64])('p = %i', (p) => {
    const h = hop(kind);
    const L = Math.log2(p);
    const n = p * B * 1000; // every message n/2^j is a whole number of ns at B
    it('all-reduce = 2·L·hα + 2(p−1)n/(pB)', () => {
      expect(run(kind, p, 'allreduce', n, 'halvingDoubling').timeNs).toBe(2 * L * h * A + (2 * (p - 1) * n) / (p * B));
    });
    it('reduce-scatter = L·hα + (p−1)n/(pB)', () => {
      expect(run(kind, p, 'reducescatter', n, 'halvingDoubling').timeNs).toBe(L * h * A + ((p - 1) * n) / (p * B));
    });
    it('all-gather of x = L·hα + (p−1)x/B', () => {
      const x = B * 700;
      expect(run(kind, p, 'allgather', x, 'halvingDoubling').timeNs).toBe(L * h * A + (p - 1) * 700);
    });
    it('broadcast and reduce (binomial trees) = L(hα + n/B)', () => {
      const x = B * 300;
      expect(run(kind, p, 'broadcast', x, 'halvingDoubling').timeNs).toBe(L * (h * A + 300));
      expect(run(kind, p, 'reduce', x, 'halvingDoubling').timeNs).toBe(L * (h * A + 300));
    });
  });

  it('rejects a non-power-of-two dimension and all-to-all', () => {
    expect(() => run(kind, 6, 'allreduce', 1 << 20, 'halvingDoubling')).toThrow(/power-of-two.*got 6/);
    expect(() => run(kind, 8, 'alltoall', 1 << 20, 'halvingDoubling')).toThrow(/does not support alltoall/);
  });
});

describe('halvingDoubling on a ring dimension: partners 2^r apart take min(2^r, p−2^r) hops', () => {
  it.each([4, 8, 16])('p = %i all-reduce = 2·Σ_r (min(2^r, p−2^r)·α) + 2(p−1)n/(pB)', (p) => {
    const n = p * B * 1000;
    let lat = 0;
    for (let r = 0; r < Math.log2(p); r++) lat += Math.min(2 ** r, p - 2 ** r) * A;
    expect(run('ring', p, 'allreduce', n, 'halvingDoubling').timeNs).toBe(2 * lat + (2 * (p - 1) * n) / (p * B));
  });
});

describe.each(['switch', 'fullyConnected'] as DimensionKind[])('doubleBinaryTree all-reduce on a %s dimension', (kind) => {
  it.each([2, 4, 8, 16, 64])('p = %i: leaves finish at 2·L·(hα + n/B), the root at L·(hα + n/B)', (p) => {
    // one chunk uses one tree (a root with one child over an in-order tree of height L−1, so depth L):
    // children send the whole chunk up level by level, the root turns it around, and it comes back down.
    const h = hop(kind);
    const L = Math.log2(p);
    const x = B * 400;
    const r = run(kind, p, 'allreduce', x, 'doubleBinaryTree');
    expect(r.timeNs).toBe(2 * L * (h * A + 400));
    expect(r.minTimeNs).toBe(L * (h * A + 400));
  });

  it('supports only all-reduce', () => {
    expect(() => run(kind, 8, 'reducescatter', 1 << 20, 'doubleBinaryTree')).toThrow(/does not support reducescatter.*ring, direct/);
  });
});

describe('chunks, endpoint delay and reduction cost', () => {
  it('k chunks in one queue run one after another: k × the per-chunk ring time', () => {
    // ring:8, n = 4·8·50·1000 B → chunk c = n/4, c/(8B) = 1000 ns per step
    const n = 4 * 8 * B * 1000;
    expect(run('ring', 8, 'allreduce', n, 'ring', { system: { chunks: 4 } }).timeNs).toBe(4 * 14 * (A + 1000));
  });

  it('active chunks = k lets all chunks run at once (no contention in analytical)', () => {
    const n = 4 * 8 * B * 1000;
    expect(run('ring', 8, 'allreduce', n, 'ring', { system: { chunks: 4, activeChunksPerDim: 4 } }).timeNs).toBe(14 * (A + 1000));
  });

  it('endpoint delay e per received message and before the first send; 3·m/L per reducing step', () => {
    // ring all-reduce, p = 8, m = n/p: 2(p−1) steps of (T + e), p−1 reductions of 3m/L, and one e before the first
    // send: 2(p−1)(T + e) + (p−1)·3m/L + e. With m = 50,000 B, T = α + m/B = 1500, L = 100 GB/s → 3m/L = 1500.
    const p = 8;
    const m = 50_000;
    const r = run('ring', p, 'allreduce', m * p, 'ring', { system: { endpointDelayNs: 10, localMemBwGBps: 100 } });
    expect(r.timeNs).toBe(2 * (p - 1) * (1500 + 10) + (p - 1) * 1500 + 10);
  });
});

describe('multi-dimensional compositions (hand-derived phase sums)', () => {
  const dims = (spec: [DimensionKind, number, number?][]) =>
    makeTopology(spec.map(([kind, npus, bw]) => ({ kind, npus, bandwidthGBps: bw ?? B, latencyNs: A })));

  it('localBWAware on ring:4 × switch:8: RS dim0, AR dim1, AG dim0', () => {
    // n = 32·50·1000. RS d0: 3·(α + n/(4B)) with n/(4B) = 8000; AR d1 on n/4: 14·(2α + n/(32B)) with n/(32B) = 1000;
    // AG d0 mirrors RS d0.
    const n = 32 * B * 1000;
    const r = runCollective({ topology: dims([['ring', 4], ['switch', 8]]), op: 'allreduce', bytes: n, model: 'analytical' });
    expect(r.timeNs).toBe(3 * (A + 8000) + 14 * (2 * A + 1000) + 3 * (A + 8000));
  });

  it('baseline on ring:4 × switch:8: a full all-reduce per dimension', () => {
    // AR d0: 6·(α + n/(4B)); AR d1: 14·(2α + n/(8B)); n/(4B) = 8000, n/(8B) = 4000
    const n = 32 * B * 1000;
    const r = runCollective({ topology: dims([['ring', 4], ['switch', 8]]), op: 'allreduce', bytes: n, model: 'analytical', system: { composition: 'baseline' } });
    expect(r.timeNs).toBe(6 * (A + 8000) + 14 * (2 * A + 4000));
  });

  it('per-dimension algorithms and bandwidths: direct on a 200 GB/s switch:8, ring on a 25 GB/s ring:4', () => {
    // RS d0 direct: 2α + n/(8·200); AR d1 ring on n/8: 6·(α + n/(8·4·25)); AG d0 direct on n/8: 2α + (n/8)/200
    const n = 8 * 4 * 200 * 25 * 100; // every term integral
    const topology = makeTopology([
      { kind: 'switch', npus: 8, bandwidthGBps: 200, latencyNs: A },
      { kind: 'ring', npus: 4, bandwidthGBps: 25, latencyNs: A },
    ]);
    const r = runCollective({ topology, op: 'allreduce', bytes: n, model: 'analytical', algorithms: ['direct', 'ring'] });
    expect(r.timeNs).toBe(2 * (2 * A + n / (8 * 200)) + 6 * (A + n / (8 * 4 * 25)));
  });

  it('chunks pipeline across dimensions: ring:4 × ring:4, 2 chunks', () => {
    // chunk c = n/2 = 200,000 B. Per chunk: RS0 = 3·(α + c/(4B)) = 3·1500 = 4500; AR1 on c/4 = 6·(α + c/(16B)) =
    // 6·750 = 4500; AG0 = 4500. Queue 0 holds RS0 and AG0 of both chunks, queue 1 the AR1s:
    // RS0(c0) 0–4500, RS0(c1) 4500–9000, AR1(c0) 4500–9000, AR1(c1) 9000–13500,
    // AG0(c0) 9000–13500 (queue 0 frees at 9000, its AR1 ends at 9000), AG0(c1) 13500–18000.
    // One chunk would take 3·2500 + 6·1000 + 3·2500 = 21,000.
    const n = 400_000;
    const topo = dims([['ring', 4], ['ring', 4]]);
    expect(runCollective({ topology: topo, op: 'allreduce', bytes: n, model: 'analytical', system: { chunks: 2 } }).timeNs).toBe(18_000);
    expect(runCollective({ topology: topo, op: 'allreduce', bytes: n, model: 'analytical' }).timeNs).toBe(21_000);
  });

  it('reduce-scatter climbs the dimensions; all-gather walks them down with growing data', () => {
    // switch:4 × switch:2, n = 8·50·1000: RS d0: 3·(2α + n/(4B)) = 3·(1000 + 2000); RS d1 on n/4: 1·(2α + n/(8B)).
    // AG of x per rank: d1 first on x: 1·(2α + x/B); then d0 on 2x: 3·(2α + 2x/B).
    const topo = dims([['switch', 4], ['switch', 2]]);
    const n = 8 * B * 1000;
    expect(runCollective({ topology: topo, op: 'reducescatter', bytes: n, model: 'analytical' }).timeNs).toBe(3 * (2 * A + 2000) + (2 * A + 1000));
    const x = B * 600;
    expect(runCollective({ topology: topo, op: 'allgather', bytes: x, model: 'analytical' }).timeNs).toBe((2 * A + 600) + 3 * (2 * A + 1200));
  });

  it('all-to-all runs each dimension on the full buffer', () => {
    // direct on switch:4 × switch:2: d0: 2α + n/(4B); d1: 2α + n/(2B)
    const n = 8 * B * 1000;
    const r = runCollective({ topology: dims([['switch', 4], ['switch', 2]]), op: 'alltoall', bytes: n, model: 'analytical', algorithms: ['direct'] });
    expect(r.timeNs).toBe(2 * A + n / (4 * B) + 2 * A + n / (2 * B));
  });

  it('broadcast on a 4×4 torus: the root\'s line in dim 1, then every line of dim 0', () => {
    // ring chains: 3·(α + x/B) in dim 1 then 3·(α + x/B) in dim 0 for the farthest rank
    const x = B * 300;
    const r = runCollective({ topology: dims([['ring', 4], ['ring', 4]]), op: 'broadcast', bytes: x, model: 'analytical', root: 5 });
    expect(r.timeNs).toBe(6 * (A + 300));
  });

  it('a routed message pays every dimension\'s hops and the slowest bandwidth on the way', () => {
    // flat group {0, 5} on ring:4 × switch:2 (not a sub-grid: coordinates (0,0) and (1,1)): one 2-member ring,
    // each message crosses ring hop 1 (α) + switch 2 hops (2α) at min(50, 25) GB/s.
    const topology = makeTopology([
      { kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: A },
      { kind: 'switch', npus: 2, bandwidthGBps: 25, latencyNs: A },
    ]);
    const n = 2 * 25 * 1000; // n/2 per step at 25 B/ns = 1000 ns
    const r = runCollective({ topology, op: 'allreduce', bytes: n, model: 'analytical', group: [0, 5] });
    expect(r.timeNs).toBe(2 * (3 * A + 1000));
  });
});

describe('sub-groups', () => {
  it('every other NPU of ring:8 is a sub-grid line whose neighbours are 2 hops apart', () => {
    // group {0,2,4,6}: ring all-reduce over 4 members, successor distance 2: 2·3·(2α + n/(4B))
    const topology = makeTopology([{ kind: 'ring', npus: 8, bandwidthGBps: B, latencyNs: A }]);
    const n = 4 * B * 1000;
    const r = runCollective({ topology, op: 'allreduce', bytes: n, model: 'analytical', group: [0, 2, 4, 6] });
    expect(r.timeNs).toBe(6 * (2 * A + 1000));
    expect(r.npus).toBe(4);
  });

  it('a group that does not fill a dimension runs as one flat ring (6 of switch:8)', () => {
    const topology = makeTopology([{ kind: 'switch', npus: 8, bandwidthGBps: B, latencyNs: A }]);
    const n = 6 * B * 1000;
    const r = runCollective({ topology, op: 'allreduce', bytes: n, model: 'analytical', group: [0, 1, 2, 3, 4, 5] });
    expect(r.timeNs).toBe(2 * 5 * (2 * A + 1000));
  });
});

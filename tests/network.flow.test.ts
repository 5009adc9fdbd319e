// The flow model at the seam: messages sent at given instants, delivery times checked against hand-derived max-min
// fluid schedules (cut-through: delivery = time the last byte leaves + Σ link latencies, rounded once).
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.ts';
import { AnalyticalNetwork, makeTopology, withPhysical, type Dimension } from '../src/network/index.ts';
import { simulate } from './helpers/flow.ts';

const dim = (kind: Dimension['kind'], npus: number, bandwidthGBps = 50, latencyNs = 500): Dimension => ({ kind, npus, bandwidthGBps, latencyNs });

describe('flow: contention-free messages take exactly the analytical time', () => {
  it.each([
    ['switch:8', [dim('switch', 8)], 3, 6, 1 << 20],
    ['ring:9, 4 hops', [dim('ring', 9)], 1, 5, 123457],
    ['fc:4', [dim('fullyConnected', 4, 37, 333)], 3, 0, 99991],
    ['ring:4 × switch:8 × fc:2, heterogeneous', [dim('ring', 4, 100, 100), dim('switch', 8, 25, 1000), dim('fullyConnected', 2, 300, 70)], 0, 63, 1e6],
    ['half-ns duration rounds half up', [dim('switch', 2, 2, 500)], 0, 1, 1],
    ['fractional bytes', [dim('ring', 8, 48, 250)], 2, 7, 1048576 / 3],
  ] as const)('%s', (_name, dims, src, dst, bytes) => {
    const topo = makeTopology(dims);
    const analytical = new AnalyticalNetwork(new Engine(), topo);
    const { at } = simulate(topo, [{ t: 1234, src, dst, bytes, extra: 5 }]);
    // analytical: t + round(Σ hops·latency + bytes / min bandwidth) + extra
    expect(at[0]).toBe(1234 + analytical.delay(src, dst, bytes) + 5);
  });

  it('the half-ns case is 500·2 + 1/2 = 1000.5 → 1001', () => {
    const { at } = simulate(makeTopology([dim('switch', 2, 2, 500)]), [{ t: 0, src: 0, dst: 1, bytes: 1 }]);
    expect(at[0]).toBe(1001);
  });

  it('an empty message takes its latency only; an isolated message costs one event and no recompute', () => {
    const topo = makeTopology([dim('ring', 8)]);
    const msgs = Array.from({ length: 8 }, (_, i) => ({ t: 0, src: i, dst: (i + 1) % 8, bytes: 5e4 }));
    const { at, net, run } = simulate(topo, [...msgs, { t: 0, src: 0, dst: 2, bytes: 0 }]);
    expect(at.slice(0, 8)).toEqual(Array(8).fill(1500)); // 500 + 50,000/50
    expect(at[8]).toBe(1000); // two hops of 500
    const s = net.stats();
    expect(s.isolatedFlows).toBe(8);
    expect(s.recomputes).toBe(0);
    expect(run.events).toBe(9 + 9); // 9 driver events, 9 deliveries
  });
});

describe('flow: sharing', () => {
  // switch:4, B = 50 B/ns, α = 500 ns: NPU 0's uplink is shared by everything it sends; Λ = 2α = 1000 ns
  const sw = makeTopology([dim('switch', 4)]);

  it('two flows on one link get B/2 each: 100,000 B takes 4,000 ns, not 2,000', () => {
    const { at } = simulate(sw, [{ t: 0, src: 0, dst: 1, bytes: 1e5 }, { t: 0, src: 0, dst: 2, bytes: 1e5 }]);
    expect(at).toEqual([5000, 5000]); // 1000 + 1e5 / 25
  });

  it('three flows on one link get B/3 each: 90,000 B takes 5,400 ns', () => {
    const { at } = simulate(sw, [1, 2, 3].map((d) => ({ t: 0, src: 0, dst: d, bytes: 9e4 })));
    expect(at).toEqual([6400, 6400, 6400]); // 1000 + 9e4 / (50/3)
  });

  it('a flow that finishes early releases its bandwidth to the other at that moment', () => {
    // both at 25 B/ns until the small one has sent 50,000 B at t = 2,000; the large one has 100,000 B left,
    // now at 50 B/ns: 2,000 ns more, last byte at 4,000 (not 150,000/25 = 6,000)
    const { at } = simulate(sw, [{ t: 0, src: 0, dst: 1, bytes: 5e4 }, { t: 0, src: 0, dst: 2, bytes: 1.5e5 }]);
    expect(at).toEqual([3000, 5000]);
  });

  it('a flow that starts later slows the first down from that moment', () => {
    // A alone 0–1,000 at 50 (50,000 sent); then A and B at 25: A's last 50,000 B take 2,000 → 3,000;
    // B has sent 50,000 by 3,000, then alone at 50: 1,000 more → 4,000. Deliveries + Λ = 1,000.
    const { at } = simulate(sw, [{ t: 0, src: 0, dst: 1, bytes: 1e5 }, { t: 1000, src: 0, dst: 2, bytes: 1e5 }]);
    expect(at).toEqual([4000, 5000]);
  });

  it('max-min with different bottlenecks, not an equal split (worked 3-flow example)', () => {
    // switch:2 × switch:2, dim 0 at 100 B/ns (α 100), dim 1 at 40 B/ns (α 200); NPU id = c0 + 2·c1.
    // f1: 0 → 3 crosses dim 0 (up 0, down 1) and dim 1 (up 1, down 3); f2: 0 → 1 (dim 0 only); f3: 1 → 3 (dim 1).
    // Fair shares: dim-0 links 100/2 = 50, dim-1 links 40/2 = 20. Fill: dim 1 saturates first: f1 = f3 = 20;
    // dim 0 then has 100 − 20 = 80 left for f2 alone: f2 = 80 (an equal split would give it 50).
    // 80,000 B each: f2 done at 1,000 (+Λ 200 → 1,200); f1 and f3 stay at 20 (dim 1 still binds after f2 leaves):
    // done at 4,000, f1 + Λ 600 → 4,600, f3 + Λ 400 → 4,400.
    const topo = makeTopology([dim('switch', 2, 100, 100), dim('switch', 2, 40, 200)]);
    let rates: number[] = [];
    const { at } = simulate(
      topo,
      [{ t: 0, src: 0, dst: 3, bytes: 8e4 }, { t: 0, src: 0, dst: 1, bytes: 8e4 }, { t: 0, src: 1, dst: 3, bytes: 8e4 }],
      (net) => { if (rates.length === 0 && net.snapshot().length === 3) rates = net.snapshot().map((f) => f.rate); },
    );
    expect(rates).toEqual([20, 80, 20]);
    expect(at).toEqual([4600, 1200, 4400]);
  });

  it('an endpoint injection cap binds flows on separate links', () => {
    // fc:4, a link per pair at 50; injectionGBps 50 makes NPU 0's two flows share 50: 25 each, 1e5 B → 4,000 + 500
    const fc = makeTopology([dim('fullyConnected', 4)]);
    const msgs = [{ t: 0, src: 0, dst: 1, bytes: 1e5 }, { t: 0, src: 0, dst: 2, bytes: 1e5 }];
    expect(simulate(fc, msgs).at).toEqual([2500, 2500]);
    expect(simulate(withPhysical(fc, { family: 'logical', injectionGBps: 50 }, 't'), msgs).at).toEqual([4500, 4500]);
  });

  it('extraNs is added after the last byte arrives', () => {
    const { at } = simulate(sw, [{ t: 0, src: 0, dst: 1, bytes: 1e5, extra: 77 }, { t: 0, src: 0, dst: 2, bytes: 1e5 }]);
    expect(at).toEqual([5077, 5000]);
  });

  it('simultaneous flows are rated in one recompute, and each link loses no byte', () => {
    const { at, net } = simulate(sw, [1, 2, 3].map((d) => ({ t: 0, src: 0, dst: d, bytes: 9e4 })));
    const s = net.stats();
    expect(s.components).toBe(1); // one component rated once at t = 0 (the releases at 5,400 leave nothing to rate)
    expect(s.ratedFlows).toBe(3);
    expect(at.every((t) => t === 6400)).toBe(true);
    const acct = net.settle();
    expect(acct.bytesRetired).toBe(2.7e5);
    expect(acct.live).toBe(0);
    expect(acct.maxOverdraftNs).toBeLessThanOrEqual(0.5);
  });
});

// The ASTRA-sim network models on single messages (reference/ASTRA-SIM.md §2, notes §6): unaware delays, and the
// aware model's routes, per-link FIFO and store-and-forward timing.
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.ts';
import { createNetworkModel, makeTopology, type Dimension } from '../src/network/index.ts';
import { astraB } from './helpers/astra.ts';

const B = astraB(50); // 53.687091 B/ns
const dim = (kind: Dimension['kind'], npus: number, latencyNs = 500): Dimension => ({ kind, npus, bandwidthGBps: B, latencyNs });

/** Sends each [src, dst, bytes] at time 0, in order; returns the arrival times. */
function arrivals(model: string, dims: Dimension[], msgs: [number, number, number][], extra = 0): number[] {
  const engine = new Engine();
  const net = createNetworkModel(model, engine, makeTopology(dims));
  const got: number[] = new Array(msgs.length).fill(-1);
  const h = engine.register({ onEvent: (i) => { got[i] = engine.now; } });
  msgs.forEach(([s, d, b], i) => net.send(s, d, b, h, i, 0, 0, extra));
  engine.run();
  return got;
}

describe('astra-unaware', () => {
  it('⌊hops·α + m/B⌋: ring the shorter way, fully connected 1 hop, switch 2', () => {
    const m = 32768; // m/B = 610.35
    expect(arrivals('astra-unaware', [dim('ring', 8)], [[0, 1, m], [0, 7, m], [0, 3, m], [0, 5, m], [0, 4, m]])).toEqual([1110, 1110, 2110, 2110, 2610]);
    expect(arrivals('astra-unaware', [dim('fullyConnected', 8)], [[0, 5, m]])).toEqual([1110]);
    expect(arrivals('astra-unaware', [dim('switch', 8)], [[0, 5, m]])).toEqual([1610]);
  });

  it('only the first dimension in which the NPUs differ counts, and messages never contend', () => {
    // 0 → 5 on ring 4 × switch 4 differs in dim 0 (0 vs 1) and dim 1 (0 vs 1): dim 0 alone, 1 hop
    expect(arrivals('astra-unaware', [dim('ring', 4), dim('switch', 4, 2000)], [[0, 5, 32768], [0, 4, 32768], [0, 5, 32768]]))
      .toEqual([1110, 4610, 1110]);
  });

  it('adds the receiver\'s processing delay after arrival', () => {
    expect(arrivals('astra-unaware', [dim('ring', 8)], [[0, 1, 32768]], 75)).toEqual([1185]);
  });
});

describe('astra-aware', () => {
  const m = 32768; // on a link: arrival ⌊500 + 610.35⌋ = 1,110 after it starts, link free after ⌊610.35⌋ = 610

  it('a link sends one message at a time, FIFO; the next starts when the link is free', () => {
    expect(arrivals('astra-aware', [dim('ring', 8)], [[0, 1, m], [0, 1, m], [0, 1, m]])).toEqual([1110, 610 + 1110, 1220 + 1110]);
  });

  it('a switch is a device: src → switch → dst, each link storing and forwarding the whole message', () => {
    expect(arrivals('astra-aware', [dim('switch', 8)], [[0, 5, m]])).toEqual([2 * 1110]);
    // two sources to one destination share the switch → dst link
    expect(arrivals('astra-aware', [dim('switch', 8)], [[0, 5, m], [1, 5, m]])).toEqual([2220, 2220 + 610]);
    // one source to two destinations shares its uplink
    expect(arrivals('astra-aware', [dim('switch', 8)], [[0, 5, m], [0, 6, m]])).toEqual([2220, 610 + 2220]);
  });

  it('ring routes go clockwise unless anticlockwise is strictly shorter, hop by hop', () => {
    // 0 → 2 on ring 4: tie, clockwise via 1 (shares 0→1 with a 0 → 1 message); 0 → 3: anticlockwise, 1 hop
    expect(arrivals('astra-aware', [dim('ring', 4)], [[0, 2, m], [0, 1, m], [0, 3, m]])).toEqual([2 * 1110, 610 + 1110, 1110]);
    // 0 → 2 and 2 → 0 both take their clockwise links: no sharing
    expect(arrivals('astra-aware', [dim('ring', 4)], [[0, 2, m], [2, 0, m]])).toEqual([2220, 2220]);
  });

  it('fully connected: one direct link per ordered pair', () => {
    expect(arrivals('astra-aware', [dim('fullyConnected', 4)], [[0, 3, m], [0, 2, m], [1, 3, m]])).toEqual([1110, 1110, 1110]);
  });

  it('beyond ASTRA-sim: several dimensions, crossed in order, each line with its own links', () => {
    // 0 → 5 on ring 4 × switch 4: ring hop 0 → 1, then 1 → switch → 5 in dim 1 (latency 2000: ⌊2000 + 610.35⌋)
    expect(arrivals('astra-aware', [dim('ring', 4), dim('switch', 4, 2000)], [[0, 5, m]])).toEqual([1110 + 2 * 2610]);
    // lines of dim 1 through NPUs 0 and 1 have different switches: no sharing
    expect(arrivals('astra-aware', [dim('ring', 4), dim('switch', 4, 2000)], [[0, 4, m], [1, 5, m]])).toEqual([5220, 5220]);
  });

  it('adds the processing delay after the last hop, and keeps no per-message objects', () => {
    expect(arrivals('astra-aware', [dim('switch', 8)], [[0, 5, m]], 30)).toEqual([2250]);
    // a burst much larger than the initial pool (1024 messages) grows it and delivers everything in FIFO order
    const burst = Array.from({ length: 5000 }, () => [0, 1, 1000] as [number, number, number]);
    const t = arrivals('astra-aware', [dim('ring', 8)], burst);
    const ser = Math.floor(1000 / B);
    expect(t[4999]).toBe(4999 * ser + Math.floor(500 + 1000 / B));
  });
});

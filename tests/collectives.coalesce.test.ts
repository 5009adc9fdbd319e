// Coalesced deliveries (src/collectives/coalesce.ts) change the number of engine events and nothing else: with and
// without them, every message is sent at the same simulated time, in the same order, and every rank finishes at
// the same ns, in the same order.
import { describe, expect, it } from 'vitest';
import { runCollective } from '../src/api/index.ts';
import { CollectiveSystem, parseAlgorithm, type CollectiveOp, type SystemOptions } from '../src/collectives/index.ts';
import { createRng, Engine, SCHEDULER_NAMES, type SchedulerName } from '../src/engine/index.ts';
import { createNetworkModel, makeTopology, type NetworkModel, type Topology } from '../src/network/index.ts';
import { randomCollectiveShape } from './helpers/random-collective.ts';

/** astra-unaware, with every message recorded as (time sent, src, dst, bytes) in the order it was sent. */
function recording(engine: Engine, topology: Topology, log: number[]): NetworkModel {
  const net = createNetworkModel('astra-unaware', engine, topology);
  return {
    name: net.name,
    topology,
    send(src, dst, bytes, h, a, b, c, extra) {
      log.push(engine.now, src, dst, bytes);
      net.send(src, dst, bytes, h, a, b, c, extra);
    },
    arrivalAt(src, dst, bytes, extra) {
      log.push(engine.now, src, dst, bytes);
      return net.arrivalAt!(src, dst, bytes, extra);
    },
    stats: () => net.stats(),
  };
}

interface Case {
  topology: Topology;
  op: CollectiveOp;
  bytes: number;
  algorithms: string[];
  root: number;
  system: Partial<SystemOptions>;
}

function run(k: Case, ownsEngine: boolean, scheduler: SchedulerName = 'calendar') {
  const engine = new Engine({ scheduler });
  const sends: number[] = [];
  const done: number[] = [];
  const system = new CollectiveSystem(engine, recording(engine, k.topology, sends), k.system, { ownsEngine });
  const c = system.start(
    { op: k.op, bytes: k.bytes, algorithms: k.algorithms.map((a) => parseAlgorithm(a)), root: k.root },
    { onRankDone: (_c, m, t) => done.push(m, t) },
  );
  const stats = engine.run();
  expect(c.membersDone).toBe(c.size);
  return { sends, done, events: stats.events, coalescing: system.batches !== undefined };
}

function randomCase(seed: number): Case {
  const rng = createRng(seed, 'coalesce-case');
  const { topology, algorithms, op } = randomCollectiveShape(rng);
  return {
    topology, op, bytes: 1 + rng.int(1 << 22), algorithms, root: rng.int(topology.npus),
    system: {
      chunks: 1 + rng.int(4),
      activeChunksPerDim: 1 + rng.int(2),
      endpointDelayNs: rng.int(3) * 10,
      scheduling: rng.int(2) === 0 ? 'FIFO' : 'LIFO',
      flavor: rng.int(2) === 0 ? 'astra' : 'native',
      composition: rng.int(2) === 0 || algorithms.includes('doubleBinaryTree') ? 'baseline' : 'localBWAware',
      ...(rng.int(2) === 0 ? { localMemBwGBps: 400 } : {}),
    },
  };
}

describe('coalesced deliveries', () => {
  it.each([8, 600])('switch:%i ring all-reduce: one event per step instead of one per message, same sends and finish times', (p) => {
    const k: Case = {
      topology: makeTopology([{ kind: 'switch', npus: p, bandwidthGBps: 50, latencyNs: 500 }]), op: 'allreduce', bytes: 1 << 20,
      algorithms: ['ring'], root: 0, system: { chunks: 1, endpointDelayNs: 0, flavor: 'astra' },
    };
    const plain = run(k, false), coalesced = run(k, true);
    expect(plain.coalescing).toBe(false);
    expect(coalesced.coalescing).toBe(true);
    // p ranks × 2(p−1) steps messages, each its own event without coalescing (p = 8: 112)
    expect(plain.events).toBe(p * 2 * (p - 1));
    expect(plain.sends.length / 4).toBe(p * 2 * (p - 1));
    // all p messages of a step are due at one instant, back to back: 2(p−1) events (p = 600: a batch spans a small
    // block of 16 deliveries and three big ones of 256)
    expect(coalesced.events).toBe(2 * (p - 1));
    expect(coalesced.sends).toEqual(plain.sends);
    expect(coalesced.done).toEqual(plain.done);
  });

  it.each(Array.from({ length: 120 }, (_, i) => i + 1))('random case %i: same sends, in order, and same finishes', (seed) => {
    const k = randomCase(seed);
    const plain = run(k, false);
    for (const scheduler of SCHEDULER_NAMES) {
      const coalesced = run(k, true, scheduler);
      expect(coalesced.sends).toEqual(plain.sends);
      expect(coalesced.done).toEqual(plain.done);
      expect(coalesced.events).toBeLessThanOrEqual(plain.events);
    }
  });

  it('only on a network that can say when a message arrives (not analytical, flow)', () => {
    const topology = makeTopology([{ kind: 'switch', npus: 4, bandwidthGBps: 50, latencyNs: 500 }]);
    for (const model of ['analytical', 'flow']) {
      const engine = new Engine();
      const system = new CollectiveSystem(engine, createNetworkModel(model, engine, topology), {}, { ownsEngine: true });
      expect(system.batches, model).toBeUndefined();
    }
  });

  it('runCollective reports the same times as before, with fewer events (64-rank switch, 4 chunks)', () => {
    const topology = makeTopology([{ kind: 'switch', npus: 64, bandwidthGBps: 50, latencyNs: 500 }]);
    const spec = { topology, op: 'allreduce' as const, bytes: 1 << 24, algorithms: ['ring'], model: 'astra-unaware', system: { chunks: 4, endpointDelayNs: 10 } };
    const r = runCollective(spec);
    const engine = new Engine();
    const system = new CollectiveSystem(engine, createNetworkModel('astra-unaware', engine, topology), { ...spec.system, flavor: 'astra' });
    const c = system.start({ op: 'allreduce', bytes: 1 << 24, algorithms: [parseAlgorithm('ring')] });
    const plain = engine.run();
    expect(r.perRankNs).toEqual(Array.from(c.doneAt));
    // without coalescing: 4 chunks × 64 ranks × 2(64−1) messages + 4 × 64 phase starts (endpoint delay)
    expect(plain.events).toBe(4 * 64 * 126 + 4 * 64);
    expect(r.messages).toBe(4 * 64 * 126);
    // with it: the same phase starts, and one event per step of each chunk (4 × 126)
    expect(r.events).toBe(4 * 64 + 4 * 126);
  });
});

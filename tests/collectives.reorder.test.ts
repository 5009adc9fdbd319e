// Collectives finish whatever order simultaneous messages arrive in.
//
// The flow model delivers flows that finish at one instant in the order it scheduled them, which is not the order
// they were sent: GPT-3 on the 4-unit DGX H100 SuperPOD (pp ≥ 2) once deadlocked because a ring member whose
// predecessor sent steps 1, 2 and 3 at one instant received them as 3, 1, 2, took step 3's message as a stand-in
// for step 2, and then counted step 2's own message as early while it waited for step 3 (issue 15, item 1).
//
// Here a network whose every message takes exactly DELAY ns (so messages sent together arrive together) delivers
// each instant's messages in a seeded random order, members join at staggered times (so some have several early
// messages and send several steps at once), and every collective of every algorithm must still finish for every
// member.
import { describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES, parseAlgorithm } from '../src/api/index.ts';
import { CollectiveSystem, type CollectiveOp } from '../src/collectives/index.ts';
import { createRng, Engine, type EventHandler, type Rng } from '../src/engine/index.ts';
import { makeTopology, type NetworkModel, type NetworkStats, type Topology } from '../src/network/index.ts';

const DELAY = 1000;

/** Every message takes DELAY + extraNs; the messages due at one instant are delivered in a shuffled order. */
class ShufflingNetwork implements NetworkModel, EventHandler {
  readonly name = 'shuffling';
  private readonly due = new Map<number, number[][]>();
  private readonly self: number;
  private messages = 0;
  constructor(private readonly engine: Engine, readonly topology: Topology, private readonly rng: Rng) {
    this.self = engine.register(this);
  }
  send(_src: number, _dst: number, _bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    const at = this.engine.now + DELAY + extraNs;
    let batch = this.due.get(at);
    if (!batch) {
      this.due.set(at, (batch = []));
      this.engine.scheduleAt(at, this.self);
    }
    batch.push([handler, a, b, c]);
  }
  onEvent(): void {
    const batch = this.due.get(this.engine.now)!;
    this.due.delete(this.engine.now);
    for (let i = batch.length - 1; i > 0; i--) { // Fisher-Yates with the seeded stream
      const j = this.rng.int(i + 1);
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    for (const [h, a, b, c] of batch) this.engine.dispatch(h!, a!, b!, c!);
  }
  stats(): NetworkStats {
    return { messages: this.messages, bytes: 0 };
  }
}

const CASES: [string, CollectiveOp[]][] = [
  ['ring', ['allreduce', 'reducescatter', 'allgather', 'alltoall', 'broadcast', 'reduce']],
  ['direct', ['allreduce', 'reducescatter', 'allgather', 'alltoall']],
  ['halvingDoubling', ['allreduce', 'reducescatter', 'allgather']],
  ['doubleBinaryTree', ['allreduce']],
];

describe('collectives under reordered simultaneous deliveries', () => {
  it('covers every registered algorithm', () => {
    expect(CASES.map((c) => c[0]).sort()).toEqual([...ALGORITHM_NAMES].sort());
  });

  for (const [algo, ops] of CASES) {
    for (const op of ops) {
      it(`${algo} ${op}: every member finishes, repeated instances included`, () => {
        for (let seed = 1; seed <= 20; seed++) {
          const rng = createRng(seed, `reorder-${algo}-${op}`);
          const p = 8;
          const engine = new Engine();
          const topology = makeTopology([{ kind: 'switch', npus: p, bandwidthGBps: 100, latencyNs: 0 }]);
          const net = new ShufflingNetwork(engine, topology, rng);
          // endpoint delays make reduced and plain steps' processing differ, so messages also overtake that way
          const system = new CollectiveSystem(engine, net, { endpointDelayNs: seed % 2 === 0 ? 0 : 7, chunks: 1 + (seed % 3) });
          const template = system.prepare({ op, bytes: 1 << 20, algorithms: [parseAlgorithm(algo, 'algo')], root: 0 });
          let finished = 0;
          const instances = 3;
          const startInstance = (k: number) => {
            const c = system.instantiate(template, {
              onDone: () => {
                finished++;
                if (k + 1 < instances) engine.schedule(rng.int(3) * DELAY, hNext, k + 1);
              },
            });
            // joins staggered by whole multiples of DELAY: a late member finds several messages waiting
            for (let m = 0; m < p; m++) engine.schedule(rng.int(4) * DELAY * (1 + rng.int(3)), hJoin, c.id, m);
            live.set(c.id, c);
          };
          const live = new Map<number, ReturnType<CollectiveSystem['instantiate']>>();
          const hJoin = engine.register({ onEvent: (id, m) => system.join(live.get(id)!, m) });
          const hNext = engine.register({ onEvent: (k) => startInstance(k) });
          startInstance(0);
          engine.run();
          expect(finished, `seed ${seed}`).toBe(instances);
        }
      });
    }
  }
});

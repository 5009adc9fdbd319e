// Random training-like traffic on every shipped topology finishes under the flow model (issue 15, item 1).
//
// Each rank runs a few rounds of: compute of a seeded random length (so members join collectives at different
// times and some find several messages waiting), a tensor-parallel all-reduce or all-gather inside its node (dim 0),
// a data-parallel collective across nodes on its rail, and a pipeline send to the next GPU of the next node (across
// the NVSwitch, then the NIC, as NCCL's PXN does: the traffic that shares NVLink links with the tensor-parallel
// rings and once deadlocked GPT-3 on the 4-unit SuperPOD). Every op of every rank must finish.
import { describe, expect, it } from 'vitest';
import { namedTopologies, resolveTopology, runTrace } from '../src/api/index.ts';
import { createRng } from '../src/engine/index.ts';
import type { Op, Trace } from '../src/workload/trace.ts';

function randomTraffic(npus: number, d0: number, seed: number): Trace {
  const rng = createRng(seed, 'shipped-traffic');
  const nodes = npus / d0;
  const tp = Array.from({ length: nodes }, (_, n) => Array.from({ length: d0 }, (_, g) => n * d0 + g));
  const dp = Array.from({ length: d0 }, (_, g) => Array.from({ length: nodes }, (_, n) => n * d0 + g));
  const rounds = 3;
  const sizes = Array.from({ length: rounds }, () => [1 << (16 + rng.int(8)), 1 << (14 + rng.int(8)), 1 << (16 + rng.int(6))] as const);
  const tpOps = Array.from({ length: rounds }, () => (rng.next() < 0.7 ? 'allreduce' : 'allgather') as 'allreduce' | 'allgather');
  const programs = [];
  for (let r = 0; r < npus; r++) {
    const ops: Op[] = [];
    const node = Math.floor(r / d0), g = r % d0;
    const next = nodes > 1 ? ((node + 1) % nodes) * d0 + ((g + 1) % d0) : -1;
    const prev = nodes > 1 ? ((node - 1 + nodes) % nodes) * d0 + ((g - 1 + d0) % d0) : -1;
    let id = 0;
    for (let k = 0; k < rounds; k++) {
      const [tb, db, pb] = sizes[k]!;
      const c = id++;
      ops.push({ id: c, kind: 'compute', durationNs: 1000 + rng.int(200_000) });
      ops.push({ id: id++, kind: 'coll', op: tpOps[k]!, group: 'tp', bytes: tb, deps: [c], stream: 'tp' });
      if (nodes > 1) {
        ops.push({ id: id++, kind: 'coll', op: 'allreduce', group: 'dp', bytes: db, deps: [c], stream: 'dp' });
        ops.push({ id: id++, kind: 'send', peer: next, tag: k, bytes: pb, deps: [c], stream: 'send' });
        ops.push({ id: id++, kind: 'recv', peer: prev, tag: k, bytes: pb, deps: [c], stream: 'recv' });
      }
    }
    programs.push({ ranks: [r], ops });
  }
  return { format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ranks: npus, groups: { tp, dp }, programs };
}

describe('flow model: random traffic on every shipped topology finishes', () => {
  const names = namedTopologies();
  it('finds the shipped topologies', () => {
    expect(names).toContain('dgx-h100-superpod-4su');
  });
  for (const name of names) {
    it(name, () => {
      const { topology } = resolveTopology({ topology: name });
      const d0 = topology.dims[0]!.npus;
      const seeds = topology.npus > 256 ? [1] : [1, 2, 3];
      for (const seed of seeds) {
        const trace = randomTraffic(topology.npus, d0, seed);
        const report = runTrace({ topology, trace, model: 'flow' });
        // every rank's last op finished (a stall would have thrown a deadlock report instead)
        expect(report.ranks).toHaveLength(topology.npus);
        expect(report.ranks.every((x) => x.endNs > 0 && x.endNs <= report.stepTimeNs), `${name} seed ${seed}`).toBe(true);
      }
    }, 120_000);
  }
});

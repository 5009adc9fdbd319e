// Every file in topologies/ loads, validates and runs a small collective (STYLE.md habit 8).
import { describe, expect, it } from 'vitest';
import { namedTopologies, resolveTopology, runCollective } from '../src/api/index.ts';

describe('topologies/', () => {
  const names = namedTopologies();

  it('ships the topologies the README names', () => {
    for (const n of ['ring-8', 'switch-64', 'fc-8', 'torus-4x4x4', 'torus-8x8x8', 'dgx-a100-16node']) expect(names).toContain(n);
    // physical topologies for the flow model
    for (const n of ['dgx-h100', 'dgx-h100-32node-rail', 'dgx-h100-superpod-4su', 'fattree-2to1', 'mesh-8x8']) expect(names).toContain(n);
  });

  it.each(names)('%s runs an all-reduce on the flow model too, never faster than analytical', (name) => {
    const { topology } = resolveTopology({ topology: name });
    const flow = runCollective({ topology, op: 'allreduce', bytes: 1 << 20, model: 'flow' });
    const analytical = runCollective({ topology, op: 'allreduce', bytes: 1 << 20, model: 'analytical' });
    expect(flow.npus).toBe(topology.npus);
    // on its logical links flow can only add contention (and, on a physical section, hops): never less time
    expect(flow.timeNs).toBeGreaterThanOrEqual(analytical.timeNs);
  });

  it.each(names)('%s loads and runs an all-reduce', (name) => {
    const { topology } = resolveTopology({ topology: name });
    expect(topology.npus).toBeGreaterThan(1);
    const r = runCollective({ topology, op: 'allreduce', bytes: 1 << 20 });
    expect(r.timeNs).toBeGreaterThan(0);
    expect(r.npus).toBe(topology.npus);
  });
});

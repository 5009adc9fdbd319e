// Every file in topologies/ loads, validates and runs a small collective (STYLE.md habit 8).
import { describe, expect, it } from 'vitest';
import { namedTopologies, resolveTopology, runCollective } from '../src/api/index.ts';

describe('topologies/', () => {
  const names = namedTopologies();

  it('ships the topologies the README names', () => {
    for (const n of ['ring-8', 'switch-64', 'fc-8', 'torus-4x4x4', 'torus-8x8x8', 'dgx-a100-16node']) expect(names).toContain(n);
  });

  it.each(names)('%s loads and runs an all-reduce', (name) => {
    const { topology } = resolveTopology({ topology: name });
    expect(topology.npus).toBeGreaterThan(1);
    const r = runCollective({ topology, op: 'allreduce', bytes: 1 << 20 });
    expect(r.timeNs).toBeGreaterThan(0);
    expect(r.npus).toBe(topology.npus);
  });
});

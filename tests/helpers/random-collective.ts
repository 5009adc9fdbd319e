// A random collective's shape for the property tests (collectives.properties, collectives.coalesce): 1-3 dimensions
// of ring, switch or fully connected with 2-8 NPUs each, one algorithm per dimension, and an operation every one of
// those algorithms supports. Draws from `rng` in a fixed order, so each test's seeds give the cases they always gave.
import { COLLECTIVE_OPS, type CollectiveOp } from '../../src/collectives/index.ts';
import type { Rng } from '../../src/engine/index.ts';
import { makeTopology, type DimensionKind, type Topology } from '../../src/network/index.ts';

const KINDS: DimensionKind[] = ['ring', 'switch', 'fullyConnected'];
const ALGORITHMS = ['ring', 'direct', 'halvingDoubling', 'doubleBinaryTree'];
/** The operations each algorithm implements (src/collectives/algorithms). */
const SUPPORT: Record<string, CollectiveOp[]> = {
  ring: [...COLLECTIVE_OPS],
  direct: [...COLLECTIVE_OPS],
  halvingDoubling: ['allreduce', 'reducescatter', 'allgather', 'broadcast', 'reduce', 'barrier'],
  doubleBinaryTree: ['allreduce', 'barrier'],
};

export function randomCollectiveShape(rng: Rng): { topology: Topology; algorithms: string[]; op: CollectiveOp } {
  const dims = Array.from({ length: 1 + rng.int(3) }, () => ({
    kind: KINDS[rng.int(3)]!,
    npus: 2 ** (1 + rng.int(3)),
    bandwidthGBps: [25, 50, 100][rng.int(3)]!,
    latencyNs: [0, 100, 500][rng.int(3)]!,
  }));
  const algorithms = dims.map(() => ALGORITHMS[rng.int(4)]!);
  const ops = COLLECTIVE_OPS.filter((op) => algorithms.every((a) => SUPPORT[a]!.includes(op)));
  const op = ops[rng.int(ops.length)]!;
  return { topology: makeTopology(dims), algorithms, op };
}

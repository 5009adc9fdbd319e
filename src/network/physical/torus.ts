/**
 * Family `torus`: a torus or mesh of any dimension (grid.ts with ring or line dimensions), dimension-order routing:
 * a message first corrects its dim-0 coordinate, then dim 1, …; on a torus dimension it goes the shorter way round
 * (the + way on a tie), on a mesh dimension straight. Its shape need not match the logical dimensions (a logical
 * ring of 16 can run on a physical 4x4 torus); only the NPU count must.
 */
import type { TorusSpec } from './spec.ts';
import { GridNetwork } from './grid.ts';

export function torusNetwork(spec: TorusSpec, where: string): GridNetwork {
  return new GridNetwork(
    'torus',
    spec.dims.map((n, d) => ({
      kind: spec.wraparound[d] ? 'ring' : 'line',
      npus: n,
      bandwidthGBps: spec.bandwidthGBps[d]!,
      latencyNs: spec.latencyNs[d]!,
    })),
    where,
  );
}

/** Physical topologies for the flow model: build the network a topology describes (its `physical` section, or its
 * logical dimensions mapped to links). */
import type { Topology } from '../topology.ts';
import { FatTreeNetwork } from './fatTree.ts';
import { logicalNetwork } from './logical.ts';
import { RailOptimizedNetwork } from './railOptimized.ts';
import { torusNetwork } from './torus.ts';
import type { PhysicalTopology } from './types.ts';

export type { PhysicalTopology } from './types.ts';
export { ecmpHash, MAX_LINKS } from './types.ts';
export {
  checkPhysicalSpec, withPhysical, PHYSICAL_FAMILIES,
  type PhysicalSpec, type PhysicalFamily, type TorusSpec, type FatTreeSpec, type RailOptimizedSpec, type LogicalSpec,
} from './spec.ts';
export { GridNetwork, type GridDim, type GridKind } from './grid.ts';
export { FatTreeNetwork } from './fatTree.ts';
export { RailOptimizedNetwork } from './railOptimized.ts';

/** Builds the physical network of a topology; `where` prefixes errors. */
export function buildPhysical(topology: Topology, where = topology.name): PhysicalTopology {
  const spec = topology.physical;
  switch (spec?.family) {
    case undefined:
    case 'logical':
      return logicalNetwork(topology, where);
    case 'torus':
      return torusNetwork(spec, where);
    case 'fatTree':
      return new FatTreeNetwork(spec, topology.npus, where);
    case 'railOptimized':
      return new RailOptimizedNetwork(spec, topology.npus, where);
  }
}

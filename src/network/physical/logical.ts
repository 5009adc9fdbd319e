/**
 * Family `logical`: the logical multi-dimensional topology itself mapped to links (see grid.ts): a ring dimension is
 * a link each way between neighbours, a switch dimension a switch per line with an up and a down link per NPU, a
 * fully connected dimension a link per ordered pair; messages are routed dimension by dimension, dim 0 first, as the
 * analytical model counts hops. Every existing topology file and CLI shorthand runs on `flow` this way.
 */
import type { Topology } from '../topology.ts';
import { GridNetwork } from './grid.ts';

export function logicalNetwork(topology: Topology, where: string): GridNetwork {
  return new GridNetwork('logical', topology.dims.map((d) => ({ ...d })), where);
}

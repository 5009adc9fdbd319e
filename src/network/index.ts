export * from './topology.ts';
export * from './cluster.ts';
export type { NetworkModel, NetworkStats, NetworkModelFactory } from './model.ts';
export { AnalyticalNetwork } from './analytical.ts';
export { AstraUnawareNetwork } from './astraUnaware.ts';
export { AstraAwareNetwork } from './astraAware.ts';
export { NETWORK_MODELS, DEFAULT_NETWORK_MODEL, createNetworkModel, networkModelNames, type NetworkModelEntry } from './registry.ts';
export { FlowNetwork, type FlowOptions, type FlowView } from './flow.ts';
export {
  buildPhysical, checkPhysicalSpec, withPhysical, ecmpHash, PHYSICAL_FAMILIES, GridNetwork, FatTreeNetwork, RailOptimizedNetwork,
  type PhysicalTopology, type PhysicalSpec, type PhysicalFamily,
} from './physical/index.ts';

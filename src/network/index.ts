export * from './topology.ts';
export type { NetworkModel, NetworkStats, NetworkModelFactory } from './model.ts';
export { AnalyticalNetwork } from './analytical.ts';
export { NETWORK_MODELS, DEFAULT_NETWORK_MODEL, createNetworkModel, networkModelNames, type NetworkModelEntry } from './registry.ts';

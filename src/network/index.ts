export * from './topology.ts';
export type { NetworkModel, NetworkStats, NetworkModelFactory } from './model.ts';
export { AnalyticalNetwork } from './analytical.ts';

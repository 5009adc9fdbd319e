/**
 * The names, option lists and error classes the CLI takes from the collectives, network, engine and io layers,
 * re-exported from the modules that define them (not from their packages' index files), so that a command's
 * bundle holds only the modules it reaches: `orrery collective` loads no workload, serving or compute code.
 * The workload-side names are in vocabulary-workload.ts.
 */
export { COLLECTIVE_OPS, COMPOSITIONS, DEFAULT_SYSTEM, type AlgorithmSpec, type CollectiveOp, type SystemOptions } from '../collectives/types.ts';
export { parseAlgorithm } from '../collectives/algorithms/registry.ts';
export { DEFAULT_NETWORK_MODEL, NETWORK_MODELS, networkModelNames } from '../network/registry.ts';
export { describeDims } from '../network/topology.ts';
export { SCHEDULER_NAMES, type SchedulerName } from '../engine/scheduler.ts';
export { InputError } from '../io/errors.ts';
export { checkOutputPath, writeOrFail } from '../io/output.ts';
export type { TableFormat } from '../io/table.ts';

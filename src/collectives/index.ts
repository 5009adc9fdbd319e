export * from './types.ts';
export { planCollective, type CollectivePlan, type PhasePlan, type PlanRequest } from './plan.ts';
export {
  CollectiveSystem, Collective, checkOptions, describeStall, type CollectiveRequest, type CollectiveListener, type CollectiveTemplate,
} from './system.ts';
export { ALGORITHMS, parseAlgorithm, checkAlgorithm } from './algorithms/registry.ts';
export { doubleBinaryTrees, type Tree } from './algorithms/doubleBinaryTree.ts';
export * from './nccl/index.ts';

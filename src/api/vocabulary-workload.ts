/**
 * The names and option lists the CLI's workload, serving and kernel commands take from the compute, workload and
 * serving layers, re-exported from the modules that define them (see vocabulary.ts for why).
 */
export { parseSetArg } from '../io/workloadSpec.ts';
export { PRECISIONS, type Precision } from '../compute/precision.ts';
export { KERNEL_TYPES } from '../compute/kernels.ts';
export { deviceNames } from '../compute/devices.ts';
export type { StageMemory } from '../workload/memory.ts';
export { DEFAULT_TIMELINE_MAX_EVENTS } from '../workload/timeline.ts';
export { ISSUE_POLICIES, type IssuePolicy } from '../workload/replay.ts';
export { ROUTERS } from '../serving/router.ts';
export { SCHEDULER_KINDS } from '../serving/schedulers.ts';

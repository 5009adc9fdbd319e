export * from './trace.ts';
export { validateTrace, p2pPartnerOf, checkOp, compactRanges, ranksLabel, PRECISIONS, type ValidatedTrace, type ValidateOptions, type ProgramGraph, type GroupTable } from './validate.ts';
export { DEVICES, deviceNames, getDevice, rooflineNs, type DevicePreset, type ComputeModel } from './devices.ts';
export {
  Replay, runReplay, recordBusBwGBps, ISSUE_POLICIES, type IssuePolicy, type ReplayOptions, type ReplayResult,
  type CollectiveRecord, type ComputeOptions,
} from './replay.ts';
export { NcclTimer, NcclCollective, type NcclTiming } from './nccl-timing.ts';
export { buildTimeline, DEFAULT_TIMELINE_MAX_EVENTS, type TimelineModel, type TimelineOptions, type TimelineProcess, type TimelineThread } from './timeline.ts';
export {
  trainingMemory, modelStateBytes, layerActivationBytes, largestParts, RECOMPUTE_MODES, type MemoryReport, type StageMemory,
  type MemoryParts, type MemoryOptions, type RecomputeMode, type AttentionKind,
} from './memory.ts';
export { ProgramCompiler, type Compiled } from './replay-compile.ts';
export type { CollShape } from './validate-comm.ts';

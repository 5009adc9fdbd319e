/** The public API: everything the CLI (and library users) need. */
export { runCollective, algorithmLabel, type CollectiveSpec, type CollectiveReport } from './collective.ts';
export {
  runAstraCollective, loadAstraSetup, loadAstraRunSetup, type AstraCollectiveSpec, type AstraCollectiveResult, type AstraSetup,
} from './astra.ts';
export { resolveTopology, namedTopologies, clusterPresetNames, loadClusterPreset, CLUSTERS_DIR, TOPOLOGIES_DIR, type ResolvedTopology, type TopologyArgs } from './topology.ts';
export {
  COLLECTIVE_OPS, ALGORITHM_NAMES, COMPOSITIONS, DEFAULT_SYSTEM, CollectiveError, parseAlgorithm,
  type CollectiveOp, type SystemOptions, type AlgorithmSpec,
} from '../collectives/index.ts';
export { networkModelNames, NETWORK_MODELS, DEFAULT_NETWORK_MODEL, TopologyError, describeDims } from '../network/index.ts';
export { SCHEDULER_NAMES, type SchedulerName } from '../engine/index.ts';
export { InputError, checkOutputPath, writeOrFail, isIoError, ioReason } from '../io/index.ts';
export {
  loadWorkload, runTrace, convertWorkload, exportWorkloadToChakra, WORKLOAD_LOADERS, type WorkloadInput, type LoadOptions, type LoadedWorkload,
  type WorkloadLoader, type RunSpec, type RunReport, type RankReport, type CollectiveRow, type CollectiveSummary,
  type ConvertResult, type TimelineSpec,
} from './run.ts';
export {
  TRACE_FORMAT, TRACE_VERSION, TraceError, DEVICES, deviceNames, ISSUE_POLICIES, PRECISIONS, DEFAULT_TIMELINE_MAX_EVENTS,
  type Op, type IssuePolicy, type Precision, type DevicePreset,
} from '../workload/index.ts';
export { TRACE_ENCODINGS, type TraceEncoding } from '../io/index.ts';
export {
  loadChakra, loadAstraWorkload, generateWorkload, kernelDetailFor, workloadMemory, exportChakra, loadWorkloadSpec, namedWorkloads, workloadPath, WORKLOADS_DIR,
  type LoadChakraOptions, type LoadAstraOptions, type GenerateWorkloadOptions, type ExportChakraOptions,
} from './workloads.ts';
export { parseSetArg } from '../io/index.ts';
export type { Trace } from '../workload/trace.ts';
export type { WorkloadSpec } from '../workload/generators/spec.ts';
export {
  runSweep, expandSweep, shardPoints, sweepColumns, readSweepSpec, readSweepFile, mergeSweepFiles, outputFormat,
  defaultJobs, parseShard, SWEEP_COMMANDS, sweepCommandNames, getSweepCommand, familyTable, TOPOLOGY_FAMILIES,
  TOPOLOGY_PARAMS, buildFamily, familyNames, balancedFactors, runPoint, TIMING_COLUMNS,
  type SweepRequest, type SweepPoint, type SweepSummary, type SweepProgress, type RunSweepOptions, type SweepCommand,
  type SweepParam, type RawValue, type ParamValue, type TopologyFamily, type MergeSummary,
} from './sweep.ts';
export { sweepChart, sweepPlotSvg } from './sweep-plot.ts';
export {
  submitSlurmSweep, slurmStatus, followSlurmSweep, mergeSlurmSweep, slurmReason, slurmPaths, batchScript, arraySpec, taskRows,
  SLURM_MAX_ATTEMPTS, type SlurmSubmitOptions, type SlurmState, type SlurmStatus, type TaskStatus, type TaskState,
  type SlurmRunner, type FollowEvent,
} from './sweep-slurm.ts';
export type { TableFormat } from '../io/index.ts';
export { runCollectiveOptions, type CollectiveOptions } from './collective-options.ts';
export { checkMemory, describeParts, inFlightLabel, GiB, type RunMemory } from './memory.ts';
export {
  trainingMemory, modelStateBytes, layerActivationBytes, RECOMPUTE_MODES, type MemoryReport, type StageMemory, type MemoryParts,
  type MemoryOptions, type RecomputeMode, type AttentionKind,
} from '../workload/index.ts';
export {
  runServe, buildRequests, buildReplicas, modelShape, STEP_MODELS, DEFAULT_STEP_MODEL, parseLength, parseSlo, requestRows, DEVICE_MEMORY_BYTES, SERVING_TRACES_DIR,
  type ServeOptions, type ServeReport, type ServeRun,
} from './serve.ts';
export { SCHEDULER_KINDS, ROUTERS, ServingError } from '../serving/index.ts';
export { findMaxQps, type CapacityResult } from './serve-capacity.ts';
export { calibrate, type CalibrateSpec, type CalibrateResult, type CalibrationRow } from './calibrate/index.ts';
export { createComputeModel, computeModelNames, DEFAULT_COMPUTE_MODEL, type ComputeModelSpec } from './compute.ts';
export { runValidation, suiteNames, VALIDATION_SUITES, summarize as summarizeValidation, type SuiteResult, type GroupResult, type ValidationCase, type ValidationSuite } from './validate/index.ts';
export { predictKernel, predictKernelCsv, kernelFromFields, kernelWarnings, KERNEL_RESULT_COLUMNS, type KernelQuery, type KernelResult } from './kernel.ts';
export { KERNEL_TYPES, PRECISIONS as COMPUTE_PRECISIONS } from '../compute/index.ts';
export { writeCollectivesPlots } from './validate/collectives-plot.ts';

/** Request-level simulation of LLM inference serving: requests, replicas, schedulers, KV cache, router, metrics. */
export { ServingError } from './errors.ts';
export { rankShapes, paramsPerRank, blockParamsPerRank, weightBytesPerRank, stageWeightBytes, kvBytesPerToken, planMemory, type ModelShape, type RankShapes, type MemoryPlan } from './model.ts';
export { RooflineStepTime, WHOLE_MODEL, type StagePart, type StepTimeModel, type BatchShape, type DeviceRoofline, type TpComm } from './step-time.ts';
export { KernelStepTime, layerKernels, attentionKernels, stepKernels, headKernel } from './kernel-step-time.ts';
export {
  syntheticRequests, traceRequests, ARRIVAL_KINDS, LENGTH_KINDS, type Request, type ArrivalSpec, type LengthSpec, type SyntheticSpec,
} from './requests.ts';
export { KvCache } from './kv-cache.ts';
export { CudaGraphPadding, capturedBatchSizes, paddedBatchSize, TRTLLM_BENCH_CUDA_GRAPH_SIZES, PADDING_DUMMY_KV } from './cuda-graph.ts';
export { PipelineReplica, stageLayers, batchTokens } from './pipeline.ts';
export {
  SCHEDULER_KINDS, DEFAULT_SCHEDULER_CONFIG, RESERVES_WHOLE_REQUEST, createBatchScheduler, type SchedulerKind, type SchedulerConfig,
  type BatchScheduler,
} from './schedulers.ts';
export { ROUTERS, createRouter, type RouterKind } from './router.ts';
export { simulateServing, type ServeSimSpec, type ServeSimResult, type StepRecord, type Disaggregation } from './simulator.ts';
export { serveMetrics, percentiles, meetsSlo, type ServeMetrics, type Percentiles, type Slo } from './metrics.ts';
export { type Seq } from './replica.ts';

/**
 * Validation suite `serving`: published serving throughput (PEERS.md §7, S1-S3) against `orrery serve`'s
 * prediction of it, with no constant fitted on these cases (every case is held out: `inFit: false`).
 *
 * Measured: TensorRT-LLM `docs/source/performance/perf-overview.md`, trtllm-bench (PyTorch backend), NVIDIA's
 * ModelOpt FP8 checkpoints, H100 SXM 80GB, total output tokens/s with requests fed at an infinite rate of fixed
 * input/output lengths. Modelled as trtllm-bench sets the run up (trtllm-bench.ts, each setting with its source):
 * - the workload's shapes with model.precision = fp8: the blocks' linear layers in FP8, activations, norms, the
 *   embedding and the LM head in bf16 (the checkpoints quantize "only the weights and activations of the linear
 *   operators within transformers blocks"), and an FP8 KV cache (trtllm-bench's choice for an FP8 checkpoint);
 * - one replica of TP T on the `dgx-h100:1` cluster preset, whose all-reduces are NCCL's choice from the NCCL-like
 *   model (serve-comm.ts);
 * - `$num_requests` from perf-overview.md's table, all at time 0;
 * - the `trtllm` scheduler (in-flight batching, GUARANTEED_NO_EVICT, no chunked context) with trtllm-bench's
 *   heuristic max_batch_size and max_num_tokens;
 * - the KV cache as TensorRT-LLM's runtime sizes it (trtllmKvCacheBytes): 0.95 (kv_cache_free_gpu_mem_fraction,
 *   which perf-overview.md says it uses "in many cases"; its default is 0.90) of cudaMemGetInfo's total (79.22 GiB
 *   on an H100 80GB, not NVML's 79.65) less the weights; activations and memory outside torch are not subtracted
 *   (the published runs do not report them);
 * - CUDA graphs with padding for decode-only steps at perf-overview.md's `llm_options.yml` batch sizes, filtered
 *   by max_batch_size and max_num_tokens as TensorRT-LLM filters them (serving/cuda-graph.ts).
 */
import { DEVICE_MEMORY_BYTES, modelShape, runServe, type ServeOptions } from '../serve.ts';
import { paramsPerRank, rankShapes, weightBytesPerRank } from '../../serving/index.ts';
import { H100_CUDA_TOTAL_BYTES, TRTLLM_BENCH_REQUESTS, trtllmBenchSettings, trtllmKvCacheBytes } from './trtllm-bench.ts';
import type { ValidationCase, ValidationSuite } from './types.ts';

const SOURCE = 'TensorRT-LLM docs/source/performance/perf-overview.md (trtllm-bench, FP8, H100 SXM; PEERS.md §7)';
/** kv_cache_free_gpu_mem_fraction of the published runs (perf-overview.md: 0.95 "in many cases"). */
export const KV_FREE_FRACTION = 0.95;
const FP8 = { 'model.precision': 'fp8' };
const HBM = DEVICE_MEMORY_BYTES['H100-SXM5-80GB']!;

interface ServingCase {
  id: string;
  workload: string;
  tp: number;
  input: number;
  output: number;
  measured: number;
}

/** S1-S3. Llama-3.3-70B has Llama 3 70B's shapes (workloads/llama-70b.json). */
export const SERVING_CASES: ServingCase[] = [
  { id: 'S1/llama-3.1-8b/tp1/128-128', workload: 'llama-3.1-8b', tp: 1, input: 128, output: 128, measured: 28_312 },
  { id: 'S1/llama-3.1-8b/tp1/1000-1000', workload: 'llama-3.1-8b', tp: 1, input: 1000, output: 1000, measured: 15_220 },
  { id: 'S1/llama-3.1-8b/tp1/2048-2048', workload: 'llama-3.1-8b', tp: 1, input: 2048, output: 2048, measured: 9_305 },
  { id: 'S2/llama-3.3-70b/tp2/1000-1000', workload: 'llama-70b', tp: 2, input: 1000, output: 1000, measured: 4_205 },
  { id: 'S2/llama-3.3-70b/tp2/128-2048', workload: 'llama-70b', tp: 2, input: 128, output: 2048, measured: 6_651 },
  { id: 'S3/llama-3.1-405b/tp8/1000-1000', workload: 'llama-3.1-405b', tp: 8, input: 1000, output: 1000, measured: 2_919 },
];

/** The run of one case, set up as trtllm-bench sets it up (see the header). */
export function servingCaseOptions(c: ServingCase, requests?: number): ServeOptions {
  const model = modelShape({ workload: c.workload, set: FP8 });
  const bench = trtllmBenchSettings(
    { layers: model.layers, kvHeads: model.kvHeads, headSize: model.hidden / model.heads, params: paramsPerRank(rankShapes(model, 1)), weightBytes: 1, kvBytes: 1 },
    c.tp, 1, c.input, c.output, HBM, KV_FREE_FRACTION,
  );
  // the runtime's KV cache (trtllmKvCacheBytes: fraction × (cudaMemGetInfo total − weights)), written as the share
  // of that total which weights + KV cache take
  const weights = weightBytesPerRank(rankShapes(model, c.tp));
  const utilization = (weights + trtllmKvCacheBytes(H100_CUDA_TOTAL_BYTES, weights, KV_FREE_FRACTION)) / H100_CUDA_TOTAL_BYTES;
  return {
    workload: c.workload, set: FP8, topology: 'dgx-h100:1', device: 'h100', replicas: 1, tp: c.tp, gpuMemoryBytes: H100_CUDA_TOTAL_BYTES,
    scheduler: 'trtllm', maxBatchSize: bench.maxBatchSize, maxBatchTokens: bench.maxNumTokens, gpuMemoryUtilization: utilization,
    cudaGraphPadding: 'trtllm',
    requests: requests ?? TRTLLM_BENCH_REQUESTS[`${c.input}/${c.output}`]!, arrival: 'burst',
    promptTokens: String(c.input), outputTokens: String(c.output), seed: 1,
  };
}

export const servingSuite: ValidationSuite = {
  name: 'serving',
  description: 'serving throughput (total output tokens/s) of TensorRT-LLM on H100 against orrery serve (its default kernel step-time model)',
  target: { medianAbsErrorPct: 15, maxAbsErrorPct: 15 },
  run(): ValidationCase[] {
    return SERVING_CASES.map((c) => ({
      id: c.id,
      source: SOURCE,
      unit: 'output tokens/s',
      measured: c.measured,
      predicted: runServe(servingCaseOptions(c)).report.throughputTokensPerS,
      inFit: false,
      group: `h100 fp8 ${c.workload}`,
    }));
  },
};

/**
 * How trtllm-bench sets up the runs behind TensorRT-LLM's published throughput (perf-overview.md), so that the
 * serving suite runs the same setup instead of guessing it:
 *
 * - Requests per case, by input/output length: the table "$num_requests" in perf-overview.md ("Preparing a
 *   Dataset"): 128/128 30,000; 128/2048, 2048/128, 1000/1000 and 500/2000 3,000; 128/4096, 1000/2000, 2048/2048 and
 *   5000/500 1,500; 20000/2000 1,000. All fed at once ("an infinite rate").
 * - max_batch_size and max_num_tokens, which the published commands leave to trtllm-bench: its heuristic
 *   `calc_engine_setting` / `finetune_setting` (tensorrt_llm/bench/build/tuning.py), ported below. It sizes the
 *   KV cache of the whole TP × PP group as 0.95 of (GPU memory × GPUs − parameters × bytes per element), divides it
 *   by (input + output) tokens of KV per request to get the requests that fit, caps that at 4,096 / PP and rounds
 *   it up (to 32s below 256 with a floor of 64, 128s below 1,024, else 256s) for max_batch_size; max_num_tokens is
 *   that raw batch × (1 + input / output), capped at 32,768 and rounded up (256s with a floor of 2,048 below 4,096,
 *   512s below 8,192, else 1,024s); with chunked prefill off (the default) it is then raised to at least the
 *   longest input + max_batch_size (`get_settings`, tensorrt_llm/bench/benchmark/utils/general.py), so that a whole
 *   context fits beside a full batch of decodes. The fraction is the run's kv_cache_free_gpu_mem_fraction (0.95
 *   here, below). KV bytes per token are 2 · layers · max(TP, KV heads) · head size · KV bytes
 *   (1 for the FP8 KV cache trtllm-bench picks for an FP8 checkpoint, perf-benchmarking.md).
 * - The runtime KV cache: `--kv_cache_free_gpu_mem_fraction 0.95` of the memory free after the model loads
 *   (perf-overview.md: "In many cases, we also use a higher KV cache percentage ... 0.95"; the default is 0.90),
 *   as the PyTorch backend's KvCacheCreator computes it (`trtllmKvCacheBytes`): from cudaMemGetInfo's total
 *   (H100_CUDA_TOTAL_BYTES) less the weights; activations and memory outside torch (CUDA context, NCCL, CUDA
 *   graphs) are not subtracted, for want of a figure for these runs.
 * - CUDA graphs: perf-overview.md's `llm_options.yml` turns on `cuda_graph_config` with `enable_padding: true` and
 *   batch sizes 1, 2, 4, …, 8192 (serving/cuda-graph.ts: `--cuda-graph-padding trtllm`).
 * - Scheduling: in-flight batching with the capacity policy GUARANTEED_NO_EVICT (perf-benchmarking.md's example
 *   output, "Scheduling Policy: Guaranteed No Evict"), chunked context off: `orrery serve --scheduler trtllm`.
 *
 * Versions read (NVIDIA/TensorRT-LLM): perf-overview.md at 00f37686, tuning.py at 04cba882, general.py at 0171265e.
 * The published figures come from the PyTorch backend (perf-overview.md: "Starting with v0.19"); which release's
 * heuristic produced them is not stated, so a different release's rounding could differ.
 */

/**
 * The device total TensorRT-LLM's PyTorch backend sizes the KV cache from: `torch.cuda.mem_get_info()` (CUDA's
 * cudaMemGetInfo), which on an H100 SXM5 80GB reports 79.22 GiB (vLLM's memory-profiling logs on an H100 80GB,
 * which take the same call: vllm-project/vllm PR #10511, "total_gpu_memory 79.22GiB"), less than the 79.65 GiB
 * (81,559 MiB) NVML reports: the driver keeps the difference.
 */
export const H100_CUDA_TOTAL_BYTES = 79.22 * 2 ** 30;

/**
 * The KV cache TensorRT-LLM's PyTorch backend allocates per GPU (`KvCacheCreator.configure_kv_cache_capacity` and
 * `_cal_max_memory`, tensorrt_llm/_torch/pyexecutor/_util.py): free_gpu_memory_fraction × (total − peak + the
 * temporary KV cache of the estimation run), where total is cudaMemGetInfo's and peak = torch's peak allocation
 * during a profiling forward pass of max_num_tokens tokens (the weights, that temporary KV cache, activations)
 * plus what is used outside torch (CUDA context, NCCL and CUDA-graph buffers). The temporary KV cache cancels, so:
 * fraction × (total − weights − activations − outside torch). `otherBytes` is activations + outside torch; the
 * published runs do not report it (0 unless given).
 */
export function trtllmKvCacheBytes(totalBytes: number, weightBytes: number, fraction: number, otherBytes = 0): number {
  return fraction * (totalBytes - weightBytes - otherBytes);
}

/** `$num_requests` of perf-overview.md by "input/output". */
export const TRTLLM_BENCH_REQUESTS: Record<string, number> = {
  '128/128': 30_000, '128/2048': 3_000, '128/4096': 1_500, '1000/2000': 1_500, '2048/128': 3_000,
  '2048/2048': 1_500, '5000/500': 1_500, '1000/1000': 3_000, '500/2000': 3_000, '20000/2000': 1_000,
};

export interface TrtllmBenchModel {
  layers: number;
  kvHeads: number;
  headSize: number;
  /** All parameters (the checkpoint's count), for trtllm-bench's engine size. */
  params: number;
  /** Bytes per weight element (FP8: 1) and per KV element. */
  weightBytes: number;
  kvBytes: number;
}

export interface TrtllmBenchSettings {
  maxBatchSize: number;
  maxNumTokens: number;
  /** The requests trtllm-bench estimates fit in the KV cache (before rounding). */
  kvCacheMaxRequests: number;
}

const GiB = 2 ** 30;

/** trtllm-bench's `finetune_setting` (optimistic tuning on). */
export function finetuneSetting(kvCacheMaxRequests: number, input: number, output: number, pp: number): { maxBatchSize: number; maxNumTokens: number } {
  const rawBs = Math.min(kvCacheMaxRequests, 4096) / pp;
  const rawToken = Math.min(rawBs * (1 + input / output), 32768);
  const maxBatchSize = rawBs < 256 ? Math.max(64, 32 * Math.ceil(rawBs / 32)) : rawBs < 1024 ? 128 * Math.ceil(rawBs / 128) : 256 * Math.ceil(rawBs / 256);
  const maxNumTokens = rawToken < 4096 ? Math.max(2048, 256 * Math.ceil(rawToken / 256)) : rawToken < 8192 ? 512 * Math.ceil(rawToken / 512) : 1024 * Math.ceil(rawToken / 1024);
  return { maxBatchSize, maxNumTokens };
}

/**
 * trtllm-bench's `calc_engine_setting` for a dense model (`gpuMemoryBytes` per GPU), then `get_settings`' floor on
 * max_num_tokens for runs without chunked prefill (`input` is every request's input length here).
 */
export function trtllmBenchSettings(m: TrtllmBenchModel, tp: number, pp: number, input: number, output: number, gpuMemoryBytes: number, kvFraction = 0.95): TrtllmBenchSettings {
  const bytePerToken = (2 * m.layers * Math.max(tp, m.kvHeads) * m.headSize * m.kvBytes) / GiB;
  const engineSize = (m.params * m.weightBytes) / GiB;
  const available = (gpuMemoryBytes / GiB) * tp * pp - engineSize;
  const kvCacheMaxRequests = (available * kvFraction) / (bytePerToken * (input + output));
  const { maxBatchSize, maxNumTokens } = finetuneSetting(kvCacheMaxRequests, input, output, pp);
  return { maxBatchSize, maxNumTokens: Math.max(maxNumTokens, input + maxBatchSize), kvCacheMaxRequests };
}

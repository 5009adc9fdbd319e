/**
 * CUDA-graph padding of decode-only steps, as TensorRT-LLM's PyTorch backend runs it (and as trtllm-bench's
 * published runs configure it): the engine captures one CUDA graph per batch size of a list, and a step whose
 * batch holds only generation requests is padded with dummy generation requests up to the smallest captured size
 * at least as large, so that it can replay that graph. The padded step runs the kernels of the padded batch: the
 * GEMMs, norms and LM head over the padded rows; the dummies' attention reads a KV cache of one token.
 *
 * Sources (NVIDIA/TensorRT-LLM):
 * - the captured sizes: `_filter_cuda_graph_batch_sizes` (tensorrt_llm/_torch/pyexecutor/model_engine.py) keeps
 *   the configured sizes up to max_cuda_graph_bs = min(max_batch_size, max_num_tokens / (1 + draft tokens)); with
 *   padding on, the first configured size above it is replaced by max_cuda_graph_bs itself (unless that is
 *   already the last kept size), and larger ones are dropped;
 * - the padding rule: `CUDAGraphRunner.pad_batch` (tensorrt_llm/_torch/pyexecutor/cuda_graph_runner.py): only for
 *   a batch that can run a graph (generation requests only); a batch of n below the largest captured size is
 *   padded to the smallest captured size ≥ n (`_round_up_batch_size`, a bisect), not past the engine's
 *   max_batch_size; the padding is one dummy generation request (`add_dummy_requests(..., is_gen=True)`, a
 *   sequence of one token, CUDA_GRAPH_DUMMY_REQUEST_ID) repeated. A batch at or above the largest captured size
 *   runs as it is (eagerly);
 * - the list trtllm-bench's published runs capture: perf-overview.md's `llm_options.yml`
 *   (`cuda_graph_config: enable_padding: true, batch_sizes: [1, 2, 4, …, 8192]`, TRTLLM_BENCH_CUDA_GRAPH_SIZES).
 * Not modelled: the launch overhead a step without a graph (a mixed or prefill step, run eagerly) pays beyond the
 * kernel model's per-kernel launch floors.
 */
import { ServingError } from './errors.ts';
import type { BatchShape, StepTimeModel } from './step-time.ts';

/** The CUDA-graph batch sizes of perf-overview.md's `llm_options.yml` (trtllm-bench's published runs). */
export const TRTLLM_BENCH_CUDA_GRAPH_SIZES: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192];

/** KV tokens of a padding dummy before its step's token (a generation request of one token). */
export const PADDING_DUMMY_KV = 1;

/**
 * The batch sizes TensorRT-LLM captures from a configured list (`_filter_cuda_graph_batch_sizes`, no draft
 * tokens): sorted, those ≤ min(maxBatchSize, maxNumTokens), then with padding max_cuda_graph_bs itself when a
 * configured size exceeded it.
 */
export function capturedBatchSizes(configured: readonly number[], maxBatchSize: number, maxNumTokens: number, padding = true): number[] {
  for (const s of configured) {
    if (!(Number.isSafeInteger(s) && s >= 1)) throw new ServingError(`CUDA-graph batch size ${s}: expected an integer ≥ 1`);
  }
  const cap = Math.min(maxBatchSize, maxNumTokens);
  const sorted = [...new Set(configured)].sort((a, b) => a - b);
  const out: number[] = [];
  for (const s of sorted) {
    if (s <= cap) out.push(s);
    else {
      if (padding && out[out.length - 1] !== cap) out.push(cap);
      break;
    }
  }
  return out;
}

/** The batch size a decode-only batch of n runs at: the smallest captured size ≥ n, or n itself at or above the largest. */
export function paddedBatchSize(n: number, sizes: readonly number[]): number {
  const last = sizes[sizes.length - 1];
  if (last === undefined || n >= last) return n;
  let lo = 0, hi = sizes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sizes[mid]! >= n) hi = mid;
    else lo = mid + 1;
  }
  return sizes[lo]!;
}

/**
 * A step-time model with CUDA-graph padding: a decode-only batch of n requests is timed as the batch padded to
 * `paddedBatchSize(n)` with dummies of PADDING_DUMMY_KV cached tokens, each also sampled (the LM head runs over
 * every row of the graph). Steps with a prefill are timed as they are.
 */
export class CudaGraphPadding implements StepTimeModel {
  /** Padded steps and dummy rows added so far (diagnostics). */
  paddedSteps = 0;
  paddedRows = 0;
  private readonly kv: number[] = [];
  private readonly padded: BatchShape & { decodeKv: number[] };

  constructor(readonly inner: StepTimeModel, readonly sizes: readonly number[]) {
    for (let i = 1; i < sizes.length; i++) {
      if (!(sizes[i]! > sizes[i - 1]!)) throw new ServingError('CUDA-graph batch sizes must be increasing');
    }
    this.padded = { prefillTokens: [], prefillContext: [], decodeKv: this.kv, samples: 0 };
  }

  stepNs(b: BatchShape): number {
    const n = b.decodeKv.length;
    if (b.prefillTokens.length > 0 || n === 0) return this.inner.stepNs(b);
    const p = paddedBatchSize(n, this.sizes);
    if (p === n) return this.inner.stepNs(b);
    this.paddedSteps++;
    this.paddedRows += p - n;
    const kv = this.kv;
    kv.length = 0;
    for (const x of b.decodeKv) kv.push(x);
    for (let i = n; i < p; i++) kv.push(PADDING_DUMMY_KV);
    this.padded.samples = b.samples + (p - n);
    return this.inner.stepNs(this.padded);
  }
}

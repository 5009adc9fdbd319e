// CUDA-graph padding of decode-only steps (src/serving/cuda-graph.ts) and the KV cache TensorRT-LLM's runtime
// allocates (src/api/validate/trtllm-bench.ts), by hand.
import { describe, expect, it } from 'vitest';
import { predictKernel } from '../src/api/kernel.ts';
import { buildReplicas, modelShape, runServe } from '../src/api/serve.ts';
import { cudaGraphSizes } from '../src/api/serve-cuda-graph.ts';
import { H100_CUDA_TOTAL_BYTES, trtllmKvCacheBytes } from '../src/api/validate/trtllm-bench.ts';
import { SERVING_CASES, servingCaseOptions } from '../src/api/validate/serving.ts';
import type { KernelDesc } from '../src/compute/index.ts';
import {
  capturedBatchSizes, CudaGraphPadding, KernelStepTime, layerKernels, paddedBatchSize, rankShapes, stepKernels, TRTLLM_BENCH_CUDA_GRAPH_SIZES,
} from '../src/serving/index.ts';
import { getDevice } from '../src/workload/devices.ts';

const ns = (kernel: KernelDesc, precision: 'fp8' | 'bf16') => predictKernel({ kernel, device: 'h100', precision, compute: 'kernel' }).timeNs;

describe('captured CUDA-graph batch sizes (TensorRT-LLM _filter_cuda_graph_batch_sizes)', () => {
  it('perf-overview.md\'s list under max_batch_size 640 / max_num_tokens 2048 (405B, 8B 1000/1000) ends 512, 640', () => {
    // sizes ≤ min(640, 2048) = 640 are kept (… 256, 384, 512); 1024 is above it, so with padding 640 itself is added
    expect(capturedBatchSizes(TRTLLM_BENCH_CUDA_GRAPH_SIZES, 640, 2048)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 640]);
    // 384 is on the list: nothing is added after it (the last kept size already is the cap)
    expect(capturedBatchSizes(TRTLLM_BENCH_CUDA_GRAPH_SIZES, 384, 2432)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 384]);
    // the token budget caps too: min(4096, 3000) = 3000
    expect(capturedBatchSizes(TRTLLM_BENCH_CUDA_GRAPH_SIZES, 4096, 3000).slice(-3)).toEqual([1024, 2048, 3000]);
    expect(capturedBatchSizes([8, 1, 4, 2], 6, 100, false)).toEqual([1, 2, 4]);
  });

  it('pads n to the smallest captured size ≥ n, and leaves n at or above the largest alone', () => {
    const sizes = [1, 2, 4, 8, 16];
    expect([1, 3, 5, 8, 9, 16, 17].map((n) => paddedBatchSize(n, sizes))).toEqual([1, 4, 8, 8, 16, 16, 17]);
    expect(paddedBatchSize(5, [])).toBe(5);
  });

  it('--cuda-graph-padding: off → none; trtllm and lists are filtered by the scheduler limits; bad lists are refused', () => {
    expect(cudaGraphSizes(undefined, 256, 4096)).toBeUndefined();
    expect(cudaGraphSizes('off', 256, 4096)).toBeUndefined();
    expect(cudaGraphSizes('trtllm', 256, 4096)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(cudaGraphSizes('1,2,4,8,100', 90, 4096)).toEqual([1, 2, 4, 8, 90]);
    expect(() => cudaGraphSizes('1,two', 90, 4096)).toThrow('--cuda-graph-padding "1,two": expected off, trtllm or a comma-separated list');
  });
});

describe('CudaGraphPadding step time', () => {
  const model = modelShape({ workload: 'llama-3.1-8b', set: { 'model.precision': 'fp8' } });
  const s = rankShapes(model, 1);
  const kernel = new KernelStepTime(s, getDevice('h100'), { allReduceNs: () => { throw new Error('no TP at T = 1'); } });
  const padded = new CudaGraphPadding(kernel, [1, 2, 4, 8, 16]);

  it('a decode-only batch of 5 runs the kernels of 8: GEMMs over 8 rows, attention over 8 sequences, LM head over 8', () => {
    const b = { prefillTokens: [], prefillContext: [], decodeKv: [10, 20, 30, 40, 50], samples: 5 };
    // the 3 dummies hold 1 cached token each: keys read ⌈(11 + 21 + 31 + 41 + 51 + 3 · 2) / 8⌉ = ⌈161 / 8⌉ = 21 per
    // sequence; Llama 3.1 8B: 32 query heads over 8 KV heads of 128, so 4 query rows per KV head
    const attention: KernelDesc = { type: 'attention', batch: 8, heads: 8, kvHeads: 8, seqQ: 4, seqKv: 21, headDim: 128, causal: false, flash: true };
    const layer = layerKernels(s, 8).reduce((t, k) => t + ns(k, k.type === 'matmul' ? 'fp8' : 'bf16'), 0) + ns(attention, 'fp8');
    const once = stepKernels(s, 8).reduce((t, k) => t + ns(k, 'bf16'), 0) + ns({ type: 'matmul', m: 8, k: 4096, n: 128256 }, 'bf16');
    expect(padded.stepNs(b)).toBe(32 * layer + once);
    expect(padded.stepNs(b)).toBe(kernel.stepNs({ ...b, decodeKv: [10, 20, 30, 40, 50, 1, 1, 1], samples: 8 }));
    expect(padded.stepNs(b)).toBeGreaterThan(kernel.stepNs(b));
    expect([padded.paddedSteps, padded.paddedRows]).toEqual([3, 9]); // three padded calls above, 3 dummies each
  });

  it('steps with a prefill, batches on a captured size and batches above the largest run unpadded', () => {
    const mixed = { prefillTokens: [100], prefillContext: [0], decodeKv: [10, 20], samples: 3 };
    expect(padded.stepNs(mixed)).toBe(kernel.stepNs(mixed));
    for (const n of [8, 17]) {
      const b = { prefillTokens: [], prefillContext: [], decodeKv: Array.from({ length: n }, () => 64), samples: n };
      expect(padded.stepNs(b)).toBe(kernel.stepNs(b));
    }
  });

  it('orrery serve with padding is never faster, and reports the sizes it padded to', () => {
    const opts = { workload: 'llama-3.1-8b', set: { 'model.precision': 'fp8' }, topology: 'dgx-h100:1', replicas: 1, tp: 1, scheduler: 'trtllm', requests: 37, promptTokens: '64', outputTokens: '20', seed: 1 };
    const off = runServe(opts).report;
    const on = runServe({ ...opts, cudaGraphPadding: 'trtllm' }).report;
    // 37 requests fit one batch: its decode-only steps run at 64 (37 → 64), so each takes longer
    expect(on.setup.cudaGraphBatchSizes).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(off.setup.cudaGraphBatchSizes).toBeUndefined();
    expect(off.cudaGraphPadding).toBeUndefined();
    // 37 prefills in one step (37 · 64 = 2,368 tokens ≤ 4,096), then 19 decode-only steps of 37 run as 64: 19 · 27 rows
    expect(on.cudaGraphPadding).toEqual({ paddedSteps: 19, paddedRows: 19 * 27 });
    expect(on.spanNs).toBeGreaterThan(off.spanNs);
  });
});

describe('the KV cache of TensorRT-LLM\'s runtime (KvCacheCreator: fraction × (cudaMemGetInfo total − peak))', () => {
  it('Llama-3.1-405B FP8 on TP 8 at 0.95: 0.95 · (79.22 GiB − weights) in blocks of 16 tokens of 32,256 B', () => {
    const weights = 126 * (16384 * (2048 + 256) + 2048 * 16384 + 3 * 16384 * 6656) + 2 * 16032 * 16384 * 2;
    expect(trtllmKvCacheBytes(79.22 * 2 ** 30, weights, 0.95)).toBeCloseTo(0.95 * (79.22 * 2 ** 30 - weights), 3);
    expect(trtllmKvCacheBytes(H100_CUDA_TOTAL_BYTES, weights, 0.95, 2 ** 30)).toBeCloseTo(0.95 * (78.22 * 2 ** 30 - weights), 3);
    // KV per token per GPU: 2 (K, V) · 126 layers · 1 KV head (8 heads over TP 8) · 128 · 1 B = 32,256 B
    const blocks = Math.floor((0.95 * (79.22 * 2 ** 30 - weights)) / (32_256 * 16));
    const { memory } = buildReplicas(servingCaseOptions(SERVING_CASES[5]!));
    expect(memory.weightBytesPerGpu).toBe(weights);
    expect(memory.kvBytesPerToken).toBe(32_256);
    expect(Math.abs(memory.blocks - blocks)).toBeLessThanOrEqual(1); // the plan goes through a utilization fraction
    expect(memory.gpuMemoryBytes).toBe(H100_CUDA_TOTAL_BYTES);
  });
});

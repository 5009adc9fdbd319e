// KernelStepTime (serving/kernel-step-time.ts): a step is the sum of `orrery kernel`'s predictions for the kernels
// of the forward pass, written out here by hand from the model's shapes, plus the TP all-reduces.
import { describe, expect, it } from 'vitest';
import { predictKernel } from '../src/api/kernel.ts';
import { buildReplicas, modelShape, runServe } from '../src/api/serve.ts';
import type { KernelDesc } from '../src/compute/index.ts';
import { KernelStepTime, rankShapes } from '../src/serving/index.ts';
import { getDevice } from '../src/workload/devices.ts';
import { orrery } from './helpers/cli.ts';

/** Σ of `orrery kernel --compute kernel` times (whole ns each) on the H100 preset. */
const sum = (ks: KernelDesc[], precision: 'fp8' | 'bf16') =>
  ks.reduce((t, kernel) => t + predictKernel({ kernel, device: 'h100', precision, compute: 'kernel' }).timeNs, 0);

describe('KernelStepTime', () => {
  it('Llama 3.1 8B FP8, TP 1, a 100-token prefill and 3 decodes: Σ of the orrery kernel predictions', () => {
    const model = modelShape({ workload: 'llama-3.1-8b', set: { 'model.precision': 'fp8' } });
    const st = new KernelStepTime(rankShapes(model, 1), getDevice('h100'), { allReduceNs: () => { throw new Error('no TP at T = 1'); } });
    // m = 100 + 3 = 103 tokens; h = 4096, 32 heads of d = 128, 8 KV heads (kvd = 1024), f = 14336, V = 128256
    const m = 103, h = 4096;
    const layer: KernelDesc[] = [
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 4096 + 2 * 1024 }, // QKV
      { type: 'rope', elements: m * (4096 + 1024) }, // Q and K
      { type: 'matmul', m, k: 4096, n: h }, // output projection
      { type: 'add', elements: m * h },
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 2 * 14336 }, // gate and up, fused
      { type: 'silu-mul', elements: m * 14336 },
      { type: 'matmul', m, k: 14336, n: h }, // down
      { type: 'add', elements: m * h },
      // the prefill: causal (no context), 32 query heads over 8 KV heads
      { type: 'attention', batch: 1, heads: 32, kvHeads: 8, seqQ: 100, seqKv: 100, headDim: 128, causal: true, flash: true },
      // 3 decodes with 10, 20, 34 cached tokens: keys read ⌈(11 + 21 + 35) / 3⌉ = 23 each, per KV head (8) the
      // group's 32 / 8 = 4 query heads as rows
      { type: 'attention', batch: 3, heads: 8, kvHeads: 8, seqQ: 4, seqKv: 23, headDim: 128, causal: false, flash: true },
    ];
    const once: KernelDesc[] = [
      { type: 'embedding', elements: m * h },
      { type: 'rmsnorm', elements: m * h }, // final norm
      { type: 'matmul', m: 4, k: h, n: 128256 }, // LM head for the 4 sequences sampled (the prefill completes)
    ];
    // FP8 covers the blocks' GEMMs and attention (FP8 KV cache); norms, rope, adds, silu-mul, the embedding and the
    // LM head run on bf16 activations (ModelOpt FP8 quantizes only the linear layers inside the blocks)
    const fp8 = (k: KernelDesc) => k.type === 'attention' || (k.type === 'matmul' && k.n !== 128256);
    const expected = 32 * (sum(layer.filter(fp8), 'fp8') + sum(layer.filter((k) => !fp8(k)), 'bf16')) + sum(once, 'bf16');
    expect(st.stepNs({ prefillTokens: [100], prefillContext: [0], decodeKv: [10, 20, 34], samples: 4 })).toBe(expected);
  });

  it('a chunk after more context than its length is not causal-halved; TP 2 adds two all-reduces of m·h·w per layer', () => {
    const model = modelShape({ workload: 'llama-3.1-8b' }); // bf16, w = 2
    const calls: number[] = [];
    const st = new KernelStepTime(rankShapes(model, 2), getDevice('h100'), { allReduceNs: (b) => (calls.push(b), 1000) });
    // m = 64, at TP 2: 16 query heads, 4 KV heads (kvd = 512), f/T = 7168, V/T = 64128
    const m = 64, h = 4096;
    const layer: KernelDesc[] = [
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 2048 + 2 * 512 },
      { type: 'rope', elements: m * (2048 + 512) },
      { type: 'matmul', m, k: 2048, n: h },
      { type: 'add', elements: m * h },
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 2 * 7168 },
      { type: 'silu-mul', elements: m * 7168 },
      { type: 'matmul', m, k: 7168, n: h },
      { type: 'add', elements: m * h },
      // 64 tokens after 500 cached: c ≥ q, so all q·(c + q) pairs are counted (nearer the true q·c + q²/2)
      { type: 'attention', batch: 1, heads: 16, kvHeads: 4, seqQ: 64, seqKv: 564, headDim: 128, causal: false, flash: true },
    ];
    const once: KernelDesc[] = [{ type: 'embedding', elements: m * h }, { type: 'rmsnorm', elements: m * h }];
    // no sequence completes: no LM head
    const expected = 32 * (sum(layer, 'bf16') + 2 * 1000) + sum(once, 'bf16');
    expect(st.stepNs({ prefillTokens: [64], prefillContext: [500], decodeKv: [], samples: 0 })).toBe(expected);
    expect(calls).toEqual([64 * 4096 * 2]); // memoized by m: one all-reduce size asked once
  });

  it('MoE (Mixtral 8x7B, TP 2): a router GEMM and the experts in use as one batched GEMM, rows spread evenly', () => {
    const model = modelShape({ workload: 'mixtral-8x7b' }); // bf16
    const st = new KernelStepTime(rankShapes(model, 2), getDevice('h100'), { allReduceNs: () => 500 });
    // 3 decodes: m = 3, routed m·topK = 6 rows over min(8 experts, 6) = 6 experts in use, ⌈6 / 6⌉ = 1 row each;
    // at TP 2: 16 query heads, 4 KV heads (kvd = 512), f/T = 7168, V/T = 16000
    const m = 3, h = 4096;
    const layer: KernelDesc[] = [
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 2048 + 2 * 512 },
      { type: 'rope', elements: m * (2048 + 512) },
      { type: 'matmul', m, k: 2048, n: h },
      { type: 'add', elements: m * h },
      { type: 'rmsnorm', elements: m * h },
      { type: 'matmul', m, k: h, n: 8 }, // router
      { type: 'matmul', m: 1, k: h, n: 2 * 7168, batch: 6 }, // experts' gate and up
      { type: 'silu-mul', elements: 6 * 7168 },
      { type: 'matmul', m: 1, k: 7168, n: h, batch: 6 }, // experts' down
      { type: 'add', elements: m * h },
      // keys ⌈(100 + 200 + 300) / 3⌉ = 200; per KV head the 16 / 4 = 4 query heads of its group as rows
      { type: 'attention', batch: 3, heads: 4, kvHeads: 4, seqQ: 4, seqKv: 200, headDim: 128, causal: false, flash: true },
    ];
    const once: KernelDesc[] = [
      { type: 'embedding', elements: m * h }, { type: 'rmsnorm', elements: m * h }, { type: 'matmul', m: 3, k: h, n: 16000 },
    ];
    const expected = 32 * (sum(layer, 'bf16') + 2 * 500) + sum(once, 'bf16');
    expect(st.stepNs({ prefillTokens: [], prefillContext: [], decodeKv: [99, 199, 299], samples: 3 })).toBe(expected);
  });

  it('is the default of runServe; --step-model roofline keeps the old model; an unknown name lists the valid ones', () => {
    const opts = { workload: 'llama-3.1-8b', topology: 'dgx-h100', replicas: 1, tp: 1, scheduler: 'vllm', requests: 4, seed: 1 };
    const { stepTimes } = buildReplicas(opts);
    expect(stepTimes[0]).toBeInstanceOf(KernelStepTime);
    expect(runServe(opts).report.setup.stepModel).toBe('kernel');
    expect(runServe({ ...opts, stepModel: 'roofline' }).report.setup.stepModel).toBe('roofline');
    expect(() => buildReplicas({ ...opts, stepModel: 'vidur' })).toThrow('--step-model "vidur": expected one of: kernel, roofline');
    const r = orrery(['serve', '--workload', 'llama-3.1-8b', '-t', 'dgx-h100', '--requests', '2', '--step-model', 'vidur']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--step-model');
  });
});

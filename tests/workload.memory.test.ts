// Memory per GPU of generated training steps (src/workload/memory.ts). Expected values are computed by hand from
// the published formulas named in each test (ZeRO, Rajbhandari et al. 2020; Korthikanti et al. 2022, Table 2;
// Narayanan et al. 2021; Megatron-LM's megatron/training/theoretical_memory_usage.py), not from the module.
import { describe, expect, it } from 'vitest';
import { loadWorkloadSpec, namedWorkloads } from '../src/api/index.ts';
import type { WorkloadSpec } from '../src/workload/generators/spec.ts';
import {
  layerActivationBytes, modelStateBytes, outputActivationBytes, trainingMemory, type RecomputeMode,
} from '../src/workload/memory.ts';

const GiB = 2 ** 30;
const spec = (name: string, set: Record<string, unknown> = {}, recompute?: RecomputeMode): WorkloadSpec => {
  const s = loadWorkloadSpec(name, set);
  // `selective` is not accepted by the workload parser yet (another change adds it); the memory model keys on the string
  if (recompute) s.training!.parallel.recompute = recompute as never;
  return s;
};

describe('model state: mixed-precision Adam by ZeRO stage (Rajbhandari et al. 2020)', () => {
  it('reproduces the ZeRO paper\'s Figure 1 example: Ψ = 7.5B, N_d = 64, K = 12 → 120, 31.4, 16.6, 1.9 GB', () => {
    const total = (z: 0 | 1 | 2 | 3) => {
      const m = modelStateBytes(7.5e9, z, 64, 2, 2);
      return m.weightBytes + m.gradientBytes + m.optimizerBytes;
    };
    expect(total(0)).toBe(120e9); // (2 + 2 + 12)Ψ
    expect(total(1)).toBe(31.40625e9); // 4Ψ + 12Ψ/64
    expect(total(2)).toBe(16.640625e9); // 2Ψ + 14Ψ/64
    expect(total(3)).toBe(1.875e9); // 16Ψ/64
  });

  it('fp32 gradients give Megatron\'s 18 B/param, and 6 + 12/D with the distributed optimizer (ZeRO-1)', () => {
    // Megatron theoretical_memory_usage.py: num_bytes_per_parameter = 18 if not distributed else 6 + 12/dp
    const per = (z: 0 | 1, d: number) => {
      const m = modelStateBytes(1, z, d, 2, 4);
      return m.weightBytes + m.gradientBytes + m.optimizerBytes;
    };
    expect(per(0, 16)).toBe(18);
    expect(per(1, 16)).toBe(6 + 12 / 16);
  });

  it('peak memory falls with every ZeRO stage (gpt-13b, DP 4)', () => {
    const peaks = ([0, 1, 2, 3] as const).map((z) => trainingMemory(spec('gpt-13b', { 'training.parallel.zero': z })).peakBytes);
    for (let i = 1; i < 4; i++) expect(peaks[i]).toBeLessThan(peaks[i - 1]!);
    // stage 0 of gpt-13b (TP 8, PP 4): 10 layers × 12h²/8 + the embedding V·h/8 parameters per rank
    const h = 5120;
    const params = 10 * (12 * h * h) / 8 + (50257 * h) / 8;
    const z1 = trainingMemory(spec('gpt-13b', { 'training.parallel.zero': 1 })).stages[0]!;
    expect(z1.params).toBe(params);
    expect(z1.weightBytes).toBe(2 * params);
    expect(z1.gradientBytes).toBe(2 * params);
    expect(z1.optimizerBytes).toBe((12 * params) / 4);
  });
});

describe('model state of experts and ZeRO-3 buffers', () => {
  it('mixtral-8x7b: dense state shards over DP 32, expert state over the expert-data-parallel group (32 / EP 8 = 4)', () => {
    // per TP rank (t 2): attention h·(h/t + 2·kvd) + (h/t)·h with kvd = (8/2)·128 = 512 → 4096·3072 + 2048·4096;
    // router h·E = 4096·8; one local expert (8 / EP 8) of 3·h·f/t = 3·4096·7168; embedding and head V·h/t each
    const dense = 32 * (4096 * 3072 + 2048 * 4096 + 4096 * 8) + 2 * (32000 * 4096) / 2;
    const experts = 32 * 3 * 4096 * 7168;
    const st = trainingMemory(spec('mixtral-8x7b')).stages[0]!; // ZeRO 1
    expect(st.params).toBe(dense + experts);
    expect(st.weightBytes).toBe(2 * (dense + experts));
    expect(st.gradientBytes).toBe(2 * (dense + experts));
    expect(st.optimizerBytes).toBe((12 * dense) / 32 + (12 * experts) / 4);
  });

  it('ZeRO-3 holds two gathered layers and one layer\'s unsharded gradients (gpt-13b: a layer is 12h²/8 per TP rank)', () => {
    const layer = (12 * 5120 * 5120) / 8;
    const t = trainingMemory(spec('gpt-13b', { 'training.parallel.zero': 3 })).stages[1]!.temporaryBytesByPart;
    expect(t.zero3GatheredWeights).toBe(2 * layer * 2);
    expect(t.zero3LayerGradients).toBe(layer * 2);
  });
});

describe('activations per layer (Korthikanti et al. 2022, Table 2), GPT-3 175B shapes: s 2048, b 1, h 12288, a 96, t 8', () => {
  const sbh = 2048 * 1 * 12288; // 25,165,824
  const as_h = (96 * 2048) / 12288; // 5as/h = 80, 5as/(ht) = 10
  const at = (set: Record<string, unknown>, rc: RecomputeMode, attention: 'unfused' | 'flash' = 'unfused') =>
    layerActivationBytes(spec('gpt3-175b', set, rc), rc, { attention });

  it('no parallelism: sbh(34 + 5as/h)', () => {
    expect(at({ 'training.parallel.tp': 1, 'training.parallel.pp': 1 }, 'none')).toBe(sbh * (34 + 5 * as_h));
  });
  it('tensor parallel: sbh(10 + 24/t + 5as/(ht))', () => {
    expect(at({}, 'none')).toBe(sbh * (10 + 24 / 8 + (5 * as_h) / 8)); // 578,813,952
  });
  it('tensor + sequence parallel: sbh/t·(34 + 5as/h)', () => {
    expect(at({ 'training.parallel.sp': true }, 'none')).toBe((sbh / 8) * (34 + 5 * as_h)); // 358,612,992
  });
  it('selective recompute: sbh(10 + 24/t), and sbh·34/t with sequence parallelism', () => {
    expect(at({}, 'selective')).toBe(sbh * (10 + 24 / 8));
    expect(at({ 'training.parallel.sp': true }, 'selective')).toBe((sbh * 34) / 8);
  });
  it('full recompute: the layer input, 2sbh (÷t with sequence parallelism)', () => {
    expect(at({}, 'full')).toBe(2 * sbh);
    expect(at({ 'training.parallel.sp': true }, 'full')).toBe((2 * sbh) / 8);
  });
  it('flash attention: the s² terms give way to the fp32 log-sum-exp, 4·(a/t)·s·b', () => {
    expect(at({}, 'none', 'flash')).toBe(sbh * (10 + 24 / 8) + 4 * (96 / 8) * 2048);
  });
  it('last stage: 4sbh/t·(1 + V/h) for the output layer and the fp32 logits (with SP)', () => {
    expect(outputActivationBytes(spec('gpt3-175b', { 'training.parallel.sp': true }))).toBe(((4 * sbh) / 8) * (1 + 50257 / 12288));
  });

  it('grouped-query attention and SwiGLU change only their own terms (llama-70b: t 8, SP, g 8, f 28672)', () => {
    const n = 8192;
    const r = 1 / 8;
    // 10sbh·r (norm inputs, attention and MLP inputs, 2 masks) + Q and output-projection inputs 2·2·n·h/t
    // + K and V 2·2·n·(g/t)·d + SwiGLU's gate, up and product 3·2·n·f/t + log-sum-exp 4·(a/t)·s
    const expected = 10 * n * 8192 * r + 4 * n * 1024 + 4 * n * 128 + 6 * n * 3584 + 4 * 8 * 8192;
    expect(layerActivationBytes(spec('llama-70b'), 'none')).toBe(expected); // 298,057,728
    // selective recomputes the attention core: no log-sum-exp either
    expect(layerActivationBytes(spec('llama-70b', {}, 'selective'), 'selective')).toBe(expected - 4 * 8 * 8192);
  });

  it('mixture of experts: the MLP terms carry topK tokens, plus the permuted input and router probabilities (mixtral-8x7b)', () => {
    // t 2 with SP (r = 1/2), s 4096, b 1, h 4096, 32 heads (16 per rank), 8 KV heads of 128 (4 per rank: kvd 512),
    // f 14336 (7168 per rank), 8 experts, top-2
    const n = 4096, h = 4096, r = 1 / 2, k = 2;
    const expected =
      10 * n * h * r + // norm inputs, attention and MLP inputs, masks
      4 * n * 2048 + 4 * n * 512 + // Q and output-projection inputs; K and V
      4 * 16 * 4096 + // flash log-sum-exp
      3 * 2 * n * k * 7168 + // SwiGLU gate, up and product for 2 token copies
      2 * n * k * h * r + 4 * n * 8 * r; // permuted expert input; fp32 router probabilities
    expect(layerActivationBytes(spec('mixtral-8x7b'), 'none')).toBe(expected);
  });
});

describe('microbatches in flight per pipeline stage', () => {
  it('1F1B: stage i of p keeps p − i (GPT-3 175B, p 8)', () => {
    expect(trainingMemory(spec('gpt3-175b')).stages.map((s) => s.inFlight)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });
  it('1F1B with fewer microbatches than stages keeps min(p − i, m): 64 sequences over DP 16 → m = 4', () => {
    expect(trainingMemory(spec('gpt3-175b', { 'training.globalBatch': 64 })).stages.map((s) => s.inFlight)).toEqual([4, 4, 4, 4, 4, 3, 2, 1]);
  });
  it('GPipe: every stage keeps all m = 1536/16 = 96', () => {
    expect(trainingMemory(spec('gpt3-175b', { 'training.parallel.schedule': 'gpipe' })).stages.map((s) => s.inFlight)).toEqual(Array(8).fill(96));
  });
  it('interleaved (Narayanan et al. 2021): 2(p − i − 1) + (v − 1)p + 1 chunks; stage 0 holds L(1 + (p − 1)/(pv)) layers', () => {
    const m = trainingMemory(spec('llama-70b')); // p 4, v 2, 80 layers: chunks of 10
    expect(m.stages.map((s) => s.inFlight)).toEqual([11, 9, 7, 5]);
    expect(m.stages[0]!.inFlight * m.stages[0]!.layersPerChunk).toBe(80 * (1 + 3 / 8));
  });

  it('stage 0 matches Megatron-LM\'s theoretical_memory_usage (SP + selective), except token ids it divides by t', () => {
    // Megatron: (sbh·(18 + 4f/h)·L + 8sbp + sbhp)/t on the first stage (p microbatches of L/p layers). Token ids are
    // replicated across TP ranks, so we keep 8sbp whole: ours = Megatron's + 8sbp(1 − 1/t).
    const s = 2048, h = 12288, p = 8, t = 8;
    const megatron = (s * h * (18 + 4 * 4) * 96 + 8 * s * p + s * h * p) / t;
    const st = trainingMemory(spec('gpt3-175b', { 'training.parallel.sp': true }, 'selective'), { attention: 'unfused' }).stages[0]!;
    expect(st.activationBytes).toBe(megatron + 8 * s * p * (1 - 1 / t));
  });
});

describe('GPT-3 175B on A100/H100 80 GB (TP 8, PP 8, DP 16, microbatch 1)', () => {
  // stage 0 parameters per rank: 12 layers × 12h²/8 + V·h/8 = 2,717,908,992 + 77,194,752 = 2,795,103,744
  const params = (12 * 12 * 12288 ** 2) / 8 + (50257 * 12288) / 8;

  it('as shipped (no SP, no recompute, ZeRO 0, flash attention) stage 0 needs 71.2 GiB: 16 B/param + 8 × 12 layers', () => {
    const st = trainingMemory(spec('gpt3-175b')).stages[0]!;
    expect(st.params).toBe(params);
    expect(st.weightBytes + st.gradientBytes + st.optimizerBytes).toBe(16 * params); // 44,721,659,904 B = 41.65 GiB
    // 8 microbatches × (12 layers × (13sbh + 4·12·2048) + embedding 8sb + sbh)
    const sbh = 2048 * 12288;
    expect(st.activationBytes).toBe(8 * (12 * (13 * sbh + 4 * 12 * 2048) + 8 * 2048 + sbh));
    expect(st.peakBytes / GiB).toBeCloseTo(71.17, 2);
  });

  it('with Korthikanti\'s unfused attention it needs 93.7 GiB and does not fit; full recompute brings it to 46.9 GiB', () => {
    // unfused adds 5as²b/t = 10sbh per layer per microbatch: 8 × 12 × 10sbh = 22.5 GiB more
    const unfused = trainingMemory(spec('gpt3-175b'), { attention: 'unfused' });
    expect(unfused.peakBytes / GiB).toBeCloseTo(93.66, 2);
    const full = trainingMemory(spec('gpt3-175b', { 'training.parallel.recompute': 'full' }), { attention: 'unfused' });
    expect(full.peakBytes).toBeLessThan(80 * GiB);
    expect(full.stages[0]!.temporaryBytesByPart.recomputedLayer).toBe(23 * 2048 * 12288); // one layer, sbh(10 + 24/8 + 10)
  });
});

describe('tied embeddings and partial recompute (what training.ts generates)', () => {
  const sbh = 2048 * 12288;

  it('tied embeddings on one stage hold one V·h/t matrix, not two; over several stages each end keeps its copy', () => {
    // gpt3-175b with pp 1: 96 layers × 12h²/8 + the embedding V·h/8, and the untied head another V·h/8
    const one = (tied: boolean) => trainingMemory(spec('gpt3-175b', {
      'training.parallel.pp': 1, 'training.parallel.dp': 128, 'model.tiedEmbeddings': tied,
    })).stages[0]!.params;
    const embed = (50257 * 12288) / 8;
    expect(one(false) - one(true)).toBe(embed);
    // pp 8: stage 0 holds the embedding, stage 7 the head (tied: the copy whose gradient the two all-reduce)
    const pp = (tied: boolean) => trainingMemory(spec('gpt3-175b', { 'model.tiedEmbeddings': tied })).stages.map((st) => st.params);
    expect(pp(true)).toEqual(pp(false));
  });

  it('recomputeLayers n recomputes the first n layers of each chunk and stores the rest whole', () => {
    // gpt3-175b as shipped, stage 0, 12 layers, 8 microbatches in flight; full recompute stores 2sbh per layer,
    // no recompute 13sbh + 4·12·2048 (flash statistics, 12 heads per rank); with n = 4: 4 of the first, 8 of the second
    const act = (set: Record<string, unknown>) => trainingMemory(spec('gpt3-175b', set)).stages[0]!;
    const none = 13 * sbh + 4 * 12 * 2048;
    const full = 2 * sbh;
    const emb = 8 * 2048 + sbh;
    const partial = act({ 'training.parallel.recompute': 'full', 'training.parallel.recomputeLayers': 4 });
    expect(partial.activationBytes).toBe(8 * (4 * full + 8 * none + emb));
    expect(partial.temporaryBytesByPart.recomputedLayer).toBe(none);
    // n = 0 recomputes nothing: the same as no recompute, and no recompute buffer
    const zero = act({ 'training.parallel.recompute': 'full', 'training.parallel.recomputeLayers': 0 });
    expect(zero.activationBytes).toBe(act({}).activationBytes);
    expect(zero.temporaryBytesByPart.recomputedLayer).toBeUndefined();
  });
});

describe('shipped workloads', () => {
  it('each fits 80 GiB as shipped (flash attention), and names its stage with the peak', () => {
    const peaks = Object.fromEntries(namedWorkloads().filter((n) => loadWorkloadSpec(n).training).map((n) => [n, trainingMemory(loadWorkloadSpec(n))]));
    for (const [n, m] of Object.entries(peaks)) {
      expect(m.peakBytes, n).toBeLessThan(80 * GiB);
      expect(m.stages[m.peakStage]!.peakBytes).toBe(Math.max(...m.stages.map((s) => s.peakBytes)));
      for (const s of m.stages) expect(s.peakBytes).toBe(s.weightBytes + s.gradientBytes + s.optimizerBytes + s.activationBytes + s.temporaryBytes);
    }
  });
});

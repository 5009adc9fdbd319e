// The compute models (src/compute/): kernel descriptors' FLOPs and bytes, the kernel model's GEMM tile and wave
// quantization, split-K and memory bound, memory-bound kernels at the fitted achieved bandwidth, flash vs unfused
// attention, and the roofline kept as it was. Expected values are the formulas in kernels.ts / kernel.ts worked by
// hand on small made-up devices, so each number can be checked on paper.
import { describe, expect, it } from 'vitest';
import {
  attentionBytes, checkKernel, gemm, getDevice, KernelModel, kernelFlops, matmulBytes, memoryKernelBytes, RooflineModel, rooflineNs,
  type DevicePreset, type KernelConstants,
} from '../src/compute/index.ts';

/** A made-up device: 4 SMs, 4 TFLOPS fp16 (1000 FLOP/ns per SM), memory so fast it never binds. */
const toy: DevicePreset = {
  name: 'toy', peakTFLOPS: { fp16: 4 }, memBwGBps: 1e9, memGiB: 1, computeEfficiency: 1, memoryEfficiency: 1, sms: 4, boostClockMHz: 1000,
  sramPerSmKB: 64, l2MB: 1, source: 'test',
};
const ideal: KernelConstants = {
  gemmEfficiency: 1, gemmMemoryEfficiency: 1, gemmLatencyNs: 0, memoryEfficiency: 1, memoryEfficiencyByKind: {}, memoryLatencyNs: 0, fittedOn: 'test',
};

describe('kernel descriptors', () => {
  it('matmul: 2·b·m·n·k FLOPs and w·b·(mk + kn + mn) bytes', () => {
    const k = { type: 'matmul', m: 3, n: 5, k: 7, batch: 2 } as const;
    expect(kernelFlops(k)).toBe(2 * 2 * 3 * 5 * 7);
    expect(matmulBytes(k, 'bf16')).toBe(2 * 2 * (3 * 7 + 7 * 5 + 3 * 5));
  });

  it('memory-bound kinds: bytes per element from the table in kernels.ts', () => {
    expect(memoryKernelBytes({ type: 'layernorm', elements: 1000 }, 'bf16')).toBe(1000 * 2 * 2); // read x, write y
    expect(memoryKernelBytes({ type: 'layernorm', elements: 1000, backward: true }, 'bf16')).toBe(1000 * 3 * 2); // x, dy, dx
    expect(memoryKernelBytes({ type: 'silu-mul', elements: 10 }, 'fp16')).toBe(10 * 3 * 2); // a, b in; product out
    expect(memoryKernelBytes({ type: 'dropout', elements: 10 }, 'bf16')).toBe(10 * (2 * 2 + 1)); // + 1-byte mask
    expect(memoryKernelBytes({ type: 'adam', elements: 10 }, 'bf16')).toBe(10 * (28 + 2)); // fp32 states + bf16 copy
  });

  it('attention FLOPs: 4·b·h·sq·skv·d, halved when causal, x2.5 backward when flash, x2 unfused', () => {
    const a = { type: 'attention', batch: 2, heads: 4, seqQ: 8, seqKv: 16, headDim: 32, flash: true } as const;
    expect(kernelFlops(a)).toBe(4 * 2 * 4 * 8 * 16 * 32);
    expect(kernelFlops({ ...a, causal: true })).toBe(2 * 2 * 4 * 8 * 16 * 32);
    expect(kernelFlops({ ...a, backward: true })).toBe(2.5 * 4 * 2 * 4 * 8 * 16 * 32);
    expect(kernelFlops({ ...a, flash: false, backward: true })).toBe(2 * 4 * 2 * 4 * 8 * 16 * 32);
  });

  it('flash attention reads K and V once when they fit in L2, once per query block when not (FlashAttention thm. 2)', () => {
    // toy: 64 KB SRAM = 32768 fp16 elements; d = 64: Br = min(⌈32768/256⌉, 64) = 64; seqQ 256 → 4 blocks per head
    const a = { type: 'attention', batch: 1, heads: 1, seqQ: 256, seqKv: 256, headDim: 64, flash: true } as const;
    const qo = 2 * 256 * 64 * 2, kv = 2 * 256 * 64 * 2; // 64 KB of K and V: fits the 1 MB L2
    expect(attentionBytes(a, 'fp16', toy)).toBe(qo + kv);
    const tinyL2 = { ...toy, l2MB: 0.01 };
    expect(attentionBytes(a, 'fp16', tinyL2)).toBe(qo + 4 * kv);
  });

  it('unfused attention moves the s² scores through HBM: 6w + 1 bytes per score', () => {
    const a = { type: 'attention', batch: 1, heads: 2, seqQ: 10, seqKv: 10, headDim: 4, flash: false } as const;
    expect(attentionBytes(a, 'bf16', toy)).toBe(2 * (10 * 10 * 13 + 2 * 10 * 4 * 2 + 2 * 10 * 4 * 2));
  });

  it('rejects bad descriptors with the field and what was expected', () => {
    expect(checkKernel({ type: 'conv', m: 1 })).toMatch(/"kernel.type": "conv" is not a kernel type; expected one of: matmul, attention, layernorm/);
    expect(checkKernel({ type: 'matmul', m: 1, n: 2 })).toMatch(/"kernel.k" is missing/);
    expect(checkKernel({ type: 'matmul', m: 1, n: 2, k: 0 })).toMatch(/"kernel.k": expected a positive integer, got 0/);
    expect(checkKernel({ type: 'gelu', elements: 5, m: 3 })).toMatch(/"kernel.m" does not belong to a gelu kernel; expected: type, elements, backward/);
    expect(checkKernel({ type: 'attention', batch: 1, heads: 4, kvHeads: 3, seqQ: 1, seqKv: 1, headDim: 8, flash: true })).toMatch(/kvHeads.*does not divide heads 4/);
    expect(checkKernel({ type: 'attention', batch: 1, heads: 4, seqQ: 1, seqKv: 1, headDim: 8 })).toMatch(/"kernel.flash" is missing/);
    expect(checkKernel({ type: 'rmsnorm', elements: 4096 })).toBeUndefined();
  });
});

describe('kernel model: GEMM', () => {
  // one 128x128 tile of k = 1024 on one SM: 2·128·128·1024 FLOP / 1000 FLOP/ns
  const oneTile = (2 * 128 * 128 * 1024) / 1000;

  it('a GEMM of exactly one wave of 128x128 tiles takes one tile time', () => {
    // 4 tiles on 4 SMs (128x256 split-K 2 ways ties with it); t = latency (0) + max(compute, memory ≈ 0)
    const g = gemm(toy, ideal, { type: 'matmul', m: 128, n: 512, k: 1024 }, 'fp16');
    expect(g.waves).toBe(1);
    expect(g.timeNs).toBeCloseTo(oneTile, 6);
  });

  it('wave quantization: one tile more than the SMs doubles the time', () => {
    // n = 640: 5 tiles of 128x128 → 2 waves; 128x256 gives 3 tiles of twice the work: also 2 tile times; 64-row
    // tiles run at 2/3 efficiency (operand reuse 42.7 vs 64) and need 3 waves: worse
    const g = gemm(toy, ideal, { type: 'matmul', m: 128, n: 640, k: 1024 }, 'fp16');
    expect(g.timeNs).toBeCloseTo(2 * oneTile, 6);
    expect(g.bound).toBe('compute');
  });

  it('tile quantization: a partial tile costs a whole one', () => {
    const full = gemm(toy, ideal, { type: 'matmul', m: 128, n: 512, k: 1024 }, 'fp16');
    const part = gemm(toy, ideal, { type: 'matmul', m: 100, n: 512, k: 1024 }, 'fp16');
    expect(part.timeNs).toBeCloseTo(full.timeNs, 6);
  });

  it('split-K when the tiles do not fill the SMs: one 128x128 tile, k = 1024 split 4 ways', () => {
    // split = min(⌊4 SMs / 1 tile⌋, ⌊1024/256⌋) = 4; fp32 partials add 8·4·128·128 bytes
    const g = gemm(toy, ideal, { type: 'matmul', m: 128, n: 128, k: 1024 }, 'fp16');
    expect(g.splitK).toBe(4);
    const bytes = 2 * (128 * 1024 * 2 + 128 * 128) + 8 * 4 * 128 * 128;
    expect(g.bytes).toBe(bytes);
    expect(g.timeNs).toBeCloseTo(oneTile / 4, 6);
  });

  it('a GEMM with few rows is memory-bound on a real device: it streams the weights', () => {
    const d = getDevice('a100');
    const c = d.kernel!;
    const g = gemm(d, c, { type: 'matmul', m: 1, n: 8192, k: 8192 }, 'fp16');
    expect(g.bound).toBe('memory');
    // t = latency + bytes / (HBM · e_gemm_mem), bytes = w·(k + k·n + n) plus split-K's fp32 partials (8·s·m·n, < 0.1 %)
    const base = 2 * (8192 + 8192 * 8192 + 8192);
    expect(g.bytes).toBeGreaterThanOrEqual(base);
    expect(g.bytes).toBeLessThanOrEqual(base + 8 * 108 * 8192);
    // t = latency + (compute^q + memory^q)^(1/q): memory = bytes / (HBM · e_gemm_mem); compute = the waves charged
    // (W + τ·(⌈W⌉ − W), W = tiles·split/S) times one tile's k-slice at the tile's efficiency
    const [tm, tn] = g.tile;
    const tiles = Math.ceil(1 / tm) * Math.ceil(8192 / tn), W = (tiles * g.splitK) / 108;
    const waves = W + c.gemmWaveTail! * (Math.ceil(W) - W);
    const eff = Math.min(1, ((tm * tn) / (tm + tn) / 64) ** c.gemmTileExponent!);
    const tc = (waves * 2 * tm * tn * (8192 / g.splitK)) / ((312e3 / 108) * c.gemmEfficiency * eff);
    const tmem = g.bytes / (d.memBwGBps * c.gemmMemoryEfficiency);
    expect(tc).toBeLessThan(tmem);
    const q = c.gemmOverlapExponent!;
    expect(g.timeNs).toBeCloseTo(c.gemmLatencyNs + (tc ** q + tmem ** q) ** (1 / q), 6);
  });

  it('wave tail τ: a partial last wave costs W + τ·(⌈W⌉ − W) waves', () => {
    // as in "wave quantization" above (5 tiles of 128x128 on 4 SMs, W = 1.25) but τ = 0.5: 1.25 + 0.5·0.75 = 1.625
    // tile times; the other tiles cost more (128x256: 3 tiles of twice the work, 0.875·2 = 1.75; 64-row tiles at
    // 2/3 efficiency: (2.5 + 0.5·0.5)·0.5 / (2/3) = 2.06)
    const g = gemm(toy, { ...ideal, gemmWaveTail: 0.5 }, { type: 'matmul', m: 128, n: 640, k: 1024 }, 'fp16');
    expect(g.tile).toEqual([128, 128]);
    expect(g.timeNs).toBeCloseTo(1.625 * oneTile, 6);
  });

  it('overlap exponent q: compute and memory of equal length take 2^(1/q) of either', () => {
    // one wave of 128x128 tiles (m 128, n 512, k 1024 on 4 SMs): compute = one tile; HBM set so that the bytes,
    // 2·(128·1024 + 1024·512 + 128·512) = 1441792, take as long; q = 2: √2 · oneTile (other tiles add split-K
    // partials or lose efficiency)
    const bytes = 2 * (128 * 1024 + 1024 * 512 + 128 * 512);
    const slow = { ...toy, memBwGBps: bytes / oneTile };
    const g = gemm(slow, { ...ideal, gemmOverlapExponent: 2 }, { type: 'matmul', m: 128, n: 512, k: 1024 }, 'fp16');
    expect(g.tile).toEqual([128, 128]);
    expect(g.timeNs).toBeCloseTo(Math.SQRT2 * oneTile, 6);
  });

  it('fp8 on H100 runs at twice the bf16 peak for a large compute-bound GEMM; A100 has no fp8', () => {
    const m = new KernelModel({ device: getDevice('h100'), precision: 'bf16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
    const k = { type: 'matmul', m: 8192, n: 8192, k: 8192 } as const;
    const lat = m.constants.gemmLatencyNs;
    expect((m.kernel(k, 'bf16').timeNs - lat) / (m.kernel(k, 'fp8').timeNs - lat)).toBeCloseTo(2, 6);
    const a = new KernelModel({ device: getDevice('a100'), precision: 'bf16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
    expect(() => a.kernel(k, 'fp8')).toThrow(/A100-SXM4-80GB has no fp8; it has: fp64, fp32, tf32, bf16, fp16, int8/);
  });
});

describe('kernel model: memory-bound kernels and attention', () => {
  it('t = latency of the kind + bytes / (HBM · achieved fraction of the kind)', () => {
    const d = getDevice('h100');
    const c = d.kernel!;
    const m = new KernelModel({ device: d, precision: 'bf16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
    const r = m.kernel({ type: 'rmsnorm', elements: 1 << 24 }, 'bf16');
    expect(r.timeNs).toBeCloseTo(c.memoryLatencyByKind!.rmsnorm! + (4 * (1 << 24)) / (d.memBwGBps * c.memoryEfficiencyByKind.rmsnorm!), 6);
    // a kind never profiled (softmax) takes the medians of the profiled kinds' figures
    const s = m.kernel({ type: 'softmax', elements: 1 << 24 }, 'bf16');
    expect(s.timeNs).toBeCloseTo(c.memoryLatencyNs + (4 * (1 << 24)) / (d.memBwGBps * c.memoryEfficiency), 6);
  });

  it('flash attention is faster than unfused at long sequences, and compute-bound', () => {
    const m = new KernelModel({ device: getDevice('a100'), precision: 'bf16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
    const a = { type: 'attention', batch: 2, heads: 32, seqQ: 4096, seqKv: 4096, headDim: 128, causal: true } as const;
    const flash = m.kernel({ ...a, flash: true }, 'bf16');
    const unfused = m.kernel({ ...a, flash: false }, 'bf16');
    expect(flash.bound).toBe('compute');
    expect(unfused.timeNs).toBeGreaterThan(2 * flash.timeNs);
  });
});

describe('roofline model', () => {
  it('times a kernel from its FLOPs and bytes exactly as rooflineNs does', () => {
    const d = getDevice('a100');
    const s = { device: d, precision: 'bf16' as const, computeEfficiency: 0.8, memoryEfficiency: 0.85 };
    const r = new RooflineModel(s);
    const k = { type: 'matmul', m: 4096, n: 4096, k: 4096 } as const;
    const expected = rooflineNs(s, kernelFlops(k), matmulBytes(k, 'bf16'), 'bf16', (m) => { throw new Error(m); });
    expect(r.kernel(k, 'bf16').timeNs).toBe(expected);
    expect(expected).toBe((2 * 4096 ** 3) / (312e3 * 0.8)); // compute-bound: flops / (peak · efficiency)
  });
});

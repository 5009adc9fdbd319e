/**
 * The `kernel` compute model: analytical and shape-aware, with a few constants per device fitted on measured
 * kernel times (devices.ts `kernel`, kernel-fit.ts).
 *
 * GEMM [m x k]·[k x n] (x batch), on a device with S SMs and tensor-core peak P (FLOP/ns) at the precision:
 * - candidate CTA tiles tm x tn of 256x128, 128x256, 128x128, 128x64, 64x128, 64x64 (CUTLASS/cuBLAS's tensor-core
 *   tiles); a tile's throughput is P/S · e_gemm · min(1, (I/I₁₂₈)^x), I = tm·tn/(tm+tn) its operand reuse (a tile
 *   smaller than 128x128 loads more operand bytes per FLOP and is bound by shared-memory/L2 bandwidth; x, fitted per
 *   device, says how much: 0 not at all, 1 in proportion);
 * - tiles = batch·⌈m/tm⌉·⌈n/tn⌉ (tile quantization: a partial tile costs a full one); when tiles < S the k loop
 *   is split over s = min(⌊S/tiles⌋, ⌊k/256⌋) CTAs (split-K), whose fp32 partial outputs add 8·s·m·n bytes;
 * - waves: W = tiles·s/S exactly, ⌈W⌉ with wave quantization; the model charges W + τ·(⌈W⌉ − W), τ (the wave
 *   tail, fitted per device, 0..1) the share of the last partial wave's idle SMs that stays idle: 1 is classic wave
 *   quantization, below 1 stands for what six tiles miss (cuBLAS picks among many more tile shapes and, on Hopper,
 *   stream-K / persistent schedules that even out the tail); compute time = waves · 2·tm·tn·(k/s) / (P/S · tile
 *   efficiency);
 * - memory time = bytes / (HBM · e_gemm_mem), bytes = w·batch·(m·k + k·n + m·n) (+ split-K partials): a GEMM with
 *   few rows (decode, small M) streams its weight matrix and is memory-bound;
 * - compute and memory overlap imperfectly near the ridge (the pipeline stalls on loads while the tensor cores are
 *   busy): the kernel takes (compute^q + memory^q)^(1/q), q fitted per device (q → ∞ is the ideal roofline's max;
 *   the fits give q ≈ 2 on A100 and H100, 9 on A40), so a GEMM near the ridge is slower than either bound;
 * - the tile and split with the least such time wins (as cuBLAS's heuristics aim to), and t = latency_gemm + it.
 * Memory-bound kernels: t = latency_mem[kind] + bytes / (HBM · e_mem[kind]), bytes from kernels.ts; e_mem[kind]
 *   and latency_mem[kind] are the achieved bandwidth and fixed cost fitted for that kind (a norm's per-row block
 *   reduction has a higher floor than an add), or for a kind never measured on the device the medians of the
 *   measured kinds' figures.
 * Attention:
 * - flash: t = latency_gemm + max(FLOPs / (P · e_attn), bytes / (HBM · e_gemm_mem)), wave-quantized over
 *   batch·heads·⌈seqQ/128⌉ CTAs (one per 128 query rows), bytes IO-aware (kernels.ts, FlashAttention Theorem 2);
 *   e_attn is the device's published FlashAttention throughput as a fraction of peak (devices.ts), not fitted
 *   (the shipped profiles have no attention kernels);
 * - unfused: the kernels it runs, each by the rules above: batched GEMMs Q·Kᵀ (seqQ x seqKv x d) and P·V
 *   (seqQ x d x seqKv) over batch·heads, and softmax and dropout over the batch·heads·seqQ·seqKv scores; backward
 *   twice the GEMMs and the two kernels' backward.
 * `bound` is the larger term, or `latency` when the fixed cost exceeds both.
 */
import type { DevicePreset, KernelConstants } from './devices.ts';
import { attentionBytes, kernelFlops, matmulBytes, memoryKernelBytes, type AttentionKernel, type KernelDesc, type MatmulKernel, type MemoryKernel } from './kernels.ts';
import type { ComputeModel, KernelEstimate } from './model.ts';
import { ComputeError, type Precision } from './precision.ts';
import { RooflineModel, type RooflineSettings } from './roofline.ts';

const TILES: readonly (readonly [number, number])[] = [[256, 128], [128, 256], [128, 128], [128, 64], [64, 128], [64, 64]];
const I128 = (128 * 128) / 256;
const MIN_SPLIT_K = 256;
/** Query rows per FlashAttention CTA (FlashAttention-2's forward block). */
const FLASH_ROWS = 128;

/**
 * FlashAttention's achieved throughput as a fraction of dense peak, per device (not fitted: no attention profiles).
 * - A100: FlashAttention-2 (Dao 2023, fig. 4-5, A100 80GB SXM4, head dim 128): 187-225 TFLOP/s forward+backward
 *   for sequences ≥ 1k, about 0.65 of 312.
 * - H100: FlashAttention-2 reaches about 335 TFLOP/s forward+backward on H100 SXM5 (FA2 paper, fig. 7), and
 *   FlashAttention-3 / cuDNN 500-660 forward (Shah et al. 2024): 0.45 of 989.5 sits between the two.
 * - A40 and devices without a figure: the A100's fraction (same Ampere tensor cores).
 */
const ATTENTION_EFFICIENCY: Record<string, number> = { 'A100-SXM4-80GB': 0.65, 'H100-SXM5-80GB': 0.45, A40: 0.65 };

/** Constants for a device with no fitted ones: the roofline's efficiencies and a 4 µs launch floor (assumptions). */
export function defaultConstants(d: DevicePreset): KernelConstants {
  return {
    gemmEfficiency: d.computeEfficiency, gemmMemoryEfficiency: d.memoryEfficiency, gemmLatencyNs: 4000,
    memoryEfficiency: d.memoryEfficiency, memoryEfficiencyByKind: {}, memoryLatencyNs: 4000, fittedOn: 'not fitted: the roofline efficiencies and a 4 µs floor',
  };
}

export interface GemmDetail extends KernelEstimate {
  tile: [number, number];
  splitK: number;
  waves: number;
}

function peakPerNs(d: DevicePreset, p: Precision): number {
  const peak = d.peakTFLOPS[p];
  if (peak === undefined) throw new ComputeError(`${d.name} has no ${p}; it has: ${Object.keys(d.peakTFLOPS).join(', ')}`);
  return peak * 1e3;
}

/** What a tile choice of a GEMM implies, whatever the constants: the fitter computes these once per sample. */
export interface TileCandidate {
  tile: [number, number];
  split: number;
  /** ⌈W⌉ and W = tiles·split/S. */
  waves: number;
  exactWaves: number;
  /** FLOPs of one CTA: 2·tm·tn·(k/split). */
  ctaFlops: number;
  /** Operand reuse of the tile relative to 128x128's: tm·tn/(tm+tn) / 64. */
  reuse: number;
  bytes: number;
}

/** The tile candidates of a GEMM (constant-independent; see the header). */
export function gemmCandidates(d: DevicePreset, k: MatmulKernel, p: Precision): TileCandidate[] {
  const S = d.sms, b = k.batch ?? 1;
  const base = matmulBytes(k, p);
  return TILES.map(([tm, tn]) => {
    const tiles = b * Math.ceil(k.m / tm) * Math.ceil(k.n / tn);
    const split = tiles < S ? Math.max(1, Math.min(Math.floor(S / tiles), Math.floor(k.k / MIN_SPLIT_K))) : 1;
    return {
      tile: [tm, tn], split, waves: Math.ceil((tiles * split) / S), exactWaves: (tiles * split) / S, ctaFlops: 2 * tm * tn * (k.k / split),
      reuse: (tm * tn) / (tm + tn) / I128, bytes: base + (split > 1 ? 8 * split * b * k.m * k.n : 0),
    };
  });
}

/** A GEMM under constants c from its tile candidates (exported for the fitter). */
export function gemmFrom(d: DevicePreset, c: KernelConstants, cands: readonly TileCandidate[], k: MatmulKernel, p: Precision): GemmDetail {
  const perSm = (peakPerNs(d, p) / d.sms) * c.gemmEfficiency;
  const bw = d.memBwGBps * c.gemmMemoryEfficiency;
  const x = c.gemmTileExponent ?? 1, tau = c.gemmWaveTail, q = c.gemmOverlapExponent;
  let best: { t: number; tc: number; tm: number; cand: TileCandidate } | undefined;
  for (const cand of cands) {
    const eff = Math.min(1, cand.reuse ** x);
    const wq = tau === undefined ? cand.waves : cand.exactWaves + tau * (cand.waves - cand.exactWaves);
    const tc = (wq * cand.ctaFlops) / (perSm * eff);
    const tmem = cand.bytes / bw;
    if (best && Math.max(tc, tmem) >= best.t) continue; // the overlap only adds: this tile cannot win
    const t = q === undefined ? Math.max(tc, tmem) : (tc ** q + tmem ** q) ** (1 / q);
    if (!best || t < best.t) best = { t, tc, tm: tmem, cand };
  }
  const r = best!;
  const bound = c.gemmLatencyNs > r.t ? 'latency' : r.tc >= r.tm ? 'compute' : 'memory';
  return { timeNs: c.gemmLatencyNs + r.t, flops: kernelFlops(k), bytes: r.cand.bytes, bound, tile: r.cand.tile, splitK: r.cand.split, waves: r.cand.waves };
}

/** A GEMM under constants c. */
export function gemm(d: DevicePreset, c: KernelConstants, k: MatmulKernel, p: Precision): GemmDetail {
  return gemmFrom(d, c, gemmCandidates(d, k, p), k, p);
}

export function memoryKernel(d: DevicePreset, c: KernelConstants, k: MemoryKernel, p: Precision): KernelEstimate {
  const bytes = memoryKernelBytes(k, p);
  const t = bytes / (d.memBwGBps * (c.memoryEfficiencyByKind[k.type] ?? c.memoryEfficiency));
  const lat = c.memoryLatencyByKind?.[k.type] ?? c.memoryLatencyNs;
  return { timeNs: lat + t, flops: kernelFlops(k), bytes, bound: lat > t ? 'latency' : 'memory' };
}

function attention(d: DevicePreset, c: KernelConstants, k: AttentionKernel, p: Precision): KernelEstimate {
  const flops = kernelFlops(k);
  if (k.flash) {
    const P = peakPerNs(d, p), S = d.sms;
    const ctas = k.batch * k.heads * Math.ceil(k.seqQ / FLASH_ROWS);
    const waves = Math.ceil(ctas / S);
    // the work of one wave, as a fraction of the whole, times the number of waves: quantization over the SMs
    const quant = (waves * S) / ctas;
    const tc = (flops * quant) / (P * (ATTENTION_EFFICIENCY[d.name] ?? 0.65));
    const bytes = attentionBytes(k, p, d);
    const tmem = bytes / (d.memBwGBps * c.gemmMemoryEfficiency);
    const t = Math.max(tc, tmem);
    return { timeNs: c.gemmLatencyNs + t, flops, bytes, bound: c.gemmLatencyNs > t ? 'latency' : tc >= tmem ? 'compute' : 'memory' };
  }
  const bh = k.batch * k.heads, scores = bh * k.seqQ * k.seqKv;
  const parts: KernelEstimate[] = [
    gemm(d, c, { type: 'matmul', m: k.seqQ, n: k.seqKv, k: k.headDim, batch: bh }, p),
    gemm(d, c, { type: 'matmul', m: k.seqQ, n: k.headDim, k: k.seqKv, batch: bh }, p),
  ];
  if (k.backward) parts.push(...parts.map((x) => ({ ...x })));
  parts.push(memoryKernel(d, c, { type: 'softmax', elements: scores, ...(k.backward ? { backward: true } : {}) }, p));
  parts.push(memoryKernel(d, c, { type: 'dropout', elements: scores, ...(k.backward ? { backward: true } : {}) }, p));
  let t = 0, bytes = 0, tBound: Record<string, number> = {};
  for (const x of parts) {
    t += x.timeNs;
    bytes += x.bytes;
    tBound[x.bound] = (tBound[x.bound] ?? 0) + x.timeNs;
  }
  const bound = (Object.keys(tBound) as KernelEstimate['bound'][]).reduce((a, b) => (tBound[a]! >= tBound[b]! ? a : b));
  return { timeNs: t, flops, bytes, bound };
}

export class KernelModel implements ComputeModel {
  readonly name = 'kernel' as const;
  readonly device: DevicePreset;
  readonly constants: KernelConstants;
  private readonly roofline: RooflineModel;
  private readonly warned: string[] = [];
  constructor(s: RooflineSettings & { device: DevicePreset }, constants?: KernelConstants) {
    this.device = s.device;
    this.roofline = new RooflineModel(s);
    this.constants = constants ?? s.device.kernel ?? defaultConstants(s.device);
    if (!constants && !s.device.kernel) this.warned.push(`${s.device.name} has no fitted kernel-model constants; the kernel model uses ${this.constants.fittedOn}`);
  }
  kernel(k: KernelDesc, p: Precision): KernelEstimate {
    switch (k.type) {
      case 'matmul': {
        const g = gemm(this.device, this.constants, k, p);
        return { timeNs: g.timeNs, flops: g.flops, bytes: g.bytes, bound: g.bound };
      }
      case 'attention':
        return attention(this.device, this.constants, k, p);
      default:
        return memoryKernel(this.device, this.constants, k, p);
    }
  }
  /** No descriptor: the roofline (so traces without kernels replay as before). */
  op(flops: number, bytes: number, p: Precision): KernelEstimate {
    return this.roofline.op(flops, bytes, p);
  }
  warnings(): string[] {
    return [...this.warned];
  }
}

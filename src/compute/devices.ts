/**
 * Device presets: the published figures of each GPU (peak FLOPS per precision, HBM bandwidth, SMs, clocks, SRAM,
 * L2), each with its source, and the few constants of the `kernel` model fitted on measured kernel times
 * (kernel-fit.ts; `orrery validate --suite kernels` reports the fit, leave one model out).
 *
 * Peaks are the vendors' dense figures (no structured sparsity), in TFLOPS (10^12 FLOP/s; TOPS for int8). Memory
 * bandwidth is in GB/s with 1 GB = 10^9 B, so 1 GB/s = 1 B/ns. SRAM and L2 sizes are binary (1 KB = 1024 B,
 * 1 MB = 2^20 B), as the vendors give them.
 */
import type { MemoryKind } from './kernels.ts';
import { ComputeError, type Precision } from './precision.ts';

/**
 * Constants of the `kernel` model for one device (kernel.ts says how each is used). Fitted by `fitKernelConstants`
 * on the measured kernel times in `data/profiles/vidur/<device>/` (all models); the validation suite refits them
 * with one model left out to report held-out error.
 */
export interface KernelConstants {
  /** Fraction of tensor-core peak a full GEMM tile sustains over its k loop. */
  gemmEfficiency: number;
  /** Fraction of HBM bandwidth a GEMM reaches streaming its operands (small-M GEMMs are bound by it). */
  gemmMemoryEfficiency: number;
  /** How much tiles smaller than 128x128 lose: throughput x (reuse / reuse of 128x128)^this (absent: 1). */
  gemmTileExponent?: number;
  /** Share of the last partial wave's idle time that remains (1: classic wave quantization; 0: perfectly balanced). */
  gemmWaveTail?: number;
  /** Compute and memory overlap imperfectly: t = (tc^q + tm^q)^(1/q) (absent: max, q = ∞). */
  gemmOverlapExponent?: number;
  /** Fixed cost of a GEMM: launch, prologue and epilogue, ns. */
  gemmLatencyNs: number;
  /** Fraction of HBM bandwidth an element-wise or reduction kernel of a kind without its own figure reaches. */
  memoryEfficiency: number;
  /** Achieved fraction of HBM bandwidth per memory-bound kind that was measured (kernels differ: 30-85 %). */
  memoryEfficiencyByKind: Partial<Record<MemoryKind, number>>;
  /** Fixed cost of an element-wise kernel of a kind without its own figure, ns. */
  memoryLatencyNs: number;
  /** Fixed cost per memory-bound kind that was measured, ns (a norm's block reduction costs more than an add). */
  memoryLatencyByKind?: Partial<Record<MemoryKind, number>>;
  /** Where the constants come from. */
  fittedOn: string;
}

export interface DevicePreset {
  name: string;
  /** Dense peak per precision, TFLOPS (int8: TOPS). Precisions the device lacks are absent. */
  peakTFLOPS: Partial<Record<Precision, number>>;
  /** HBM bandwidth, GB/s (10^9 B/s). */
  memBwGBps: number;
  /** HBM capacity, GiB (2^30 B): what a training plan's memory per GPU is checked against (workload/memory.ts). */
  memGiB: number;
  /** Roofline: fraction of peak FLOPS a well-shaped kernel reaches (an assumption; override per run). */
  computeEfficiency: number;
  /** Roofline: fraction of HBM bandwidth a streaming kernel reaches (an assumption; override per run). */
  memoryEfficiency: number;
  /** Streaming multiprocessors. */
  sms: number;
  /** Boost clock, MHz (the clock the peak figures assume). */
  boostClockMHz: number;
  /** Shared memory (SRAM) one thread block can use per SM, KB. */
  sramPerSmKB: number;
  /** L2 cache, MB. */
  l2MB: number;
  /** Constants of the `kernel` model; absent: the device has no measured profiles to fit on. */
  kernel?: KernelConstants;
  source: string;
}

/**
 * Roofline efficiencies: typical of large GEMMs (about 80% of tensor-core peak) and of streaming kernels (about
 * 85% of HBM peak) on these parts. They are assumptions for a first estimate, not measured here; pass
 * `--compute-efficiency` / `--memory-efficiency`, or give ops measured `durationNs`, for real numbers.
 */
const EFF_COMPUTE = 0.8;
const EFF_MEMORY = 0.85;

export const DEVICES: Record<string, DevicePreset> = {
  // NVIDIA A100 Tensor Core GPU datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf), column "A100 80GB
  // SXM": FP64 9.7 / FP64 Tensor Core 19.5, FP32 19.5, TF32 Tensor Core 156, BF16 and FP16 Tensor Core 312,
  // INT8 Tensor Core 624 TOPS (the datasheet's starred values, 312/624/624/1248, are with sparsity); GPU memory
  // bandwidth 2,039 GB/s (HBM2e). No FP8. We use the tensor-core FP64 figure for fp64.
  // NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020), table 3 and "Streaming Multiprocessor": 108 SMs,
  // boost clock 1410 MHz, 40 MB L2, 192 KB combined L1/shared memory per SM of which up to 164 KB shared.
  'A100-SXM4-80GB': {
    name: 'A100-SXM4-80GB',
    peakTFLOPS: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624 },
    memBwGBps: 2039,
    memGiB: 80, // datasheet: "80GB HBM2e"
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    sms: 108,
    boostClockMHz: 1410,
    sramPerSmKB: 164,
    l2MB: 40,
    // fitted by scripts/fit-kernel-constants.ts (kernel-fit.ts) on all shipped profiles of this device;
    // `orrery validate --suite kernels-gemm` / `kernels-memory` report the leave-one-model-out error
    kernel: {
      gemmEfficiency: 0.746, gemmMemoryEfficiency: 0.907, gemmLatencyNs: 4810,
      gemmTileExponent: 0.261, gemmOverlapExponent: 1.97, gemmWaveTail: 0.162,
      memoryEfficiency: 0.503, memoryLatencyNs: 2900,
      memoryEfficiencyByKind: { add: 0.964, embedding: 0.156, gelu: 0.673, layernorm: 0.673, rmsnorm: 0.365, rope: 0.461, 'silu-mul': 0.503 },
      memoryLatencyByKind: { add: 1600, embedding: 2900, gelu: 1660, layernorm: 6210, rmsnorm: 3470, rope: 2720, 'silu-mul': 2980 },
      fittedOn: 'Vidur profiles (data/profiles/vidur/a100: Llama-2-70b-hf, Llama-2-7b-hf, Meta-Llama-3-70B, Meta-Llama-3-8B, phi-2), 13866 kernels',
    },
    source: 'NVIDIA A100 datasheet (80GB SXM column), dense figures; A100 architecture whitepaper (SMs, clock, L2, SRAM)',
  },
  // NVIDIA H100 Tensor Core GPU datasheet, column "H100 SXM": FP64 34 / FP64 Tensor Core 67, FP32 67, and with
  // sparsity TF32 989, BF16 1,979, FP16 1,979, FP8 3,958 TFLOPS, INT8 3,958 TOPS; the dense figures are half of
  // those (494.5, 989.5, 989.5, 1,979, 1,979). GPU memory bandwidth 3.35 TB/s (HBM3).
  // NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022): 132 SMs on the SXM5 part, 50 MB L2, 256 KB combined
  // L1/shared per SM of which up to 228 KB shared. The clock is the one the dense peak implies: 989.5 TFLOPS /
  // (132 SMs x 2048 dense FP16 FMA/clock x 2 FLOP) = 1830 MHz.
  'H100-SXM5-80GB': {
    name: 'H100-SXM5-80GB',
    peakTFLOPS: { fp64: 67, fp32: 67, tf32: 494.5, bf16: 989.5, fp16: 989.5, fp8: 1979, int8: 1979 },
    memBwGBps: 3350,
    memGiB: 80, // datasheet: "80GB" HBM3
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    sms: 132,
    boostClockMHz: 1830,
    sramPerSmKB: 228,
    l2MB: 50,
    // fitted by scripts/fit-kernel-constants.ts (kernel-fit.ts) on all shipped profiles of this device;
    // `orrery validate --suite kernels-gemm` / `kernels-memory` report the leave-one-model-out error
    kernel: {
      gemmEfficiency: 0.755, gemmMemoryEfficiency: 0.996, gemmLatencyNs: 4900,
      gemmTileExponent: 0.637, gemmOverlapExponent: 1.84, gemmWaveTail: 0.347,
      memoryEfficiency: 0.586, memoryLatencyNs: 1990,
      memoryEfficiencyByKind: { add: 1, embedding: 0.188, gelu: 0.735, layernorm: 0.96, rmsnorm: 0.466, rope: 0.518, 'silu-mul': 0.586 },
      memoryLatencyByKind: { add: 990, embedding: 2580, gelu: 970, layernorm: 5240, rmsnorm: 3580, rope: 1990, 'silu-mul': 1980 },
      fittedOn: 'Vidur profiles (data/profiles/vidur/h100: Llama-2-70b-hf, Llama-2-7b-hf, phi-2), 6586 kernels',
    },
    source: 'NVIDIA H100 datasheet (SXM column), dense figures (half the with-sparsity values); H100 architecture whitepaper (SMs, L2, SRAM)',
  },
  // NVIDIA A40 datasheet (nvidia-a40-datasheet.pdf): FP32 37.4 TFLOPS, TF32 Tensor 74.8, BF16 and FP16 Tensor 149.7,
  // INT8 Tensor 299.3 TOPS (dense; the starred values are with sparsity); 48 GB GDDR6, 696 GB/s. NVIDIA Ampere GA102
  // GPU Architecture whitepaper (A40 column): 84 SMs, boost clock 1740 MHz, 6 MB L2, 128 KB combined L1/shared per
  // SM of which up to 100 KB shared.
  'A40': {
    name: 'A40',
    peakTFLOPS: { fp32: 37.4, tf32: 74.8, bf16: 149.7, fp16: 149.7, int8: 299.3 },
    memBwGBps: 696,
    memGiB: 48, // datasheet: "48 GB GDDR6 with ECC"
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    sms: 84,
    boostClockMHz: 1740,
    sramPerSmKB: 100,
    l2MB: 6,
    // fitted by scripts/fit-kernel-constants.ts (kernel-fit.ts) on all shipped profiles of this device;
    // `orrery validate --suite kernels-gemm` / `kernels-memory` report the leave-one-model-out error
    kernel: {
      gemmEfficiency: 0.785, gemmMemoryEfficiency: 0.766, gemmLatencyNs: 3960,
      gemmTileExponent: 0.71, gemmOverlapExponent: 9.08, gemmWaveTail: 0.374,
      memoryEfficiency: 0.791, memoryLatencyNs: 1920,
      memoryEfficiencyByKind: { add: 0.855, embedding: 0.508, gelu: 0.841, layernorm: 0.802, rmsnorm: 0.606, rope: 0.791, 'silu-mul': 0.784 },
      memoryLatencyByKind: { add: 830, embedding: 2040, gelu: 1230, layernorm: 4410, rmsnorm: 3070, rope: 1670, 'silu-mul': 1920 },
      fittedOn: 'Vidur profiles (data/profiles/vidur/a40: Llama-2-70b-hf, Llama-2-7b-hf, phi-2), 6586 kernels',
    },
    source: 'NVIDIA A40 datasheet, dense figures; GA102 architecture whitepaper (SMs, clock, L2, SRAM)',
  },
  // The PCIe parts of the cluster presets (topologies/clusters/: the NVLink-pair nodes and the bridged H100 PCIe
  // pair). No measured kernel profiles: the kernel model uses its default constants for them, with a warning.
  // NVIDIA A100 datasheet, column "A100 80GB PCIe": the same dense peaks as the SXM part (FP64 Tensor Core 19.5, TF32
  // 156, BF16/FP16 312, INT8 624 TOPS); GPU memory bandwidth 1,935 GB/s (HBM2e), 80GB. Same GA100 die as the SXM part
  // (A100 architecture whitepaper: 108 SMs, 1410 MHz boost, 40 MB L2, 164 KB shared per SM).
  'A100-PCIe-80GB': {
    name: 'A100-PCIe-80GB',
    peakTFLOPS: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624 },
    memBwGBps: 1935,
    memGiB: 80,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    sms: 108,
    boostClockMHz: 1410,
    sramPerSmKB: 164,
    l2MB: 40,
    source: 'NVIDIA A100 datasheet (80GB PCIe column), dense figures; A100 architecture whitepaper (SMs, clock, L2, SRAM)',
  },
  // NVIDIA H100 datasheet, column "H100 PCIe": FP64 Tensor Core 51, FP32 51, and with sparsity TF32 756, BF16/FP16
  // 1,513, FP8 3,026 TFLOPS, INT8 3,026 TOPS; dense = half (378, 756.5, 1,513); 2 TB/s HBM2e, 80GB. H100 architecture
  // whitepaper: 114 SMs on the PCIe part, 50 MB L2, 228 KB shared per SM; the clock the dense peak implies:
  // 756.5 TFLOPS / (114 SMs x 4096 dense FP16 FLOP/clock) = 1620 MHz.
  'H100-PCIe-80GB': {
    name: 'H100-PCIe-80GB',
    peakTFLOPS: { fp64: 51, fp32: 51, tf32: 378, bf16: 756.5, fp16: 756.5, fp8: 1513, int8: 1513 },
    memBwGBps: 2000,
    memGiB: 80,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    sms: 114,
    boostClockMHz: 1620,
    sramPerSmKB: 228,
    l2MB: 50,
    source: 'NVIDIA H100 datasheet (PCIe column), dense figures (half the with-sparsity values); H100 architecture whitepaper (SMs, L2, SRAM)',
  },
};

const ALIASES: Record<string, string> = { a100: 'A100-SXM4-80GB', h100: 'H100-SXM5-80GB', a40: 'A40' };

export function deviceNames(): string[] {
  return Object.keys(DEVICES);
}

/** Looks a preset up by name (case-insensitive; `a100`, `h100`, `a40` work too). */
export function getDevice(name: string): DevicePreset {
  const key = Object.keys(DEVICES).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ALIASES[name.toLowerCase()];
  const d = key ? DEVICES[key] : undefined;
  if (!d) throw new ComputeError(`unknown device "${name}"; expected one of: ${deviceNames().join(', ')} (or a100, h100, a40)`);
  return d;
}

/** The short name of a preset's profile folder (`a100`, `h100`, `a40`), or undefined. */
export function deviceAlias(d: DevicePreset): string | undefined {
  return Object.keys(ALIASES).find((a) => ALIASES[a] === d.name);
}

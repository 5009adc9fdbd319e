/**
 * Device presets for the compute roofline, and the per-op compute-time model.
 *
 * A compute op takes its `durationNs` when given; otherwise
 *
 *     t = max(flops / (peak[precision] · computeEfficiency), bytes / (memBw · memoryEfficiency))
 *
 * rounded once to the nearest ns. The run then multiplies by `--compute-scale`, the rank's straggler factor and,
 * with `--jitter j`, a per-op factor max(0, 1 + j·z), z ~ N(0, 1) drawn from the rank's seeded stream in program
 * order; the product is rounded once more, to whole ns.
 *
 * Peaks are the vendors' published dense figures (no structured sparsity), in TFLOPS (10^12 FLOP/s; TOPS for
 * int8). Memory bandwidth is in GB/s with 1 GB = 10^9 B, so 1 GB/s = 1 B/ns.
 */
import type { Precision } from './trace.ts';
import { TraceError } from './trace.ts';

export interface DevicePreset {
  name: string;
  /** Dense peak per precision, TFLOPS (int8: TOPS). Precisions the device lacks are absent. */
  peakTFLOPS: Partial<Record<Precision, number>>;
  /** HBM bandwidth, GB/s (10^9 B/s). */
  memBwGBps: number;
  /** HBM capacity, GiB (2^30 B): what a training plan's memory per GPU is checked against (workload/memory.ts). */
  memGiB: number;
  /** Fraction of peak FLOPS a well-shaped kernel reaches (an assumption, not a measurement; override per run). */
  computeEfficiency: number;
  /** Fraction of HBM bandwidth a streaming kernel reaches (an assumption; override per run). */
  memoryEfficiency: number;
  source: string;
}

/**
 * Default efficiencies: typical of large GEMMs (about 80% of tensor-core peak) and of streaming kernels (about 85%
 * of HBM peak) on these parts. They are assumptions for a first estimate, not measured here; pass
 * `--compute-efficiency` / `--memory-efficiency`, or give ops measured `durationNs`, for real numbers.
 */
const EFF_COMPUTE = 0.8;
const EFF_MEMORY = 0.85;

/**
 * The PCIe parts of the cluster presets (topologies/clusters/: the NVLink-pair nodes and the bridged H100 PCIe pair).
 * One self-contained table, so it moves with the others if devices move to compute/.
 */
const PCIE_DEVICES: Record<string, DevicePreset> = {
  // NVIDIA A100 Tensor Core GPU datasheet, column "A100 80GB PCIe": the same dense peaks as the SXM part (FP64 Tensor
  // Core 19.5, TF32 156, BF16/FP16 312, INT8 624 TOPS; the starred values are with sparsity); GPU memory bandwidth
  // 1,935 GB/s (HBM2e).
  'A100-PCIe-80GB': {
    name: 'A100-PCIe-80GB',
    peakTFLOPS: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624 },
    memBwGBps: 1935,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    memGiB: 80, // datasheet: GPU memory "80GB HBM2e"
    source: 'NVIDIA A100 datasheet (80GB PCIe column), dense figures',
  },
  // NVIDIA H100 Tensor Core GPU datasheet, column "H100 PCIe": FP64 26 / FP64 Tensor Core 51, FP32 51, and with
  // sparsity TF32 756, BF16/FP16 1,513, FP8 3,026 TFLOPS, INT8 3,026 TOPS; dense = half (378, 756.5, 1,513).
  // GPU memory bandwidth 2 TB/s (HBM2e).
  'H100-PCIe-80GB': {
    name: 'H100-PCIe-80GB',
    peakTFLOPS: { fp64: 51, fp32: 51, tf32: 378, bf16: 756.5, fp16: 756.5, fp8: 1513, int8: 1513 },
    memBwGBps: 2000,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    memGiB: 80, // datasheet: GPU memory "80GB"
    source: 'NVIDIA H100 datasheet (PCIe column), dense figures (half the with-sparsity values)',
  },
  // NVIDIA A40 datasheet: FP32 37.4 TFLOPS; tensor TF32 74.8, BF16/FP16 149.7, INT8 299.3 TOPS (dense; the datasheet's
  // second figures, 149.6 / 299.4 / 598.6, are with sparsity); FP64 is 1/64 of FP32 on GA102 (0.58); GPU memory
  // bandwidth 696 GB/s (GDDR6). No FP8.
  A40: {
    name: 'A40',
    peakTFLOPS: { fp64: 0.58, fp32: 37.4, tf32: 74.8, bf16: 149.7, fp16: 149.7, int8: 299.3 },
    memBwGBps: 696,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    memGiB: 48, // datasheet: GPU memory "48 GB GDDR6 with ECC"
    source: 'NVIDIA A40 datasheet, dense figures',
  },
};

export const DEVICES: Record<string, DevicePreset> = {
  // NVIDIA A100 Tensor Core GPU datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf), column "A100 80GB
  // SXM": FP64 9.7 / FP64 Tensor Core 19.5, FP32 19.5, TF32 Tensor Core 156, BF16 and FP16 Tensor Core 312,
  // INT8 Tensor Core 624 TOPS (the datasheet's starred values, 312/624/624/1248, are with sparsity); GPU memory
  // bandwidth 2,039 GB/s (HBM2e). No FP8. We use the tensor-core FP64 figure for fp64. GPU memory "80GB HBM2e":
  // five 16 GiB stacks, 80 GiB.
  'A100-SXM4-80GB': {
    name: 'A100-SXM4-80GB',
    peakTFLOPS: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624 },
    memBwGBps: 2039,
    memGiB: 80,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    source: 'NVIDIA A100 datasheet (80GB SXM column), dense figures',
  },
  // NVIDIA H100 Tensor Core GPU datasheet, column "H100 SXM": FP64 34 / FP64 Tensor Core 67, FP32 67, and with
  // sparsity TF32 989, BF16 1,979, FP16 1,979, FP8 3,958 TFLOPS, INT8 3,958 TOPS; the dense figures are half of
  // those (494.5, 989.5, 989.5, 1,979, 1,979). GPU memory bandwidth 3.35 TB/s (HBM3). GPU memory "80GB" HBM3:
  // five active 16 GiB stacks, 80 GiB.
  'H100-SXM5-80GB': {
    name: 'H100-SXM5-80GB',
    peakTFLOPS: { fp64: 67, fp32: 67, tf32: 494.5, bf16: 989.5, fp16: 989.5, fp8: 1979, int8: 1979 },
    memBwGBps: 3350,
    memGiB: 80,
    computeEfficiency: EFF_COMPUTE,
    memoryEfficiency: EFF_MEMORY,
    source: 'NVIDIA H100 datasheet (SXM column), dense figures (half the with-sparsity values)',
  },
  ...PCIE_DEVICES,
};

const ALIASES: Record<string, string> = { a100: 'A100-SXM4-80GB', h100: 'H100-SXM5-80GB', a40: 'A40' };

export function deviceNames(): string[] {
  return Object.keys(DEVICES);
}

/** Looks a preset up by name (case-insensitive; `a100`, `h100` work too). */
export function getDevice(name: string): DevicePreset {
  const key = Object.keys(DEVICES).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ALIASES[name.toLowerCase()];
  const d = key ? DEVICES[key] : undefined;
  if (!d) throw new TraceError(`unknown device "${name}"; expected one of: ${deviceNames().join(', ')}`);
  return d;
}

export interface ComputeModel {
  device?: DevicePreset;
  /** Precision of ops that name none. */
  precision: Precision;
  computeEfficiency: number;
  memoryEfficiency: number;
}

/**
 * Roofline time of one op in ns, unrounded. Throws (via `fail`) when the device is missing or lacks the
 * precision.
 */
export function rooflineNs(m: ComputeModel, flops: number, bytes: number, precision: Precision | undefined, fail: (msg: string) => never): number {
  const d = m.device;
  if (!d) return fail(`has no durationNs, so its time comes from the roofline, which needs a device: pass --device (${deviceNames().join(', ')}) or set meta.device in the trace`);
  const p = precision ?? m.precision;
  let t = 0;
  if (flops > 0) {
    const peak = d.peakTFLOPS[p];
    if (peak === undefined) {
      return fail(`asks for ${p}, which ${d.name} does not have; it has: ${Object.keys(d.peakTFLOPS).join(', ')}`);
    }
    t = flops / (peak * 1e3 * m.computeEfficiency); // TFLOPS = 1e3 FLOP/ns
  }
  if (bytes > 0) t = Math.max(t, bytes / (d.memBwGBps * m.memoryEfficiency));
  return t;
}

/**
 * The roofline compute model (Orrery's first, kept for comparison and for ops known only by FLOPs and bytes):
 *
 *     t = max(flops / (peak[precision] · computeEfficiency), bytes / (memBw · memoryEfficiency))
 *
 * unrounded (the replay rounds once to whole ns, then applies its scale, straggler and jitter factors).
 * A kernel descriptor contributes its FLOPs and bytes (kernels.ts) and nothing else.
 */
import { deviceNames, type DevicePreset } from './devices.ts';
import { attentionBytes, kernelFlops, matmulBytes, memoryKernelBytes, type KernelDesc } from './kernels.ts';
import type { ComputeModel, KernelEstimate } from './model.ts';
import { ComputeError, type Precision } from './precision.ts';

export interface RooflineSettings {
  device?: DevicePreset;
  /** Precision of ops that name none. */
  precision: Precision;
  computeEfficiency: number;
  memoryEfficiency: number;
}

/**
 * Roofline time of one op in ns, unrounded. Calls `fail` (which throws) when the device is missing or lacks the
 * precision.
 */
export function rooflineNs(m: RooflineSettings, flops: number, bytes: number, precision: Precision | undefined, fail: (msg: string) => never): number {
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

/** Bytes of any kernel as the models count them. */
export function kernelBytes(k: KernelDesc, p: Precision, d: DevicePreset): number {
  switch (k.type) {
    case 'matmul': return matmulBytes(k, p);
    case 'attention': return attentionBytes(k, p, d);
    default: return memoryKernelBytes(k, p);
  }
}

const throwCompute = (msg: string): never => { throw new ComputeError(msg); };

export class RooflineModel implements ComputeModel {
  readonly name = 'roofline' as const;
  readonly device: DevicePreset;
  private readonly s: RooflineSettings;
  constructor(s: RooflineSettings & { device: DevicePreset }) {
    this.device = s.device;
    this.s = s;
  }
  op(flops: number, bytes: number, precision: Precision): KernelEstimate {
    const t = rooflineNs(this.s, flops, bytes, precision, (m) => throwCompute(`${this.device.name}: ${m}`));
    const p = this.device.peakTFLOPS[precision];
    const tc = flops > 0 && p ? flops / (p * 1e3 * this.s.computeEfficiency) : 0;
    return { timeNs: t, flops, bytes, bound: tc >= t && flops > 0 ? 'compute' : 'memory' };
  }
  kernel(k: KernelDesc, precision: Precision): KernelEstimate {
    return this.op(kernelFlops(k), kernelBytes(k, precision, this.device), precision);
  }
  warnings(): string[] {
    return [];
  }
}

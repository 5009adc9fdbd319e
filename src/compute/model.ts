/**
 * The compute-model interface: one kernel (or an op known only by FLOPs and bytes) on one device at one precision
 * in, a duration out. Models: `roofline` (roofline.ts), `kernel` (kernel.ts, shape-aware, the default), `table`
 * (table.ts, measured times). Durations are unrounded ns; the replay rounds once.
 */
import type { DevicePreset } from './devices.ts';
import type { KernelDesc } from './kernels.ts';
import type { Precision } from './precision.ts';

export type ComputeModelName = 'roofline' | 'kernel' | 'table';
export const COMPUTE_MODELS: readonly ComputeModelName[] = ['roofline', 'kernel', 'table'];

/** What limits a kernel: tensor/ALU throughput, memory bandwidth, or fixed launch/latency cost. */
export type Bound = 'compute' | 'memory' | 'latency';

export interface KernelEstimate {
  /** Unrounded duration, ns. */
  timeNs: number;
  flops: number;
  /** HBM bytes the model assumes. */
  bytes: number;
  bound: Bound;
}

export interface ComputeModel {
  readonly name: ComputeModelName;
  readonly device: DevicePreset;
  /** One kernel. Throws ComputeError when the device lacks the precision. */
  kernel(k: KernelDesc, precision: Precision): KernelEstimate;
  /** An op without a kernel descriptor, known by FLOPs and bytes only: every model uses the roofline here. */
  op(flops: number, bytes: number, precision: Precision): KernelEstimate;
  /** Warnings collected while estimating (e.g. the table fell back to `kernel`), each once. */
  warnings(): string[];
}

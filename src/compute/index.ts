/**
 * Compute: device presets and compute-time models behind one interface (model.ts): one kernel descriptor (or
 * FLOPs and bytes) + device + precision in, a duration in ns (plus FLOPs, bytes and what bounds it) out.
 * Uses only units (DESIGN.md).
 */
export { ComputeError, ELEMENT_BYTES, PRECISIONS, type Precision } from './precision.ts';
export { DEVICES, deviceAlias, deviceNames, getDevice, type DevicePreset, type KernelConstants } from './devices.ts';
export {
  KERNEL_TYPES, MEMORY_KINDS, assertKernel, attentionBytes, checkKernel, isMemoryKind, kernelFlops, matmulBytes, memoryKernelBytes,
  type AttentionKernel, type KernelDesc, type MatmulKernel, type MemoryKernel, type MemoryKind,
} from './kernels.ts';
export { COMPUTE_MODELS, type Bound, type ComputeModel, type ComputeModelName, type KernelEstimate } from './model.ts';
export { RooflineModel, kernelBytes, rooflineNs, type RooflineSettings } from './roofline.ts';
export { KernelModel, defaultConstants, gemm } from './kernel.ts';
export { fitKernelConstants, roundConstants } from './kernel-fit.ts';
export { vidurKernels, vidurSamples, type KernelSample, type VidurRow } from './profiles.ts';
export { TableModel, type TableEntry, type TableStats } from './table.ts';
export { DEFAULT_FOREST, RegressionForest, type ForestOptions } from './forest.ts';

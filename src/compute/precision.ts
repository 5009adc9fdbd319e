/** Numeric precisions of compute ops, and their storage size. */
export type Precision = 'fp64' | 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'int8';

export const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'];

/** Bytes per element in memory (tf32 is stored as fp32). */
export const ELEMENT_BYTES: Record<Precision, number> = { fp64: 8, fp32: 4, tf32: 4, bf16: 2, fp16: 2, fp8: 1, int8: 1 };

/** An input the compute models cannot use (unknown device, missing precision, a bad kernel descriptor). */
export class ComputeError extends Error {
  override name = 'ComputeError';
}

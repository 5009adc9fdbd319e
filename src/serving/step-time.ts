/**
 * How long one iteration (a "step") of a replica takes for a batch: the interface the schedulers' simulator
 * calls, and its first implementation, a per-kernel roofline plus tensor-parallel all-reduces.
 *
 * `StepTimeModel` is deliberately small so that a kernel-level compute model (measured or learned kernel times)
 * can replace the roofline: it gets the batch's shape (per request: tokens processed now and tokens already
 * cached) and returns integer ns.
 *
 * Roofline (per TP rank, all layers; m = tokens in the step; shapes from model.ts; w bytes per element):
 * - each GEMM [m×k]·[k×n] is one kernel: 2·m·k·n FLOPs, w·(m·k + k·n + m·n) bytes (the weights are read once per
 *   step, which is why decode is memory-bound): QKV (h → hq + 2·kvd), output (hq → h), FFN up (h → f/T, or
 *   h → 2f/T fused gate+up for SwiGLU) and down (f/T → h); MoE: a router (h → E) and each token through topK
 *   experts, reading min(E, m·topK) experts' weights;
 * - attention is two kernels per layer, one for the prefill chunks and one for the decodes. A chunk of q tokens
 *   after c cached ones does causal attention over q·c + q(q+1)/2 query-key pairs, 4·hq FLOPs each (QKᵀ and AV);
 *   it reads Q and writes O (2·q·hq elements), reads K and V of the c + q tokens and writes the q new ones
 *   (2·(c + 2q)·kvd). A decode with kv cached tokens is a chunk with q = 1, c = kv;
 * - the LM head [s×h]·[h×V/T] for the s sequences that emit a token this step;
 * - each kernel takes max(FLOPs / (peak · computeEfficiency), bytes / (HBM bandwidth · memoryEfficiency));
 * - with T > 1, two all-reduces of m·h·w bytes per layer (after attention and after the FFN; Megatron TP), timed
 *   by the caller's `TpComm` (the collective model on the replica's GPUs of the topology);
 * - no kernel launch or CPU scheduling overhead, no embedding, norms or sampling (small next to the GEMMs).
 * The sum is rounded once, to whole ns. The per-layer GEMM and all-reduce time depends only on m, and the LM head
 * only on s: both are memoized, so a step costs a few multiplications per request in the batch.
 */
import { ServingError } from './errors.ts';
import type { RankShapes } from './model.ts';

/** The shape of one step's batch. The arrays are parallel per request; the simulator reuses them between calls. */
export interface BatchShape {
  /** Per request in prefill this step: prompt tokens processed now (a chunk, or the whole prompt). */
  prefillTokens: readonly number[];
  /** Per request in prefill: tokens already in its KV cache before this chunk. */
  prefillContext: readonly number[];
  /** Per decoding request: tokens in its KV cache before this step's token. */
  decodeKv: readonly number[];
  /** Requests that emit a token this step (the decodes and the prefills that complete): the LM head's rows. */
  samples: number;
}

/** Which ends of the model a pipeline stage holds (the whole model: both). */
export interface StagePart {
  /** Holds the embedding. */
  first: boolean;
  /** Holds the final norm and the LM head. */
  last: boolean;
}
export const WHOLE_MODEL: StagePart = { first: true, last: true };

export interface StepTimeModel {
  /** Whole ns for one step of this batch on one replica. */
  stepNs(batch: BatchShape): number;
}

/** A device's roofline numbers (the shape of the device presets; efficiencies as fractions). */
export interface DeviceRoofline {
  name: string;
  /** Dense peak per precision, TFLOPS. */
  peakTFLOPS: Partial<Record<string, number>>;
  memBwGBps: number;
  computeEfficiency: number;
  memoryEfficiency: number;
}

/** Time of the TP group's collectives. */
export interface TpComm {
  /** ns for an all-reduce of `bytes` per rank over the replica's TP group (unrounded is fine). */
  allReduceNs(bytes: number): number;
}

export class RooflineStepTime implements StepTimeModel {
  private readonly flopsPerNs: number;
  private readonly bytesPerNs: number;
  private readonly linearMemo = new Map<number, number>();
  private readonly headMemo = new Map<number, number>();

  /** `stage`: a pipeline stage's part (its layers in `shapes.model.layers`; the LM head on the last stage only). */
  constructor(readonly shapes: RankShapes, readonly device: DeviceRoofline, readonly comm: TpComm, readonly stage: StagePart = WHOLE_MODEL) {
    const peak = device.peakTFLOPS[shapes.model.precision];
    if (peak === undefined) {
      throw new ServingError(`--device: ${device.name} has no ${shapes.model.precision} peak; it has: ${Object.keys(device.peakTFLOPS).join(', ')}`);
    }
    this.flopsPerNs = peak * 1e3 * device.computeEfficiency; // 1 TFLOPS = 1e3 FLOP/ns
    this.bytesPerNs = device.memBwGBps * device.memoryEfficiency; // 1 GB/s = 1 B/ns
  }

  /** Roofline ns of one kernel. */
  kernelNs(flops: number, bytes: number): number {
    return Math.max(flops / this.flopsPerNs, bytes / this.bytesPerNs);
  }

  private gemmNs(m: number, k: number, n: number, weightCopies = 1): number {
    const w = this.shapes.w;
    return this.kernelNs(2 * m * k * n, w * (m * k + k * n * weightCopies + m * n));
  }

  /** All layers' GEMMs and TP all-reduces for a step of m tokens (memoized). */
  linearNs(m: number): number {
    let t = this.linearMemo.get(m);
    if (t !== undefined) return t;
    const s = this.shapes;
    const { h, hq, kvd, fr } = s;
    const moe = s.model.moe;
    let layer = this.gemmNs(m, h, hq + 2 * kvd) + this.gemmNs(m, hq, h);
    const ffn = (rows: number, copies: number) =>
      (s.mats === 3 ? this.gemmNs(rows, h, 2 * fr, copies) : this.gemmNs(rows, h, fr, copies)) + this.gemmNs(rows, fr, h, copies);
    if (moe) layer += this.gemmNs(m, h, moe.experts) + ffn(m * moe.topK, Math.min(moe.experts, m * moe.topK));
    else layer += ffn(m, 1);
    if (s.tp > 1) layer += 2 * this.comm.allReduceNs(m * h * s.w);
    t = s.model.layers * layer;
    this.linearMemo.set(m, t);
    return t;
  }

  /** LM head for s sequences (memoized). */
  headNs(samples: number): number {
    if (samples === 0 || !this.stage.last) return 0;
    let t = this.headMemo.get(samples);
    if (t === undefined) {
      t = this.gemmNs(samples, this.shapes.h, this.shapes.vr);
      this.headMemo.set(samples, t);
    }
    return t;
  }

  /** All layers' attention for the batch (two kernels per layer: prefill chunks, decodes). */
  attentionNs(b: BatchShape): number {
    const { hq, kvd, w } = this.shapes;
    let pf = 0, pb = 0;
    for (let i = 0; i < b.prefillTokens.length; i++) {
      const q = b.prefillTokens[i]!, c = b.prefillContext[i]!;
      pf += 4 * hq * (q * c + (q * (q + 1)) / 2);
      pb += w * (2 * q * hq + 2 * (c + 2 * q) * kvd);
    }
    let df = 0, db = 0;
    const n = b.decodeKv.length;
    for (let i = 0; i < n; i++) {
      const kv = b.decodeKv[i]!;
      df += 4 * hq * (kv + 1);
      db += w * 2 * (kv + 2) * kvd;
    }
    db += w * 2 * n * hq;
    const layer = (pf > 0 || pb > 0 ? this.kernelNs(pf, pb) : 0) + (n > 0 ? this.kernelNs(df, db) : 0);
    return this.shapes.model.layers * layer;
  }

  stepNs(b: BatchShape): number {
    let m = b.decodeKv.length;
    for (const q of b.prefillTokens) m += q;
    if (m === 0) return 0;
    return Math.round(this.linearNs(m) + this.attentionNs(b) + this.headNs(b.samples));
  }
}

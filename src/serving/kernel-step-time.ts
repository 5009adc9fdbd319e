/**
 * Step time from the kernel compute model (src/compute/kernel.ts: GEMM tile and wave quantization, launch floors,
 * per-kind achieved bandwidth, fitted per device on Vidur's measured kernel times): the step is the sum of the
 * kernels a vLLM/TensorRT-LLM-style forward pass runs, each predicted exactly as `orrery kernel` predicts it
 * (rounded to whole ns, at least 1), plus the tensor-parallel all-reduces. Nothing here is fitted.
 *
 * Per TP rank, m = tokens in the step (prefill chunks + one per decode), s = sequences sampled this step; shapes
 * from model.ts (hq = h/T, kvd = K width per rank, fr = f/T, d = h/heads, w = bytes per element):
 * - per layer:
 *   - norm before attention and before the MLP: rmsnorm of m·h elements (SwiGLU models: the Llama family) or
 *     layernorm (GELU models); rope of m·(hq + kvd) elements (Q and K) for SwiGLU models only (GPT-style GELU
 *     models here use learned positions);
 *   - GEMMs: QKV m × h × (hq + 2·kvd), output m × hq × h, MLP up m × h × 2·fr (SwiGLU, gate and up fused) or
 *     m × h × fr, down m × fr × h; the activation silu-mul or gelu of m·fr elements; two residual adds of m·h;
 *   - MoE: a router GEMM m × h × E, and the experts as one batched GEMM over the A = min(E, m·topK) experts in
 *     use, ⌈m·topK / A⌉ rows each (an even spread: a grouped GEMM reading each used expert's weights once);
 *   - attention, FlashAttention kernels: per prefill chunk of q tokens after c cached ones, one kernel with
 *     seqQ = q, seqKv = c + q over hq/d heads, causal when c < q (the causal count 0.5·q·(c + q) query-key pairs
 *     is then nearer the true q·c + q²/2 than the full q·(c + q) is); the decodes as one kernel over batch = n
 *     decodes and the kvd/d KV heads, each with seqQ = hq/kvd (the query heads of a group packed as rows, as
 *     FlashAttention-2 and TensorRT-LLM's XQA do for grouped-query decode) and seqKv = ⌈Σ(kv + 1) / n⌉ (the mean
 *     keys read, rounded up: the kernel model takes one length per kernel), so its bytes are the KV cache it
 *     reads and it is memory-bound;
 *   - with T > 1, two all-reduces of m·h·w bytes (after attention and after the MLP), timed by the caller's
 *     `TpComm`, as in the roofline model;
 * - once per step: the embedding lookup of m·h elements, the final norm of m·h, and the LM head GEMM
 *   s × h × V/T.
 * Precisions: the blocks' GEMMs and attention run at the model's precision (the KV cache is stored in it); the
 * norms, rope, activation, adds, embedding and LM head at the activations' (`activationPrecision`: bf16 for an FP8
 * deployment, whose quantization covers only the blocks' linear layers).
 * Not modelled: sampling, the vocabulary-parallel embedding's all-reduce and the logits' gather, CPU scheduling
 * and the launch gaps between kernels (CUDA graphs hide most of those in decode).
 * Memoized as the roofline is: the per-layer kernels that depend only on m, and the LM head on s.
 */
import { KernelModel, type DevicePreset, type KernelDesc, type Precision, PRECISIONS } from '../compute/index.ts';
import { ServingError } from './errors.ts';
import type { RankShapes } from './model.ts';
import { WHOLE_MODEL, type BatchShape, type StagePart, type StepTimeModel, type TpComm } from './step-time.ts';

/** The kernels of one layer that depend only on the step's token count m (not the all-reduces, not attention). */
export function layerKernels(s: RankShapes, m: number): KernelDesc[] {
  const { h, hq, kvd, fr } = s;
  const swiglu = s.mats === 3;
  const norm = swiglu ? 'rmsnorm' : 'layernorm';
  const ks: KernelDesc[] = [
    { type: norm, elements: m * h },
    { type: 'matmul', m, k: h, n: hq + 2 * kvd },
  ];
  if (swiglu) ks.push({ type: 'rope', elements: m * (hq + kvd) });
  ks.push({ type: 'matmul', m, k: hq, n: h }, { type: 'add', elements: m * h }, { type: norm, elements: m * h });
  const moe = s.model.moe;
  const up = swiglu ? 2 * fr : fr;
  if (moe) {
    const routed = m * moe.topK;
    const used = Math.min(moe.experts, routed);
    const rows = Math.ceil(routed / used);
    ks.push({ type: 'matmul', m, k: h, n: moe.experts });
    ks.push({ type: 'matmul', m: rows, k: h, n: up, batch: used });
    ks.push(swiglu ? { type: 'silu-mul', elements: routed * fr } : { type: 'gelu', elements: routed * fr });
    ks.push({ type: 'matmul', m: rows, k: fr, n: h, batch: used });
  } else {
    ks.push({ type: 'matmul', m, k: h, n: up });
    ks.push(swiglu ? { type: 'silu-mul', elements: m * fr } : { type: 'gelu', elements: m * fr });
    ks.push({ type: 'matmul', m, k: fr, n: h });
  }
  ks.push({ type: 'add', elements: m * h });
  return ks;
}

/** The attention kernels of one layer for the batch (per prefill chunk, then one for all decodes). */
export function attentionKernels(s: RankShapes, b: BatchShape): KernelDesc[] {
  const d = s.h / s.model.heads;
  const heads = s.hq / d, kvHeads = s.kvd / d;
  const ks: KernelDesc[] = [];
  for (let i = 0; i < b.prefillTokens.length; i++) {
    const q = b.prefillTokens[i]!, c = b.prefillContext[i]!;
    if (q === 0) continue;
    ks.push({ type: 'attention', batch: 1, heads, kvHeads, seqQ: q, seqKv: c + q, headDim: d, causal: c < q, flash: true });
  }
  const n = b.decodeKv.length;
  if (n > 0) {
    let keys = 0;
    for (const kv of b.decodeKv) keys += kv + 1;
    ks.push({ type: 'attention', batch: n, heads: kvHeads, seqQ: heads / kvHeads, seqKv: Math.ceil(keys / n), headDim: d, causal: false, flash: true });
  }
  return ks;
}

/** The kernels run once per step that depend on m: the embedding lookup and the final norm. */
export function stepKernels(s: RankShapes, m: number): KernelDesc[] {
  return [
    { type: 'embedding', elements: m * s.h },
    { type: s.mats === 3 ? 'rmsnorm' : 'layernorm', elements: m * s.h },
  ];
}

/** The LM head for the sequences sampled this step. */
export function headKernel(s: RankShapes, samples: number): KernelDesc {
  return { type: 'matmul', m: samples, k: s.h, n: s.vr };
}

export class KernelStepTime implements StepTimeModel {
  /** The model at the weight precision: the blocks' GEMMs and attention (whose KV cache is in that precision). */
  readonly model: KernelModel;
  /** The model at the activations' precision: norms, element-wise kernels, the embedding and the LM head. */
  readonly actModel: KernelModel;
  private readonly precision: Precision;
  private readonly actPrecision: Precision;
  private readonly layerMemo = new Map<number, number>();
  private readonly headMemo = new Map<number, number>();

  /**
   * @param stage for a pipeline stage (pipeline.ts; `shapes.model.layers` is then the stage's layers): the
   *   embedding runs on the first stage only, the final norm and the LM head on the last. Default: the whole model.
   */
  constructor(readonly shapes: RankShapes, readonly device: DevicePreset, readonly comm: TpComm, readonly stage: StagePart = WHOLE_MODEL) {
    const known = (p: string): Precision => {
      if (!PRECISIONS.includes(p as Precision)) throw new ServingError(`model.precision "${p}": the kernel model knows ${PRECISIONS.join(', ')}`);
      if (device.peakTFLOPS[p as Precision] === undefined) {
        throw new ServingError(`--device: ${device.name} has no ${p} peak; it has: ${Object.keys(device.peakTFLOPS).join(', ')}`);
      }
      return p as Precision;
    };
    this.precision = known(shapes.model.precision);
    this.actPrecision = known(shapes.model.activationPrecision ?? shapes.model.precision);
    const at = (p: Precision) => new KernelModel({ device, precision: p, computeEfficiency: device.computeEfficiency, memoryEfficiency: device.memoryEfficiency });
    this.model = at(this.precision);
    this.actModel = this.actPrecision === this.precision ? this.model : at(this.actPrecision);
  }

  /** Whether a kernel runs at the activations' precision (everything but the blocks' GEMMs and attention). */
  private static onActivations(k: KernelDesc): boolean {
    return k.type !== 'matmul' && k.type !== 'attention';
  }

  /** One kernel's ns as `orrery kernel` reports it: rounded to whole ns, at least 1. */
  kernelNs(k: KernelDesc, activations = KernelStepTime.onActivations(k)): number {
    const [model, p] = activations ? [this.actModel, this.actPrecision] : [this.model, this.precision];
    return Math.max(1, Math.round(model.kernel(k, p).timeNs));
  }

  private sum(ks: readonly KernelDesc[]): number {
    let t = 0;
    for (const k of ks) t += this.kernelNs(k);
    return t;
  }

  /** All layers' m-dependent kernels and TP all-reduces, the embedding and the final norm (memoized by m). */
  linearNs(m: number): number {
    let t = this.layerMemo.get(m);
    if (t !== undefined) return t;
    const s = this.shapes;
    let layer = this.sum(layerKernels(s, m));
    if (s.tp > 1) layer += 2 * this.comm.allReduceNs(m * s.h * s.wa);
    const [embedding, finalNorm] = stepKernels(s, m);
    t = s.model.layers * layer + (this.stage.first ? this.kernelNs(embedding!) : 0) + (this.stage.last ? this.kernelNs(finalNorm!) : 0);
    this.layerMemo.set(m, t);
    return t;
  }

  /** LM head for s sequences (memoized), at the activations' precision (quantized deployments leave it bf16). */
  headNs(samples: number): number {
    if (samples === 0 || !this.stage.last) return 0;
    let t = this.headMemo.get(samples);
    if (t === undefined) {
      t = this.kernelNs(headKernel(this.shapes, samples), true);
      this.headMemo.set(samples, t);
    }
    return t;
  }

  stepNs(b: BatchShape): number {
    let m = b.decodeKv.length;
    for (const q of b.prefillTokens) m += q;
    if (m === 0) return 0;
    const attn = this.shapes.model.layers * this.sum(attentionKernels(this.shapes, b));
    return Math.round(this.linearNs(m) + attn + this.headNs(b.samples));
  }
}

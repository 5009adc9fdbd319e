/**
 * The transformer's shapes per tensor-parallel rank and the coarse cost model the `coarse` generator uses.
 *
 * Cost model (per TP rank; tokens m = microbatch·seq; h hidden, f FFN, a heads, g KV heads, d = h/a, V vocab,
 * T = TP, w = bytes per element of the model's precision):
 * - a matmul [m×k]·[k×n] costs 2·m·k·n FLOPs and moves w·(m·k + k·n + m·n) bytes (read both inputs, write the
 *   output once): the roofline's compute and memory terms;
 * - attention: QKV projection [m×h]·[h×(h + 2·g'·d)/…] (g' = g/T KV heads per rank, or 1 when T > g and KV heads
 *   are replicated), core 4·b·s_q·s_kv·h/T FLOPs (QKᵀ and AV, 2·s_q·s_kv·d each per head; for training s_q = s_kv
 *   = s: the standard 4·b·s²·h per layer), flash-style bytes w·(2·b·s_q·h/T + 2·b·s_kv·g'·d) (read Q, write O,
 *   read K and V: in decode the KV-cache read, which dominates), output projection [m×h/T]·[h/T×h];
 * - MLP: GELU two matrices h×f/T and f/T×h; SwiGLU three (gate and up fused as h×2f/T, down f/T×h); a
 *   mixture-of-experts layer adds a router [m×h]·[h×E] and runs each token through topK experts (balanced
 *   routing: every rank computes m·topK token-expert pairs and reads its E/EP experts' weights);
 * - so the forward matmul FLOPs are 2·(parameters)·(tokens) plus attention's 4·b·s²·h per layer;
 * - backward = 2 × forward, FLOPs and bytes (input gradient + weight gradient);
 * - parameters count the matrices only (biases and norms are < 0.1 % and ignored); the LM head is not tied to the
 *   embedding.
 * Compute ops carry FLOPs, bytes and precision, no duration: the replay's roofline turns them into time.
 */
import { BYTES_PER_ELEMENT, type WorkloadSpec } from './spec.ts';

export interface Cost {
  flops: number;
  bytes: number;
}

export const ZERO: Cost = { flops: 0, bytes: 0 };
export const sum = (...cs: Cost[]): Cost => cs.reduce((a, c) => ({ flops: a.flops + c.flops, bytes: a.bytes + c.bytes }), ZERO);
export const scale = (c: Cost, k: number): Cost => ({ flops: c.flops * k, bytes: c.bytes * k });

/** The model's shapes per TP rank, and the costs and parameter counts derived from them. */
export class Shapes {
  readonly w: number;
  readonly h: number;
  readonly hq: number; // query/output width per rank
  readonly kvd: number; // K (or V) width per rank
  readonly fr: number; // FFN width per rank
  readonly mats: number; // FFN matrices (2 GELU, 3 SwiGLU)
  readonly experts: number;
  readonly localExperts: number;

  constructor(readonly spec: WorkloadSpec, readonly T: number, ep: number) {
    const m = spec.model;
    this.w = BYTES_PER_ELEMENT[m.precision];
    this.h = m.hidden;
    const d = m.hidden / m.heads;
    this.hq = m.hidden / T;
    this.kvd = (m.kvHeads >= T ? m.kvHeads / T : 1) * d;
    this.fr = m.ffn / T;
    this.mats = m.mlp === 'swiglu' ? 3 : 2;
    this.experts = m.moe?.experts ?? 1;
    this.localExperts = this.experts / ep;
  }

  mm(m: number, k: number, n: number, weightCopies = 1): Cost {
    return { flops: 2 * m * k * n, bytes: this.w * (m * k + k * n * weightCopies + m * n) };
  }

  /** Attention block: b sequences, s_q query tokens each, attending over s_kv keys; kvWrite: new K/V cached. */
  /** Attention's core (Q·Kᵀ, softmax, P·V) alone: what selective recompute repeats. */
  attentionCore(b: number, sq: number, skv: number): Cost {
    const { hq, kvd, w } = this;
    return { flops: 4 * b * sq * skv * hq, bytes: w * (2 * b * sq * hq + 2 * b * skv * kvd) };
  }

  attention(b: number, sq: number, skv: number, kvWrite = false): Cost {
    const { h, hq, kvd, w } = this;
    const m = b * sq;
    const core = this.attentionCore(b, sq, skv);
    const cache: Cost = kvWrite ? { flops: 0, bytes: w * 2 * b * sq * kvd } : ZERO;
    return sum(this.mm(m, h, hq + 2 * kvd), core, this.mm(m, hq, h), cache);
  }

  /** Dense FFN over m tokens; `copies` weight sets read (experts touched). */
  ffn(m: number, copies = 1): Cost {
    const { h, fr } = this;
    const up = this.mats === 3 ? this.mm(m, h, 2 * fr, copies) : this.mm(m, h, fr, copies);
    return sum(up, this.mm(m, fr, h, copies));
  }

  router(m: number): Cost {
    return this.mm(m, this.h, this.experts);
  }

  /** Experts of a MoE layer for m local tokens (balanced routing). */
  expertsCost(m: number): Cost {
    const topK = this.spec.model.moe!.topK;
    const touched = Math.min(this.localExperts, m * topK);
    return this.ffn(m * topK, touched);
  }

  /** Parameters per TP rank. */
  get attnParams(): number {
    return this.h * (this.hq + 2 * this.kvd) + this.hq * this.h;
  }

  get ffnParams(): number {
    return this.mats * this.h * this.fr;
  }

  get routerParams(): number {
    return this.spec.model.moe ? this.h * this.experts : 0;
  }

  /** Dense (non-expert) parameters of one layer per TP rank. */
  get layerDense(): number {
    return this.attnParams + (this.spec.model.moe ? this.routerParams : this.ffnParams);
  }

  /** Expert parameters of one layer per TP rank (its local experts). */
  get layerExperts(): number {
    return this.spec.model.moe ? this.localExperts * this.ffnParams : 0;
  }

  get embedParams(): number {
    return (this.spec.model.vocab * this.h) / this.T;
  }
}

/** Total parameters of the model (matrices; untied LM head). */
export function modelParams(spec: WorkloadSpec): number {
  const s = new Shapes(spec, 1, 1);
  const perLayer = s.attnParams + (spec.model.moe ? s.routerParams + s.experts * s.ffnParams : s.ffnParams);
  return spec.model.layers * perLayer + 2 * spec.model.vocab * spec.model.hidden;
}

/**
 * Megatron-LM's kernel list for one transformer layer on one tensor-parallel rank, as kernel descriptors
 * (compute/kernels.ts), for the `kernels: megatron` training generator. t = b·s tokens of the microbatch, h hidden,
 * hq = h/T query width, kvd the K (or V) width per rank, f' the FFN width per rank (2f' for SwiGLU's fused gate and
 * up projection), T the TP degree; with sequence parallelism the norms and bias-dropout-adds run on t/T tokens.
 *
 * Forward (10 kernels): input layernorm (t·h); QKV GEMM t x h x (hq + 2·kvd); attention core (flash or unfused,
 * causal, heads a/T, K/V heads per rank); output projection t x hq x h; bias-dropout-add (one fused kernel, counted as
 * the residual `add`, t·h); post-attention layernorm; MLP up t x h x f' (SwiGLU 2f'); activation (gelu of t·f', or
 * silu-mul); MLP down t x f' x h; bias-dropout-add.
 * Backward (14 kernels): each kernel's gradient in reverse order; each GEMM Y = X·W becomes two, the input gradient
 * dX = dY·Wᵀ (t x n x k) and the weight gradient dW = Xᵀ·dY (k x t x n); attention's backward is one kernel.
 * Selective recompute adds the attention core's forward before the backward (Korthikanti et al. 2022); full
 * recompute replays the whole forward.
 */
import type { KernelDesc, MatmulKernel } from '../../compute/index.ts';

export interface LayerShape {
  /** Microbatch sequences and sequence length. */
  b: number;
  s: number;
  h: number;
  /** Query heads and K/V heads on this rank. */
  heads: number;
  kvHeads: number;
  headDim: number;
  /** FFN width per rank. */
  ffn: number;
  swiglu: boolean;
  /** Tokens the norms and residual kernels see (t, or t/T with sequence parallelism). */
  normTokens: number;
  flash: boolean;
}

export interface KernelStep {
  /** Suffix of the op name (`ln1`, `qkv`, …). */
  name: string;
  kernel: KernelDesc;
}

const mm = (m: number, k: number, n: number): MatmulKernel => ({ type: 'matmul', m, n, k });

/** The attention core of a layer (forward or backward). */
export function attentionCore(x: LayerShape, backward: boolean): KernelDesc {
  return {
    type: 'attention', batch: x.b, heads: x.heads, ...(x.kvHeads !== x.heads ? { kvHeads: x.kvHeads } : {}), seqQ: x.s, seqKv: x.s,
    headDim: x.headDim, causal: true, flash: x.flash, ...(backward ? { backward: true } : {}),
  };
}

/** Attention half of the forward: before the TP reduction (`pre`) and after it (`post`). */
export function attentionForward(x: LayerShape): { pre: KernelStep[]; mid: KernelStep[]; post: KernelStep[] } {
  const t = x.b * x.s, qkv = (x.heads + 2 * x.kvHeads) * x.headDim, hq = x.heads * x.headDim;
  return {
    pre: [{ name: 'ln1', kernel: { type: 'layernorm', elements: x.normTokens * x.h } }],
    mid: [
      { name: 'qkv', kernel: mm(t, x.h, qkv) },
      { name: 'core', kernel: attentionCore(x, false) },
      { name: 'proj', kernel: mm(t, hq, x.h) },
    ],
    post: [{ name: 'bda1', kernel: { type: 'add', elements: x.normTokens * x.h } }],
  };
}

export function mlpForward(x: LayerShape): { pre: KernelStep[]; mid: KernelStep[]; post: KernelStep[] } {
  const t = x.b * x.s, up = (x.swiglu ? 2 : 1) * x.ffn;
  return {
    pre: [{ name: 'ln2', kernel: { type: 'layernorm', elements: x.normTokens * x.h } }],
    mid: [
      { name: 'fc1', kernel: mm(t, x.h, up) },
      { name: 'act', kernel: x.swiglu ? { type: 'silu-mul', elements: t * x.ffn } : { type: 'gelu', elements: t * x.ffn } },
      { name: 'fc2', kernel: mm(t, x.ffn, x.h) },
    ],
    post: [{ name: 'bda2', kernel: { type: 'add', elements: x.normTokens * x.h } }],
  };
}

/** dX and dW of Y[t x n] = X[t x k]·W[k x n]. */
function gemmBackward(name: string, k: MatmulKernel): KernelStep[] {
  return [{ name: `${name}.dgrad`, kernel: mm(k.m, k.n, k.k) }, { name: `${name}.wgrad`, kernel: mm(k.k, k.m, k.n) }];
}

/** The backward of a forward part, in reverse order. */
export function backwardOf(steps: readonly KernelStep[]): KernelStep[] {
  const out: KernelStep[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    const k = s.kernel;
    if (k.type === 'matmul') out.push(...gemmBackward(s.name, k));
    else out.push({ name: `${s.name}.bwd`, kernel: { ...k, backward: true } as KernelDesc });
  }
  return out;
}

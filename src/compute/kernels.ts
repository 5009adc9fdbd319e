/**
 * Kernel descriptors: what a compute op is, in enough detail for a shape-aware model (trace format version 2,
 * field `kernel` of a compute op). Shapes are per rank (after tensor parallelism), counts are elements.
 *
 * - `matmul` {m, n, k, batch?}: batch x ([m x k] . [k x n]); 2·batch·m·n·k FLOPs, and w·batch·(m·k + k·n + m·n)
 *   bytes (read both operands, write the output once; w = bytes per element of the precision).
 * - `attention` {batch, heads, kvHeads?, seqQ, seqKv, headDim, causal?, flash, backward?}: softmax(Q·Kᵀ/√d)·V over
 *   `heads` query heads (`kvHeads` K/V heads, default `heads`). Forward FLOPs 4·batch·heads·seqQ·seqKv·headDim
 *   (Q·Kᵀ and P·V), halved when `causal` (the masked half is skipped by flash kernels and counted as useless work
 *   otherwise: we count it for unfused attention, which computes it); backward 2.5x forward when flash (it
 *   recomputes Q·Kᵀ: five matmuls against two) and 2x unfused. Bytes: see `attentionBytes`.
 * - memory-bound kinds {elements}: bytes per element and nominal FLOPs per element in MEMORY_KINDS; `elements`
 *   counts the output (for `silu-mul` the product, for `embedding` tokens x hidden, for `cross-entropy` the logits,
 *   for `adam` the parameters).
 * Every kind takes `backward: true` for its gradient kernel (other byte counts, below).
 */
import { ComputeError, ELEMENT_BYTES, type Precision } from './precision.ts';

export interface MatmulKernel {
  type: 'matmul';
  m: number;
  n: number;
  k: number;
  batch?: number;
}

export interface AttentionKernel {
  type: 'attention';
  batch: number;
  heads: number;
  kvHeads?: number;
  seqQ: number;
  seqKv: number;
  headDim: number;
  causal?: boolean;
  /** FlashAttention (fused, IO-aware) or the unfused Q·Kᵀ, scale/mask/softmax, dropout, P·V sequence. */
  flash: boolean;
  backward?: boolean;
}

export type MemoryKind = 'layernorm' | 'rmsnorm' | 'gelu' | 'silu-mul' | 'softmax' | 'dropout' | 'add' | 'rope' | 'embedding' | 'cross-entropy' | 'adam';

export interface MemoryKernel {
  type: MemoryKind;
  elements: number;
  backward?: boolean;
}

export type KernelDesc = MatmulKernel | AttentionKernel | MemoryKernel;

/**
 * Per element of output: bytes read and written in units of w (the precision's element size) plus fixed bytes,
 * forward and backward; and nominal FLOPs (reported, never used for time: these kernels are memory-bound).
 * - layernorm/rmsnorm: forward reads x, writes y (2w); backward reads x and dy, writes dx (3w; the weight
 *   gradients are a reduction of size hidden, negligible).
 * - gelu, softmax, rope: forward 2w; backward reads the input (or output) and dy, writes dx (3w; rope 2w).
 * - silu-mul (SwiGLU's silu(a)·b): forward reads a and b, writes the product (3w); backward reads a, b, dy and
 *   writes da, db (5w).
 * - dropout: forward reads x, writes y and a 1-byte mask (2w + 1); backward reads dy and the mask, writes dx.
 * - add (residual): reads two, writes one (3w), both directions.
 * - embedding: forward gathers rows (read w, write w per output element); backward scatter-adds them (2w).
 * - cross-entropy over the logits: forward reads the logits and writes the softmax kept for backward (2w);
 *   backward reads it and writes the logits' gradient (2w).
 * - adam (mixed precision, per parameter): reads fp32 master weight, fp32 gradient, m and v (16 B), writes the
 *   master weight, m and v (12 B) and the model's copy of the weight (w): 28 + w bytes, the same in both fields.
 */
export const MEMORY_KINDS: Record<MemoryKind, { fwd: [number, number]; bwd: [number, number]; flops: number }> = {
  layernorm: { fwd: [2, 0], bwd: [3, 0], flops: 8 },
  rmsnorm: { fwd: [2, 0], bwd: [3, 0], flops: 5 },
  gelu: { fwd: [2, 0], bwd: [3, 0], flops: 8 },
  'silu-mul': { fwd: [3, 0], bwd: [5, 0], flops: 5 },
  softmax: { fwd: [2, 0], bwd: [3, 0], flops: 5 },
  dropout: { fwd: [2, 1], bwd: [2, 1], flops: 2 },
  add: { fwd: [3, 0], bwd: [3, 0], flops: 1 },
  rope: { fwd: [2, 0], bwd: [2, 0], flops: 3 },
  embedding: { fwd: [2, 0], bwd: [2, 0], flops: 0 },
  'cross-entropy': { fwd: [2, 0], bwd: [2, 0], flops: 5 },
  adam: { fwd: [0, 28], bwd: [0, 28], flops: 12 },
};

export const KERNEL_TYPES: readonly KernelDesc['type'][] = ['matmul', 'attention', ...(Object.keys(MEMORY_KINDS) as MemoryKind[])];

export function isMemoryKind(t: string): t is MemoryKind {
  return Object.hasOwn(MEMORY_KINDS, t);
}

/** Model-independent FLOPs of a kernel (attention: the useful FLOPs, see the header). */
export function kernelFlops(k: KernelDesc): number {
  switch (k.type) {
    case 'matmul':
      return 2 * (k.batch ?? 1) * k.m * k.n * k.k;
    case 'attention': {
      const f = 4 * k.batch * k.heads * k.seqQ * k.seqKv * k.headDim * (k.causal ? 0.5 : 1);
      return k.backward ? f * (k.flash ? 2.5 : 2) : f;
    }
    default: {
      const mk = MEMORY_KINDS[k.type];
      return mk.flops * k.elements * (k.backward ? 2 : 1);
    }
  }
}

/** Bytes a memory-bound kernel moves. */
export function memoryKernelBytes(k: MemoryKernel, p: Precision): number {
  const [perW, fixed] = k.backward ? MEMORY_KINDS[k.type].bwd : MEMORY_KINDS[k.type].fwd;
  const w = ELEMENT_BYTES[p];
  return k.elements * (perW * w + fixed + (k.type === 'adam' ? w : 0));
}

export function matmulBytes(k: MatmulKernel, p: Precision): number {
  return ELEMENT_BYTES[p] * (k.batch ?? 1) * (k.m * k.k + k.k * k.n + k.m * k.n);
}

/**
 * HBM bytes of attention.
 * - flash (Dao et al. 2022, FlashAttention, Theorem 2: Θ(N²d²/M) accesses for SRAM of M elements): Q is read and O
 *   written once; K and V are streamed once per block of Br query rows, Br = min(⌈M/(4d)⌉, d) with M the SRAM per
 *   SM in elements. Those re-reads reach HBM only when the K/V of the heads in flight do not fit in L2: with
 *   ⌈seqQ/Br⌉ blocks per head and one block per SM, about S/⌈seqQ/Br⌉ heads run at once (at least one), and if
 *   that many heads' K and V (2·seqKv·d·w each) fit in L2 they are read from HBM once per head. Per batch·head:
 *   w·(2·seqQ·d + 2·seqKv·d·passes), passes = 1 or ⌈seqQ/Br⌉ (halved when causal). Backward reads Q, K, V, O, dO
 *   and writes dQ, dK, dV, and streams K and V the same way: 2x the forward's bytes plus the three gradients.
 * - unfused: the s² matrices go through HBM: Q·Kᵀ writes S; scale/mask/softmax reads S and writes P; dropout reads
 *   P, writes P' and a 1-byte mask; P'·V reads P': 6w + 1 bytes per score, plus Q, K, V read and O written.
 *   Backward moves about twice that (each step's gradient reads its saved input and the incoming gradient).
 */
export function attentionBytes(k: AttentionKernel, p: Precision, dev: { sramPerSmKB: number; l2MB: number; sms: number }): number {
  const w = ELEMENT_BYTES[p];
  const bh = k.batch * k.heads, d = k.headDim;
  const qo = 2 * k.seqQ * d * w;
  let perHead: number;
  if (k.flash) {
    const M = (dev.sramPerSmKB * 1024) / w;
    const br = Math.max(1, Math.min(Math.ceil(M / (4 * d)), d));
    const blocks = Math.ceil(k.seqQ / br);
    const headsInFlight = Math.max(1, Math.min(bh, Math.floor(dev.sms / blocks)));
    const kvHead = 2 * k.seqKv * d * w;
    const passes = headsInFlight * kvHead <= dev.l2MB * 2 ** 20 ? 1 : Math.max(1, blocks * (k.causal ? 0.5 : 1));
    const kv = kvHead * passes;
    perHead = k.backward ? 2 * (qo + kv) + (k.seqQ + 2 * k.seqKv) * d * w : qo + kv;
  } else {
    const scores = k.seqQ * k.seqKv * (6 * w + 1);
    const io = qo + 2 * k.seqKv * d * w;
    perHead = k.backward ? 2 * (scores + io) : scores + io;
  }
  return bh * perHead;
}

function posInt(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 1;
}

/**
 * Checks a kernel descriptor read from a file; returns a message naming the bad field, or undefined when it is
 * valid. (Messages have no location: the caller adds file and op.)
 */
export function checkKernel(k: unknown): string | undefined {
  if (typeof k !== 'object' || k === null || Array.isArray(k)) return 'field "kernel": expected an object with "type"';
  const o = k as Record<string, unknown>;
  const t = o.type;
  if (typeof t !== 'string' || !(KERNEL_TYPES as readonly string[]).includes(t)) {
    return `field "kernel.type": ${JSON.stringify(t)} is not a kernel type; expected one of: ${KERNEL_TYPES.join(', ')}`;
  }
  const allowed: Record<string, string[]> = {
    matmul: ['type', 'm', 'n', 'k', 'batch'],
    attention: ['type', 'batch', 'heads', 'kvHeads', 'seqQ', 'seqKv', 'headDim', 'causal', 'flash', 'backward'],
  };
  const keys = allowed[t] ?? ['type', 'elements', 'backward'];
  for (const f of Object.keys(o)) {
    if (!keys.includes(f) && o[f] !== undefined) return `field "kernel.${f}" does not belong to a ${t} kernel; expected: ${keys.join(', ')}`;
  }
  const need = (f: string, optional = false): string | undefined => {
    if (o[f] === undefined) return optional ? undefined : `field "kernel.${f}" is missing (a ${t} kernel needs ${keys.filter((x) => x !== 'type').join(', ')})`;
    return posInt(o[f]) ? undefined : `field "kernel.${f}": expected a positive integer, got ${JSON.stringify(o[f])}`;
  };
  const bool = (f: string, optional: boolean): string | undefined => {
    if (o[f] === undefined) return optional ? undefined : `field "kernel.${f}" is missing (true or false)`;
    return typeof o[f] === 'boolean' ? undefined : `field "kernel.${f}": expected true or false, got ${JSON.stringify(o[f])}`;
  };
  let err: string | undefined;
  if (t === 'matmul') {
    err = need('m') ?? need('n') ?? need('k') ?? need('batch', true);
  } else if (t === 'attention') {
    err = need('batch') ?? need('heads') ?? need('kvHeads', true) ?? need('seqQ') ?? need('seqKv') ?? need('headDim') ??
      bool('flash', false) ?? bool('causal', true) ?? bool('backward', true);
    if (!err && o.kvHeads !== undefined && (o.heads as number) % (o.kvHeads as number) !== 0) {
      err = `field "kernel.kvHeads": ${String(o.kvHeads)} does not divide heads ${String(o.heads)}`;
    }
  } else {
    err = need('elements') ?? bool('backward', true);
  }
  return err;
}

/** `checkKernel` that throws a ComputeError. */
export function assertKernel(k: unknown, where: string): asserts k is KernelDesc {
  const e = checkKernel(k);
  if (e) throw new ComputeError(`${where}: ${e}`);
}

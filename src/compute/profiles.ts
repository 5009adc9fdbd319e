/**
 * Measured kernel times as samples for fitting and validating the compute models. Vidur's profiles
 * (microsoft/vidur, `data/profiling/compute/<device>/<org>/<model>/mlp.csv`, MIT; a subset ships in
 * `data/profiles/vidur/`) time each operation of one Llama/Phi transformer layer per TP rank, fp16, for a number
 * of tokens m and a TP degree T. With h = n_embd, a = n_head, g = n_kv_head, d = h/a, f = n_expanded_embd:
 *
 * | Vidur column | kernel |
 * |---|---|
 * | attn_pre_proj | matmul m x h x (a + 2g)·d/T (QKV) |
 * | attn_post_proj | matmul m x (a·d/T) x h (output projection) |
 * | mlp_up_proj | matmul m x h x 2f/T (gated: gate and up fused) or f/T |
 * | mlp_down_proj | matmul m x (f/T) x h |
 * | input_layernorm, post_attention_layernorm | rmsnorm (Llama) or layernorm (Phi-2) of m·h elements |
 * | attn_rope | rope of m·(a + g)·d/T elements (Q and K) |
 * | mlp_act | silu-mul of m·f/T (gated) or gelu of m·f/T |
 * | add | add of m·h elements (residual); Phi-2: attn + mlp + residual, two adds, 2·m·h |
 * | emb | embedding of m·h elements (each TP rank looks up every token, masking other ranks' rows) |
 *
 * Times are medians in ms; samples carry ns.
 */
import type { KernelDesc } from './kernels.ts';
import { ComputeError, type Precision } from './precision.ts';

export interface KernelSample {
  /** Device alias (`a100`, `h100`, `a40`). */
  device: string;
  /** The model the profile was taken on (the leave-one-out unit), e.g. `Llama-2-7b-hf`. */
  model: string;
  /** The profile's operation name (`mlp_up_proj`, …). */
  op: string;
  tp: number;
  tokens: number;
  kernel: KernelDesc;
  precision: Precision;
  measuredNs: number;
  source: string;
}

/** One row of a Vidur mlp.csv as strings (column → value). */
export type VidurRow = Record<string, string>;

function int(r: VidurRow, k: string, where: string): number {
  const v = Number(r[k]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new ComputeError(`${where}: column "${k}": expected a positive integer, got ${JSON.stringify(r[k])}`);
  return v;
}

/** The kernel of each operation in a Vidur row, or undefined for an operation it does not time. */
export function vidurKernels(r: VidurRow, where: string): Record<string, KernelDesc> {
  const m = int(r, 'num_tokens', where), T = int(r, 'num_tensor_parallel_workers', where);
  const h = int(r, 'n_embd', where), a = int(r, 'n_head', where), g = int(r, 'n_kv_head', where), f = int(r, 'n_expanded_embd', where);
  const d = h / a;
  const gated = /^true$/i.test(r.use_gated_mlp ?? '');
  const norm = gated ? 'rmsnorm' : 'layernorm'; // the profiled models: Llama (gated, RMSNorm), Phi-2 (GELU, LayerNorm)
  return {
    attn_pre_proj: { type: 'matmul', m, k: h, n: ((a + 2 * g) * d) / T },
    attn_post_proj: { type: 'matmul', m, k: (a * d) / T, n: h },
    mlp_up_proj: { type: 'matmul', m, k: h, n: ((gated ? 2 : 1) * f) / T },
    mlp_down_proj: { type: 'matmul', m, k: f / T, n: h },
    input_layernorm: { type: norm, elements: m * h },
    post_attention_layernorm: { type: norm, elements: m * h },
    attn_rope: { type: 'rope', elements: (m * (a + g) * d) / T },
    mlp_act: gated ? { type: 'silu-mul', elements: (m * f) / T } : { type: 'gelu', elements: (m * f) / T },
    // Phi-2 (parallel attention and MLP) adds three tensors, attn + mlp + residual: two add kernels of m·h each
    add: { type: 'add', elements: (gated ? 1 : 2) * m * h },
    emb: { type: 'embedding', elements: m * h },
  };
}

/** Samples from the rows of one profile file (blank or absent times are skipped). */
export function vidurSamples(rows: VidurRow[], device: string, model: string, source: string): KernelSample[] {
  const out: KernelSample[] = [];
  rows.forEach((r, i) => {
    const where = `${source}: row ${i + 2}`;
    const ks = vidurKernels(r, where);
    for (const [op, kernel] of Object.entries(ks)) {
      const v = r[op];
      if (v === undefined || v === '') continue;
      const ms = Number(v);
      if (!(ms > 0)) throw new ComputeError(`${where}: column "${op}": expected a time in ms > 0, got ${JSON.stringify(v)}`);
      out.push({ device, model, op, tp: int(r, 'num_tensor_parallel_workers', where), tokens: int(r, 'num_tokens', where), kernel, precision: 'fp16', measuredNs: ms * 1e6, source });
    }
  });
  return out;
}

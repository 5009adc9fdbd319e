// The generator's `kernels: megatron` mode (src/workload/generators/megatron.ts): Megatron-LM's kernel list per layer
// with descriptors, selective recompute, the pipeline scatter/gather, and the coarse default left as it was.
import { describe, expect, it } from 'vitest';
import { generateWorkload } from '../src/api/index.ts';
import type { ComputeOp, Op, Trace } from '../src/workload/trace.ts';

/** A small GPT: 4 layers, h 1024, 16 heads, FFN 4096, vocab 1000, seq 256; TP 2 × PP 2, 2 microbatches. */
const spec = (training: Record<string, unknown> = {}, parallel: Record<string, unknown> = {}) => ({
  format: 'orrery-workload', version: 1, name: 'tiny',
  model: { layers: 4, hidden: 1024, heads: 16, ffn: 4096, mlp: 'gelu', vocab: 1000, seq: 256, precision: 'bf16' },
  training: { microBatch: 1, globalBatch: 2, kernels: 'megatron', ...training, parallel: { tp: 2, pp: 2, dp: 1, ...parallel } },
});

const ops = (t: Trace, stage: number): Op[] => t.programs[stage]!.ops;
const computeNamed = (list: Op[], re: RegExp): ComputeOp[] => list.filter((o): o is ComputeOp => o.kind === 'compute' && re.test(o.name ?? ''));

describe('kernels: megatron', () => {
  const t = generateWorkload(spec(), { mode: 'train' });

  it('emits 10 forward and 14 backward kernels per layer and microbatch, each with a descriptor', () => {
    const stage0 = ops(t, 0);
    // stage 0 holds layers 0 and 1; microbatch 0, layer 0
    expect(computeNamed(stage0, /^mb0\.L0\./).length).toBe(10 + 14);
    expect(computeNamed(stage0, /^mb0\.L0\./).every((o) => o.kernel !== undefined && o.flops === undefined)).toBe(true);
    expect(t.version).toBe(2);
  });

  it('GEMM shapes per TP rank: QKV t x h x 3h/T, MLP up t x h x f/T, and their weight gradients', () => {
    const stage0 = ops(t, 0);
    const k = (name: string) => computeNamed(stage0, new RegExp(`^mb0\\.L0\\.${name.replace('.', '\\.')}$`))[0]!.kernel;
    expect(k('qkv')).toEqual({ type: 'matmul', m: 256, k: 1024, n: 3 * 1024 / 2 });
    expect(k('fc1')).toEqual({ type: 'matmul', m: 256, k: 1024, n: 4096 / 2 });
    expect(k('fc1.wgrad')).toEqual({ type: 'matmul', m: 1024, k: 256, n: 2048 }); // dW = Xᵀ·dY: h x t x f/T
    expect(k('fc1.dgrad')).toEqual({ type: 'matmul', m: 256, k: 2048, n: 1024 }); // dX = dY·Wᵀ: t x f/T x h
    expect(k('core')).toEqual({ type: 'attention', batch: 1, heads: 8, seqQ: 256, seqKv: 256, headDim: 64, causal: true, flash: true });
    expect(k('ln1')).toEqual({ type: 'layernorm', elements: 256 * 1024 });
  });

  it('LM head over the vocabulary padded to a multiple of 128·TP, then cross-entropy', () => {
    const last = ops(t, 1);
    // V = 1000, T = 2: ⌈1000 / 256⌉ · 128 = 512 logits per rank
    expect(computeNamed(last, /^mb0\.head$/)[0]!.kernel).toEqual({ type: 'matmul', m: 256, k: 1024, n: 512 });
    expect(computeNamed(last, /^mb0\.xent$/)[0]!.kernel).toEqual({ type: 'cross-entropy', elements: 256 * 512 });
  });

  it('pipeline scatter/gather: each TP rank sends 1/T of the activation and all-gathers it on arrival', () => {
    const stage1 = ops(t, 1);
    const recv = stage1.find((o) => o.kind === 'recv' && o.name === 'mb0.vs1.act.recv')!;
    expect(recv.kind === 'recv' && recv.bytes).toBe((256 * 1024 * 2) / 2); // b·s·h·w / T
    const gather = stage1.find((o) => o.name === 'mb0.vs1.act.gather.allgather')!;
    expect(gather).toMatchObject({ kind: 'coll', op: 'allgather', group: 'tp', bytes: (256 * 1024 * 2) / 2 });
  });

  it('selective recompute adds the attention core forward before each layer\'s backward; full adds the 10 forward', () => {
    const sel = generateWorkload(spec({}, { recompute: 'selective' }), { mode: 'train' });
    expect(computeNamed(ops(sel, 0), /^mb0\.L0\./).length).toBe(24 + 1);
    expect(computeNamed(ops(sel, 0), /^mb0\.L0\.core\.recompute$/)[0]!.kernel).toMatchObject({ type: 'attention', flash: true });
    const full = generateWorkload(spec({}, { recompute: 'full' }), { mode: 'train' });
    expect(computeNamed(ops(full, 0), /^mb0\.L0\./).length).toBe(24 + 10);
  });

  it('the coarse default is unchanged: one op per attention block and per MLP, with FLOPs and bytes', () => {
    const c = generateWorkload(spec({ kernels: 'coarse' }), { mode: 'train' });
    const layer = computeNamed(ops(c, 0), /^mb0\.L0\./);
    expect(layer.map((o) => o.name)).toEqual(['mb0.L0.attn', 'mb0.L0.mlp', 'mb0.L0.mlp.bwd', 'mb0.L0.attn.bwd']);
    expect(layer.every((o) => o.kernel === undefined && o.flops! > 0)).toBe(true);
  });
});

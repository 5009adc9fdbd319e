// The `training` validation suite (src/api/validate/training.ts), its folding of symmetric ranks
// (training-replica.ts), and what the generator emits for it: tied embeddings, FP8 GEMMs, gradient clipping.
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWorkload } from '../src/api/workloads.ts';
import { runTrace } from '../src/api/run.ts';
import { resolveTopology } from '../src/api/topology.ts';
import { foldReplicas } from '../src/api/validate/training-replica.ts';
import { megatronStepFlops, readTrainingCases, runTrainingCase } from '../src/api/validate/training.ts';
import { InputError } from '../src/io/index.ts';
import type { CollOp, ComputeOp, Op, Trace } from '../src/workload/trace.ts';

/** A small GPT (8 layers, h 1024, 16 heads, seq 1024, fp16), Megatron kernels, full recompute. */
function smallPlan(p: { tp: number; pp: number; dp: number; v?: number; zero?: number; gbs: number; mbs: number; tied: boolean; sp?: boolean; fp8?: boolean }) {
  return {
    'model.layers': 8, 'model.hidden': 1024, 'model.heads': 16, 'model.ffn': 4096, 'model.vocab': 51200, 'model.seq': 1024,
    'model.precision': p.fp8 ? 'bf16' : 'fp16', 'model.tiedEmbeddings': p.tied, 'training.kernels': 'megatron', 'training.flashAttention': false,
    'training.microBatch': p.mbs, 'training.globalBatch': p.gbs, 'training.parallel.tp': p.tp, 'training.parallel.pp': p.pp,
    'training.parallel.dp': p.dp, 'training.parallel.virtualStages': p.v ?? 1, 'training.parallel.zero': p.zero ?? 0,
    'training.parallel.recompute': 'full', 'training.parallel.bucketMB': 8, 'training.parallel.sp': p.sp ?? false,
    ...(p.fp8 ? { 'training.gemmPrecision': 'fp8' } : {}),
  };
}

describe('folding data-parallel replicas and tensor-parallel ranks', () => {
  const plans = [
    { tp: 8, pp: 2, dp: 2, gbs: 16, mbs: 1, tied: true, cluster: 'dgx-a100' },
    // Megatron-LM 2021: blocking pipeline sends, gradients reduced after the backward
    { tp: 8, pp: 2, dp: 2, gbs: 16, mbs: 1, tied: true, cluster: 'dgx-a100', sync2021: true },
    { tp: 8, pp: 4, dp: 3, v: 2, zero: 1, gbs: 24, mbs: 2, tied: true, cluster: 'dgx-a100' },
    // TP 4 with SP: two replicas share a node; clipping's norm spans the stages (kept as a collective among them)
    { tp: 4, pp: 4, dp: 2, v: 2, zero: 1, gbs: 16, mbs: 1, tied: false, sp: true, fp8: true, cluster: 'dgx-h100' },
    { tp: 1, pp: 1, dp: 16, gbs: 32, mbs: 2, tied: false, cluster: 'dgx-a100' },
  ];
  for (const p of plans) {
    it(`gives the full run's step time to the nanosecond: TP ${p.tp} PP ${p.pp} DP ${p.dp}${p.sp ? ' SP' : ''}${p.zero ? ` ZeRO-${p.zero}` : ''}${'sync2021' in p ? ' (2021 p2p and DDP)' : ''}`, () => {
      const topo = `${p.cluster}:${Math.ceil((p.tp * p.pp * p.dp) / 8)}`;
      const set = { ...smallPlan(p), ...('sync2021' in p ? { 'training.parallel.p2pSync': true, 'training.parallel.overlapGradReduce': false } : {}) };
      const full = generateWorkload('gpt-13b', { set, topology: topo });
      const { topology } = resolveTopology({ topology: topo });
      const device = p.cluster === 'dgx-h100' ? 'h100' : 'a100';
      const step = (t: Trace) => runTrace({ topology, trace: t, device, compute: 'kernel', algorithms: ['auto'] }).stepTimeNs;
      const fullNs = step(full);
      const dpOnly = foldReplicas(full, topology);
      const both = foldReplicas(full, topology, { tp: true });
      expect(dpOnly.active).toBe(p.tp * p.pp);
      expect(both.active).toBe(p.pp);
      expect(both.replaced).toBeGreaterThan(0);
      expect(step(dpOnly.trace)).toBe(fullNs);
      expect(step(both.trace)).toBe(fullNs);
    });
  }

  it('refuses what it cannot fold, in one line', () => {
    const t = generateWorkload('gpt-13b', { set: smallPlan({ tp: 2, pp: 1, dp: 2, gbs: 4, mbs: 1, tied: false }), topology: 'ring:4' });
    const { topology } = resolveTopology({ topology: 'ring:4' });
    expect(() => foldReplicas(t, topology)).toThrow(InputError);
    expect(() => foldReplicas(t, topology)).toThrow(/not a cluster preset/);
  });
});

describe('generator: what Megatron-LM runs', () => {
  const names = (ops: Op[], re: RegExp) => ops.filter((o) => re.test(o.name ?? ''));

  it('tied embeddings over several stages: the first and last stage all-reduce vocab/T·h gradients once', () => {
    const t = generateWorkload('gpt-13b', { set: smallPlan({ tp: 2, pp: 2, dp: 1, gbs: 2, mbs: 1, tied: true }) });
    for (const stage of [0, 1]) {
      const ar = names(t.programs[stage]!.ops, /^embed\.grads\.allreduce$/) as CollOp[];
      // 51200 / 2 · 1024 parameters per TP rank, fp16 gradients (2 B)
      expect(ar).toHaveLength(1);
      expect(ar[0]).toMatchObject({ kind: 'coll', op: 'allreduce', group: 'embed', bytes: (51200 / 2) * 1024 * 2 });
    }
    // the group pairs stage 0 and stage 1 of each TP index: ranks (0, 2) and (1, 3) with rank = tp + 2·pp
    expect(t.groups.embed).toEqual([[0, 2], [1, 3]]);
  });

  it('tied embeddings on one stage: one matrix, so the data-parallel reduction carries it once', () => {
    const bytes = (tied: boolean) => {
      const t = generateWorkload('gpt-13b', { set: smallPlan({ tp: 1, pp: 1, dp: 2, gbs: 2, mbs: 1, tied }) });
      return (t.programs[0]!.ops.filter((o) => o.kind === 'coll' && o.group === 'dp') as CollOp[]).reduce((a, o) => a + o.bytes, 0);
    };
    // untied minus tied = the LM head's V·h fp16 gradients: 51200 · 1024 · 2 B
    expect(bytes(false) - bytes(true)).toBe(51200 * 1024 * 2);
  });

  it('FP8 GEMMs quantize their activation operand first: (2w + 2) bytes per element of m x k, none before wgrad', () => {
    const t = generateWorkload('gpt-13b', { set: smallPlan({ tp: 2, pp: 1, dp: 1, gbs: 1, mbs: 1, tied: false, fp8: true }) });
    const ops = t.programs[0]!.ops;
    const qkv = names(ops, /^mb0\.L0\.qkv$/)[0] as ComputeOp;
    expect(qkv.precision).toBe('fp8');
    const cast = names(ops, /^mb0\.L0\.qkv\.fp8cast$/)[0] as ComputeOp;
    // input t x h = 1024 x 1024 bf16 (w = 2): amax read 2 B, cast read 2 B, fp8 copy and its transpose 2 × 1 B
    expect(cast).toMatchObject({ bytes: 1024 * 1024 * 6, precision: 'bf16' });
    expect(names(ops, /^mb0\.L0\.qkv\.wgrad\.fp8cast$/)).toHaveLength(0);
    expect(names(ops, /^mb0\.L0\.qkv\.dgrad\.fp8cast$/)).toHaveLength(1);
    // the attention core, the norms and the LM head stay in bf16
    expect((names(ops, /^mb0\.L0\.core$/)[0] as ComputeOp).precision).toBe('bf16');
    expect((names(ops, /^mb0\.head$/)[0] as ComputeOp).precision).toBe('bf16');
  });

  it('gradient clipping before the optimizer: norm (4 B per parameter), model-parallel all-reduce of one fp32, scale (8 B)', () => {
    const t = generateWorkload('gpt-13b', { set: smallPlan({ tp: 2, pp: 2, dp: 1, gbs: 2, mbs: 1, tied: false }) });
    const ops = t.programs[0]!.ops;
    const norm = names(ops, /^clip\.norm$/)[0] as ComputeOp;
    const scale = names(ops, /^clip\.scale$/)[0] as ComputeOp;
    expect(norm.bytes! * 2).toBe(scale.bytes);
    // stage 0 of 2 holds 4 layers and the embedding: 4·(attention 4h²/T + MLP 8h²/T) + V·h/T parameters
    const params = 4 * ((4 * 1024 * 1024) / 2 + (8 * 1024 * 1024) / 2) + (51200 * 1024) / 2;
    expect(norm.bytes).toBe(4 * params);
    expect(names(ops, /^clip\.norm\.allreduce$/)[0]).toMatchObject({ kind: 'coll', op: 'allreduce', bytes: 4, group: 'mp' });
    const ids = new Map(ops.map((o, i) => [o.name, i]));
    expect(ids.get('clip.scale')!).toBeLessThan(ids.get('optimizer')!);
    const off = generateWorkload('gpt-13b', { set: { ...smallPlan({ tp: 2, pp: 2, dp: 1, gbs: 2, mbs: 1, tied: false }), 'training.clipGrad': false } });
    expect(names(off.programs[0]!.ops, /^clip\./)).toHaveLength(0);
  });
});

describe('generator: Megatron-LM of 2021 (SC\'21 runs)', () => {
  const plan = (parallel: Record<string, unknown>) => generateWorkload('gpt-13b', {
    set: { ...smallPlan({ tp: 2, pp: 2, dp: 2, gbs: 8, mbs: 1, tied: false }), ...Object.fromEntries(Object.entries(parallel).map(([k, v]) => [`training.parallel.${k}`, v])) },
  });

  it('p2pSync: the compute after a pipeline send waits for it to be delivered', () => {
    const after = (t: Trace) => {
      const ops = t.programs[0]!.ops;
      const send = ops.find((o) => o.name === 'mb0.vs0.act.send')!;
      const next = ops.slice(ops.indexOf(send) + 1).find((o) => o.kind === 'compute')!;
      return (next.deps ?? []).includes(send.id);
    };
    expect(after(plan({ p2pSync: true }))).toBe(true);
    expect(after(plan({}))).toBe(false);
  });

  it('recomputeLayers n: full recompute of the first n layers of each model chunk only', () => {
    const t = plan({ recompute: 'full', recomputeLayers: 1 });
    // PP 2 of 8 layers: 4 per stage; stage 0 recomputes layer 0 only, stage 1 layer 4 only
    const re = (stage: number) => [...new Set(t.programs[stage]!.ops.filter((o) => /^mb0\.L\d+\.recompute\./.test(o.name ?? '')).map((o) => o.name!.split('.')[1]))];
    expect(re(0)).toEqual(['L0']);
    expect(re(1)).toEqual(['L4']);
    expect(() => plan({ recompute: 'selective', recomputeLayers: 1 })).toThrow(/recomputeLayers: applies to recompute "full" only/);
  });

  it('overlapGradReduce false: every gradient bucket is reduced after the last backward, the same bytes in total', () => {
    const dp = (t: Trace) => t.programs[0]!.ops.filter((o): o is CollOp => o.kind === 'coll' && o.group === 'dp');
    const overlapped = plan({}), after = plan({ overlapGradReduce: false });
    const sum = (l: CollOp[]) => l.reduce((a, o) => a + o.bytes, 0);
    expect(sum(dp(after))).toBe(sum(dp(overlapped)));
    const ops = after.programs[0]!.ops;
    const lastCompute = ops.reduce((m, o, i) => (o.kind === 'compute' && !/^(clip|optimizer)/.test(o.name ?? '') ? i : m), -1);
    for (const c of dp(after)) expect(ops.indexOf(c)).toBeGreaterThan(lastCompute);
    // overlapped: the first bucket is issued before the stage's last backward kernel
    expect(ops.indexOf(dp(overlapped)[0]!)).toBeLessThan(lastCompute);
  });
});

describe('the training suite', () => {
  it("Narayanan et al.'s FLOPs per step: 96·B·s·l·h²(1 + s/6h + V/16lh)", () => {
    // GPT 1.7B row: B 512, s 2048, l 24, h 2304, V 51200
    const expected = 96 * 512 * 2048 * 24 * 2304 ** 2 * (1 + 2048 / (6 * 2304) + 51200 / (16 * 24 * 2304));
    expect(megatronStepFlops({ layers: 24, hidden: 2304, vocab: 51200, seq: 2048 }, 512)).toBeCloseTo(expected, -3);
  });

  it('ships its cases with sources: 10 SC\'21 Table 1 rows and two Megatron-Bridge H100 FP8 rows', () => {
    const doc = readTrainingCases();
    expect(doc.cases.filter((c) => c.source === 'sc21')).toHaveLength(10);
    expect(doc.cases.filter((c) => c.source.startsWith('nemo'))).toHaveLength(2);
    for (const c of doc.cases) expect(doc.sources[c.source]!.length).toBeGreaterThan(40);
  });

  it('predicts the small SC\'21 rows within 10 % (held out: nothing is fitted on them)', () => {
    const doc = readTrainingCases();
    for (const id of ['sc21-table1/gpt-1.7B', 'sc21-table1/gpt-18.4B']) {
      const c = doc.cases.find((x) => x.id === id)!;
      const r = runTrainingCase(c);
      expect(r.folded).toBe(true);
      // measured: Table 1 (137 and 135 TFLOP/s per GPU)
      expect(Math.abs(r.predicted - c.measured) / c.measured).toBeLessThan(0.1);
    }
  });

  it('bad case files: one line naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orrery-training-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ sources: { a: 'x' }, cases: [{ id: 'c', source: 'b', gpus: 8, measured: 1, metric: 'tokens' }] }));
    expect(() => readTrainingCases(f)).toThrow(/cases\[0\]: field "source": "b" is not in "sources" \(a\)/);
    writeFileSync(f, JSON.stringify({ sources: { a: 'x' }, cases: [{ id: 'c', source: 'a', gpus: 8, measured: 1, metric: 'mfu' }] }));
    expect(() => readTrainingCases(f)).toThrow(/field "metric": expected one of: megatron-flops, tokens/);
  });
});

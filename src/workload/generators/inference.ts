/**
 * Inference step generator: prefill and decode with tensor parallelism (and independent data-parallel replicas),
 * coarse compute ops (FLOPs and bytes; shapes.ts) and the TP all-reduces after attention and the MLP.
 */
import type { Trace } from '../trace.ts';
import { Builder } from './builder.ts';
import { checkTopology, partition, type GenerateOptions } from './layout.ts';
import { modelParams, Shapes } from './shapes.ts';
import type { InferenceSpec, WorkloadSpec } from './spec.ts';

export function inference(spec: WorkloadSpec, inf: InferenceSpec, opts: GenerateOptions): Trace {
  const model = spec.model;
  const T = inf.parallel.tp;
  const D = inf.parallel.dp;
  const ranks = T * D;
  const sh = new Shapes(spec, T, 1);
  const w = sh.w;
  const prec = model.precision;
  const b = inf.batch;
  const h = model.hidden;
  const warnings: string[] = [];
  checkTopology(ranks, T, true, opts.dims, warnings, spec.name, { value: inf.parallel.dp, path: 'inference.parallel.dp' });
  const groups: Record<string, number[][]> = {};
  if (T > 1) groups.tp = partition(ranks, (r) => [Math.floor(r / T), r % T]);
  const B = new Builder();
  const tpAr = (name: string, bytes: number): void => {
    if (T > 1) B.blocking(`${name}.allreduce`, 'allreduce', bytes, 'tp', 'tp');
  };
  /** One forward pass over all layers: sq new tokens per sequence, attending over skv (KV cache written). */
  const pass = (tag: string, sq: number, skv: number): void => {
    const m = b * sq;
    B.compute(`${tag}.embed`, { flops: 0, bytes: 2 * m * h * w }, prec);
    tpAr(`${tag}.embed.out`, m * h * w);
    for (let l = 0; l < model.layers; l++) {
      B.compute(`${tag}.L${l}.attn`, sh.attention(b, sq, skv, true), prec);
      tpAr(`${tag}.L${l}.attn.out`, m * h * w);
      if (model.moe) {
        B.compute(`${tag}.L${l}.router`, sh.router(m), prec);
        B.compute(`${tag}.L${l}.experts`, sh.expertsCost(m), prec);
      } else {
        B.compute(`${tag}.L${l}.mlp`, sh.ffn(m), prec);
      }
      tpAr(`${tag}.L${l}.mlp.out`, m * h * w);
    }
    // logits of the last position of each sequence (the next token)
    B.compute(`${tag}.head`, sh.mm(b, h, model.vocab / T), prec);
  };
  if (inf.phase !== 'decode') pass('prefill', inf.prompt, inf.prompt);
  if (inf.phase !== 'prefill') for (let n = 0; n < inf.decode; n++) pass(`decode${n}`, 1, inf.prompt + n + 1);

  return {
    format: 'orrery-trace',
    version: 2,
    units: { time: 'ns', size: 'B' },
    meta: {
      name: `${spec.name} infer tp${T}${D > 1 ? ` dp${D}` : ''} batch${b} prompt${inf.prompt} decode${inf.decode}`,
      source: `workload:${spec.name}`,
      workload: { mode: 'infer', params: modelParams(spec), batch: b, prompt: inf.prompt, decode: inf.decode, phase: inf.phase, parallel: inf.parallel, precision: prec },
      warnings,
    },
    ranks,
    groups,
    programs: [{ ranks: Array.from({ length: ranks }, (_, i) => i), ops: B.ops }],
  };
}

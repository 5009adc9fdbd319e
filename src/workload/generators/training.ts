/**
 * Training step generator: data, tensor, pipeline and expert parallelism, sequence parallelism, ZeRO 1-3,
 * activation recompute, with coarse ops (shapes.ts) or Megatron-LM's kernel list (megatron.ts).
 *
 * Collectives (bytes per rank, Chakra/ASTRA-sim convention: all-gather = each rank's input):
 * - TP (Megatron): an all-reduce of the layer output b·s·h·w after attention and after the MLP in the forward, and
 *   after each block's input gradient in the backward; with sequence parallelism each becomes an all-gather of
 *   b·s·h·w/T before the block and a reduce-scatter of b·s·h·w after it (mirrored in the backward);
 * - EP: all-to-all dispatch and combine of b·s·topK·h·w around the experts, forward and backward;
 * - PP: send/recv of the activation (forward) and its gradient (backward), b·s·h·w (÷T with sequence
 *   parallelism), peers addressed by pipeline stage through the `pp` group;
 * - DP: gradients in buckets of `bucketMB`, reduced as the backward of the last microbatch produces them
 *   (overlapped); ZeRO-1 reduce-scatters them and all-gathers the updated parameters after the optimizer;
 *   ZeRO-2 reduce-scatters at every microbatch; ZeRO-3 also all-gathers each layer's parameters before its
 *   forward and its backward (prefetching one layer ahead) and reduce-scatters each layer's gradients at every
 *   microbatch. Expert gradients reduce over the expert-data-parallel group (dp/ep ranks).
 *
 * Rank layout: `order` lists the axes innermost first (default tp, dp, pp): rank = tp + T·(dp + D·pp), so TP
 * groups are consecutive ranks and sit in the topology's fastest dimension; the expert-parallel index is the
 * innermost part of the data-parallel index (dp = ep + EP·edp). Every rank of a pipeline stage runs the same
 * program (groups are partitions; pipeline peers are stage numbers in the `pp` group).
 */
import type { CollectiveOp } from '../../collectives/types.ts';
import { lazyProgram, type LazyCache, type Op, type Precision, type Program, type Trace } from '../trace.ts';
import { Builder } from './builder.ts';
import { checkTopology, partition, type GenerateOptions } from './layout.ts';
import { attentionCore, attentionForward, backwardOf, mlpForward, type KernelStep, type LayerShape } from './megatron.ts';
import { pipelineSchedule } from './pipeline.ts';
import { modelParams, scale, Shapes } from './shapes.ts';
import { BYTES_PER_ELEMENT, type TrainingSpec, type WorkloadSpec } from './spec.ts';

export function training(spec: WorkloadSpec, tr: TrainingSpec, opts: GenerateOptions): Trace {
  const model = spec.model;
  const par = tr.parallel;
  const { tp: T, pp: P, dp: D, ep: EP, virtualStages: V, zero } = par;
  const ranks = T * P * D;
  const M = tr.globalBatch / (tr.microBatch * D);
  const b = tr.microBatch;
  const s = model.seq;
  const sh = new Shapes(spec, T, EP);
  const w = sh.w;
  const gw = BYTES_PER_ELEMENT[tr.gradPrecision];
  const prec = model.precision;
  /** Precision of the linear layers' GEMMs (fp8 with Transformer Engine); the rest runs in the model's. */
  const gemmPrec = tr.gemmPrecision ?? prec;
  // tied embeddings: one matrix when a stage holds both the embedding and the head (pp 1), else a copy on the
  // first and the last stage whose gradients those two all-reduce after the backward (Megatron-LM's embedding group)
  const tied = model.tiedEmbeddings === true;
  const lpc = model.layers / (P * V); // layers per chunk
  const lastVs = P * V - 1;
  const warnings: string[] = [];
  const sp = par.sp && T > 1;
  const moe = model.moe;
  const EDP = D / EP;

  // rank layout
  const size = { tp: T, dp: D, pp: P };
  const coords = (r: number): { tp: number; dp: number; pp: number } => {
    const c = { tp: 0, dp: 0, pp: 0 };
    let rest = r;
    for (const ax of par.order) {
      c[ax] = rest % size[ax];
      rest = Math.floor(rest / size[ax]);
    }
    return c;
  };
  checkTopology(ranks, T, par.order[0] === 'tp', opts.dims, warnings, spec.name, { value: par.dp, path: 'training.parallel.dp' });
  const C = Array.from({ length: ranks }, (_, r) => coords(r));
  const groups: Record<string, number[][]> = {};
  if (T > 1) groups.tp = partition(ranks, (r) => [C[r]!.dp + D * C[r]!.pp, C[r]!.tp]);
  if (D > 1) groups.dp = partition(ranks, (r) => [C[r]!.tp + T * C[r]!.pp, C[r]!.dp]);
  if (T * P > 1 && tr.kernels === 'megatron' && tr.clipGrad !== false) groups.mp = partition(ranks, (r) => [C[r]!.dp, C[r]!.tp + T * C[r]!.pp]);
  if (P > 1) groups.pp = partition(ranks, (r) => [C[r]!.tp + T * C[r]!.dp, C[r]!.pp]);
  // the first and last stage of each pipeline (tied embeddings), and the model-parallel ranks of each replica
  // (gradient clipping's norm); ranks outside the embedding group's blocks never name it
  if (P > 1 && tied) {
    groups.embed = partition(ranks, (r) => (C[r]!.pp === 0 || C[r]!.pp === P - 1 ? [C[r]!.tp + T * C[r]!.dp, C[r]!.pp === 0 ? 0 : 1] : [-1, 0]))
      .filter((blk) => blk.length === 2);
  }
  if (moe && EP > 1) groups.ep = partition(ranks, (r) => [C[r]!.tp + T * (C[r]!.pp + P * Math.floor(C[r]!.dp / EP)), C[r]!.dp % EP]);
  if (moe && EDP > 1 && EP > 1) groups.edp = partition(ranks, (r) => [C[r]!.tp + T * (C[r]!.pp + P * (C[r]!.dp % EP)), Math.floor(C[r]!.dp / EP)]);
  const expertGroup = EP > 1 ? 'edp' : 'dp';

  const mega = tr.kernels === 'megatron' && !moe;
  if (!mega && gemmPrec !== prec) warnings.push(`${spec.name}: gemmPrecision ${gemmPrec} applies to kernels "megatron" only; the coarse ops run in ${prec}`);
  if (tr.kernels === 'megatron' && moe) warnings.push(`${spec.name}: kernels "megatron" is not built for mixture-of-experts layers yet; they use the coarse ops`);
  const shape: LayerShape = {
    b, s, h: model.hidden, heads: model.heads / T, kvHeads: sh.kvd / (model.hidden / model.heads), headDim: model.hidden / model.heads,
    ffn: sh.fr, swiglu: model.mlp === 'swiglu', normTokens: sp ? Math.ceil((b * s) / T) : b * s, flash: tr.flashAttention,
  };
  // Megatron's pipeline scatter/gather: without sequence parallelism each TP rank sends 1/T of the activation and
  // the receivers all-gather it over NVLink (with it, the activation is already split)
  const scatter = mega && T > 1 && !sp;
  // one set of descriptor objects shared by every layer (the replay caches a kernel's time by its object)
  const megaAt = attentionForward(shape), megaMl = mlpForward(shape);
  const megaSteps = {
    at: megaAt, ml: megaMl, core: attentionCore(shape, false),
    bwd: {
      mlpPost: backwardOf(megaMl.post), mlpMid: backwardOf(megaMl.mid), between: backwardOf([...megaAt.post, ...megaMl.pre]),
      attnMid: backwardOf(megaAt.mid), attnPre: backwardOf(megaAt.pre),
    },
  };
  // LM head: logits GEMM t x h x V'/T and the vocab-parallel cross-entropy over t·V'/T logits, V' the vocabulary
  // padded as Megatron pads it (to a multiple of 128·T)
  const vocabPerRank = Math.ceil(model.vocab / (128 * T)) * 128;
  const headSteps: KernelStep[] = [
    { name: 'head', kernel: { type: 'matmul', m: b * s, k: model.hidden, n: vocabPerRank } },
    { name: 'xent', kernel: { type: 'cross-entropy', elements: b * s * vocabPerRank } },
  ];
  const actBytes = (b * s * model.hidden * w) / (sp || scatter ? T : 1);
  const tokens = b * s;
  const layerAct = b * s * model.hidden * w; // one activation tensor, full sequence

  /** Collective kinds of the data-parallel gradient sync. */
  const gradOp: CollectiveOp = zero === 0 ? 'allreduce' : 'reducescatter';

  const stageProgram = (stage: number): Op[] => {
    const B = new Builder();
    const vsOf = (chunk: number): number => chunk * P + stage;
    const tag = (mb: number, vs: number, dir: number): number => (mb * P * V + vs) * 2 + dir;
    const syncIds: number[] = [];
    // parameter bytes per bucket, for ZeRO-1/2's all-gather after the optimizer
    const paramBuckets: { group: string; params: number }[] = [];
    let stageDense = 0;
    let stageExperts = 0;
    for (let c = 0; c < V; c++) {
      stageDense += lpc * sh.layerDense;
      stageExperts += lpc * sh.layerExperts;
      if (vsOf(c) === 0) stageDense += sh.embedParams;
      if (vsOf(c) === lastVs && !(tied && P === 1)) stageDense += sh.embedParams;
    }

    // without overlap (Megatron-LM's LocalDDP before Megatron-core: allreduce_gradients() after the whole
    // forward-backward), the buckets are reduced one after another once the stage's last backward is done
    const deferred: { name: string; bytes: number; group: string }[] = [];
    class Bucket {
      params = 0;
      constructor(readonly group: string, readonly size: number) {}
      add(params: number, after: number[], mb: number, name: string): void {
        if (this.size <= 1 || params === 0) return;
        this.params += params;
        if (this.params * gw >= par.bucketBytes) this.flush(after, mb, name);
      }
      flush(after: number[], mb: number, name: string): void {
        if (this.params === 0) return;
        if (par.overlapGradReduce === false) deferred.push({ name: `${name}.${gradOp}`, bytes: this.params * gw, group: this.group });
        else syncIds.push(B.async(`${name}.${gradOp}`, gradOp, this.params * gw, this.group, 'dp', after));
        if (mb === M - 1 && (zero === 1 || zero === 2)) paramBuckets.push({ group: this.group, params: this.params });
        this.params = 0;
      }
    }
    const dense = new Bucket('dp', D);
    const experts = new Bucket(expertGroup, EDP);
    /** Whether this microbatch's backward syncs gradients (ZeRO 0/1: the last one; 2/3: every one). */
    const syncs = (mb: number): boolean => zero >= 2 || mb === M - 1;

    const tpColl = (name: string, op: CollectiveOp, bytes: number): void => {
      if (T > 1) B.blocking(`${name}.${op}`, op, bytes, 'tp', 'tp');
    };
    let prefetchAfter: number[] = [];
    const zeroGather = (name: string, params: number, group: string, gsize: number): void => {
      if (zero !== 3 || gsize <= 1 || params === 0) return;
      const id = B.async(`${name}.params.allgather`, 'allgather', Math.ceil((params * w) / gsize), group, 'zero', prefetchAfter);
      B.waitFor([id]);
    };

    /**
     * Kernels in order; GEMMs in `gemm` precision. FP8 GEMMs (Transformer Engine, current scaling) first quantize
     * their activation operand: an amax pass (read w per element) and a cast that writes the fp8 copy and its
     * transpose for the weight gradient (read w, write 2 × 1 B): 2w + 2 bytes per element of the forward input (m x k)
     * and of the output gradient before the input gradient (dgrad's m x k); the weight gradient reuses both
     * transposes, and the fp8 weights are cast once per step (not counted).
     */
    const kernels = (n: string, steps: readonly KernelStep[], gemm: Precision = gemmPrec): number => {
      let id = -1;
      for (const k of steps) {
        const kd = k.kernel;
        if (kd.type === 'matmul' && gemm === 'fp8' && prec !== 'fp8' && !k.name.endsWith('.wgrad')) {
          const el = kd.m * kd.k;
          B.compute(`${n}.${k.name}.fp8cast`, { flops: 2 * el, bytes: el * (2 * w + 2) }, prec);
        }
        id = B.kernel(`${n}.${k.name}`, kd, kd.type === 'matmul' ? gemm : prec);
      }
      return id;
    };

    /** Megatron's forward of one layer: 10 kernels and the TP collectives between them. */
    const megaForward = (n: string): number => {
      const { at, ml } = megaSteps;
      kernels(n, at.pre);
      if (sp) tpColl(`${n}.attn.in`, 'allgather', layerAct / T);
      const attn = kernels(n, at.mid);
      tpColl(`${n}.attn.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      kernels(n, [...at.post, ...ml.pre]);
      if (sp) tpColl(`${n}.mlp.in`, 'allgather', layerAct / T);
      kernels(n, ml.mid);
      tpColl(`${n}.mlp.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      kernels(n, ml.post);
      return attn;
    };

    /** Megatron's backward of one layer: 14 kernels (each GEMM twice), mirrored collectives; returns the last op. */
    const megaBackward = (n: string): number => {
      const bw = megaSteps.bwd;
      if (par.recompute === 'selective') B.kernel(`${n}.core.recompute`, megaSteps.core, prec);
      kernels(n, bw.mlpPost);
      if (sp) tpColl(`${n}.mlp.bwd.in`, 'allgather', layerAct / T);
      kernels(n, bw.mlpMid);
      tpColl(`${n}.mlp.bwd.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      kernels(n, bw.between);
      if (sp) tpColl(`${n}.attn.bwd.in`, 'allgather', layerAct / T);
      kernels(n, bw.attnMid);
      tpColl(`${n}.attn.bwd.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      return kernels(n, bw.attnPre);
    };

    const layerForward = (mb: number, l: number, tagName: string): void => {
      const n = `mb${mb}.L${l}${tagName}`;
      zeroGather(`${n}.attn`, sh.layerDense, 'dp', D);
      if (mega) {
        prefetchAfter = [megaForward(n)];
        return;
      }
      if (sp) tpColl(`${n}.attn.in`, 'allgather', layerAct / T);
      const attn = B.compute(`${n}.attn`, sh.attention(b, s, s), prec);
      tpColl(`${n}.attn.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      if (sp) tpColl(`${n}.mlp.in`, 'allgather', layerAct / T);
      if (moe) {
        zeroGather(`${n}.experts`, sh.layerExperts, expertGroup, EDP);
        B.compute(`${n}.router`, sh.router(tokens), prec);
        if (EP > 1) B.blocking(`${n}.dispatch.alltoall`, 'alltoall', tokens * moe.topK * model.hidden * w, 'ep', 'ep');
        B.compute(`${n}.experts`, sh.expertsCost(tokens), prec);
        if (EP > 1) B.blocking(`${n}.combine.alltoall`, 'alltoall', tokens * moe.topK * model.hidden * w, 'ep', 'ep');
      } else {
        B.compute(`${n}.mlp`, sh.ffn(tokens), prec);
      }
      tpColl(`${n}.mlp.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      prefetchAfter = [attn];
    };

    const layerBackward = (mb: number, l: number): void => {
      const n = `mb${mb}.L${l}`;
      // full recompute of every layer, or (recomputeLayers) of the first n layers of each model chunk, as
      // Megatron-LM's recompute_method "block" with recompute_num_layers n
      if (par.recompute === 'full' && (par.recomputeLayers === undefined || l % lpc < par.recomputeLayers)) layerForward(mb, l, '.recompute');
      else {
        zeroGather(`${n}.bwd.attn`, sh.layerDense, 'dp', D);
        if (moe) zeroGather(`${n}.bwd.experts`, sh.layerExperts, expertGroup, EDP);
      }
      if (mega) {
        const a = megaBackward(n);
        if (syncs(mb)) {
          dense.add(sh.layerDense, [a], mb, `${n}.grads`);
          if (zero === 3) dense.flush([a], mb, `${n}.grads`);
        }
        return;
      }
      if (par.recompute === 'selective') B.compute(`${n}.core.recompute`, sh.attentionCore(b, s, s), prec);
      if (sp) tpColl(`${n}.mlp.bwd.in`, 'allgather', layerAct / T);
      if (moe) {
        if (EP > 1) B.blocking(`${n}.combine.bwd.alltoall`, 'alltoall', tokens * moe.topK * model.hidden * w, 'ep', 'ep');
        const e = B.compute(`${n}.experts.bwd`, scale(sh.expertsCost(tokens), 2), prec);
        if (EP > 1) B.blocking(`${n}.dispatch.bwd.alltoall`, 'alltoall', tokens * moe.topK * model.hidden * w, 'ep', 'ep');
        B.compute(`${n}.router.bwd`, scale(sh.router(tokens), 2), prec);
        if (syncs(mb)) {
          experts.add(sh.layerExperts, [e], mb, `${n}.experts.grads`);
          if (zero === 3) experts.flush([e], mb, `${n}.experts.grads`);
        }
      } else {
        B.compute(`${n}.mlp.bwd`, scale(sh.ffn(tokens), 2), prec);
      }
      tpColl(`${n}.mlp.bwd.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      if (sp) tpColl(`${n}.attn.bwd.in`, 'allgather', layerAct / T);
      const a = B.compute(`${n}.attn.bwd`, scale(sh.attention(b, s, s), 2), prec);
      tpColl(`${n}.attn.bwd.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      if (syncs(mb)) {
        dense.add(sh.layerDense, [a], mb, `${n}.grads`);
        if (zero === 3) dense.flush([a], mb, `${n}.grads`);
      }
    };

    const forward = (mb: number, chunk: number): void => {
      const vs = vsOf(chunk);
      if (vs > 0) {
        B.recv(`mb${mb}.vs${vs}.act.recv`, (stage + P - 1) % P, tag(mb, vs, 0), actBytes);
        if (scatter) tpColl(`mb${mb}.vs${vs}.act.gather`, 'allgather', actBytes);
      }
      if (vs === 0) {
        zeroGather(`mb${mb}.embed`, sh.embedParams, 'dp', D);
        if (mega) B.kernel(`mb${mb}.embed`, { type: 'embedding', elements: tokens * model.hidden }, prec);
        else B.compute(`mb${mb}.embed`, { flops: 0, bytes: 2 * layerAct }, prec);
        tpColl(`mb${mb}.embed.out`, sp ? 'reducescatter' : 'allreduce', layerAct);
      }
      for (let i = 0; i < lpc; i++) layerForward(mb, vs * lpc + i, '');
      if (vs === lastVs) {
        if (sp) tpColl(`mb${mb}.head.in`, 'allgather', layerAct / T);
        zeroGather(`mb${mb}.head`, sh.embedParams, 'dp', D);
        if (mega) {
          kernels(`mb${mb}`, headSteps, prec);
        } else B.compute(`mb${mb}.head`, sh.mm(tokens, model.hidden, model.vocab / T), prec);
      } else {
        B.send(`mb${mb}.vs${vs}.act.send`, (stage + 1) % P, tag(mb, vs + 1, 0), actBytes, par.p2pSync === true);
      }
    };

    const backward = (mb: number, chunk: number): void => {
      const vs = vsOf(chunk);
      if (vs < lastVs) {
        B.recv(`mb${mb}.vs${vs}.grad.recv`, (stage + 1) % P, tag(mb, vs, 1), actBytes);
        if (scatter) tpColl(`mb${mb}.vs${vs}.grad.gather`, 'allgather', actBytes);
      } else {
        const hd = mega ? kernels(`mb${mb}`, backwardOf(headSteps), prec) : B.compute(`mb${mb}.head.bwd`, scale(sh.mm(tokens, model.hidden, model.vocab / T), 2), prec);
        // tied on one stage: the head's gradient accumulates into the embedding's, reduced once (below)
        if (syncs(mb) && !(tied && P === 1)) dense.add(sh.embedParams, [hd], mb, `mb${mb}.head.grads`);
        if (sp) tpColl(`mb${mb}.head.bwd.in`, 'reducescatter', layerAct);
      }
      for (let i = lpc - 1; i >= 0; i--) layerBackward(mb, vs * lpc + i);
      if (vs === 0) {
        const e = mega
          ? B.kernel(`mb${mb}.embed.bwd`, { type: 'embedding', elements: tokens * model.hidden, backward: true }, prec)
          : B.compute(`mb${mb}.embed.bwd`, { flops: 0, bytes: 2 * layerAct }, prec);
        if (syncs(mb)) dense.add(sh.embedParams, [e], mb, `mb${mb}.embed.grads`);
      } else {
        B.send(`mb${mb}.vs${vs}.grad.send`, (stage + P - 1) % P, tag(mb, vs - 1, 1), actBytes, par.p2pSync === true);
      }
      if (syncs(mb)) {
        dense.flush(B.last, mb, `mb${mb}.vs${vs}.grads`);
        experts.flush(B.last, mb, `mb${mb}.vs${vs}.experts.grads`);
      }
    };

    for (const step of pipelineSchedule(par.schedule, V, P, M, stage)) {
      if (step.fwd) forward(step.mb, step.chunk);
      else backward(step.mb, step.chunk);
    }
    const afterBackward = B.last;
    for (const d of deferred) syncIds.push(B.async(d.name, gradOp, d.bytes, d.group, 'dp', afterBackward));

    // Optimizer (Adam): ≈ 10 FLOPs per parameter; reads and writes fp32 master weights, m and v (2 × 12 B), reads
    // the gradient and writes the weights. ZeRO ≥ 1 updates this rank's 1/DP shard only.
    const shard = (zero >= 1 ? stageDense / D : stageDense) + (zero >= 1 ? stageExperts / EDP : stageExperts);
    B.waitFor(syncIds);
    // tied embeddings over several stages: the first and last stage all-reduce the embedding's gradient (vocab/T x h
    // of the gradient precision) once the data-parallel sync is done (Megatron-LM finalize_model_grads)
    if (tied && P > 1 && (stage === 0 || stage === P - 1)) B.blocking('embed.grads.allreduce', 'allreduce', sh.embedParams * gw, 'embed', 'dp');
    if (mega && tr.clipGrad !== false) clipGradients(B, shard, T * P > 1 ? 'mp' : undefined);
    const opt = mega
      ? B.kernel('optimizer', { type: 'adam', elements: Math.max(1, Math.round(shard)) }, prec)
      : B.compute('optimizer', { flops: 10 * shard, bytes: shard * (24 + gw + w) }, 'fp32');
    for (const [i, pb] of paramBuckets.entries()) {
      const g = pb.group === 'dp' ? D : EDP;
      B.async(`params${i}.allgather`, 'allgather', Math.ceil((pb.params * w) / g), pb.group, 'dp', [opt]);
    }
    return B.ops;
  };

  // one program per pipeline stage; with `lazy`, made when read (trace.ts lazyProgram): a 1T-parameter step's
  // 2.8 M op objects are then never all alive at once
  const programs: Program[] = [];
  const cache: LazyCache = {};
  for (let stage = 0; stage < P; stage++) {
    const stageRanks: number[] = [];
    for (let r = 0; r < ranks; r++) if (C[r]!.pp === stage) stageRanks.push(r);
    programs.push(opts.lazy ? lazyProgram(stageRanks, () => stageProgram(stage), cache) : { ranks: stageRanks, ops: stageProgram(stage) });
  }

  return {
    format: 'orrery-trace',
    version: 2,
    units: { time: 'ns', size: 'B' },
    meta: {
      name: `${spec.name} train tp${T} pp${P} dp${D}${EP > 1 ? ` ep${EP}` : ''}${zero ? ` zero${zero}` : ''}`,
      source: `workload:${spec.name}`,
      workload: {
        mode: 'train', params: modelParams(spec), tokensPerStep: tr.globalBatch * s, microbatches: M,
        microBatch: b, globalBatch: tr.globalBatch, parallel: par, precision: prec, gradPrecision: tr.gradPrecision,
      },
      warnings,
    },
    ranks,
    groups,
    programs,
  };
}

/**
 * Megatron-LM's gradient clipping (clip_grad_norm_fp32) on `params` parameters of this rank: the L2 norm of the
 * fp32 main gradients (one read, 4 B per parameter, 2 FLOPs), the all-reduce of the norm (one fp32) over the
 * model-parallel ranks `mpGroup`, and the scaling of the gradients by the clip coefficient (multi_tensor_scale: read
 * and write, 8 B per parameter). Memory-bound ops with FLOPs and bytes (the roofline times them under every model).
 */
function clipGradients(B: Builder, params: number, mpGroup: string | undefined): void {
  B.compute('clip.norm', { flops: 2 * params, bytes: 4 * params }, 'fp32');
  if (mpGroup) B.blocking('clip.norm.allreduce', 'allreduce', 4, mpGroup, 'dp');
  B.compute('clip.scale', { flops: params, bytes: 8 * params }, 'fp32');
}

/**
 * Transformer workload generator: a training step (data, tensor, pipeline and expert parallelism, sequence
 * parallelism, ZeRO 1–3, activation recompute) or an inference step (prefill and decode with tensor parallelism)
 * from a validated WorkloadSpec (spec.ts), as an Orrery trace.
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
import type { KernelDesc, Op, Precision, Program, Trace } from '../trace.ts';
import { attentionCore, attentionForward, backwardOf, mlpForward, type KernelStep, type LayerShape } from './megatron.ts';
import { BYTES_PER_ELEMENT, type InferenceSpec, type TrainingSpec, type WorkloadSpec } from './spec.ts';

export interface GenerateOptions {
  /** `train` or `infer` (default: train when the spec has a training section). */
  mode?: 'train' | 'infer';
  /** The topology's NPUs per dimension: checked against the world size and the TP placement. */
  dims?: number[];
}

/** A generator input that cannot produce a trace (sizes that do not fit the topology, …). */
export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

interface Cost {
  flops: number;
  bytes: number;
}

const ZERO: Cost = { flops: 0, bytes: 0 };
const sum = (...cs: Cost[]): Cost => cs.reduce((a, c) => ({ flops: a.flops + c.flops, bytes: a.bytes + c.bytes }), ZERO);
const scale = (c: Cost, k: number): Cost => ({ flops: c.flops * k, bytes: c.bytes * k });

/** The model's shapes per TP rank, and the costs and parameter counts derived from them. */
class Shapes {
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

/** Builds one program: ids in order, a "frontier" of what the next compute waits for. */
class Builder {
  readonly ops: Op[] = [];
  private frontier: number[] = [];

  private push(op: Op): number {
    op.id = this.ops.length;
    this.ops.push(op);
    return op.id;
  }

  private deps(extra: number[] = []): { deps?: number[] } {
    const d = [...new Set([...this.frontier, ...extra])];
    return d.length > 0 ? { deps: d } : {};
  }

  compute(name: string, c: Cost, precision: Precision): number {
    const id = this.push({ id: 0, kind: 'compute', name, flops: c.flops, bytes: c.bytes, precision, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A compute op described by its kernel (no FLOPs/bytes: every compute model derives them from the kernel). */
  kernel(name: string, kernel: KernelDesc, precision: Precision): number {
    const id = this.push({ id: 0, kind: 'compute', name, kernel, precision, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A collective the next compute waits for. */
  blocking(name: string, op: CollectiveOp, bytes: number, group: string, stream: string): number {
    const id = this.push({ id: 0, kind: 'coll', name, op, bytes, group, stream, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A collective nothing waits for right away. */
  async(name: string, op: CollectiveOp, bytes: number, group: string, stream: string, deps: number[]): number {
    const d = [...new Set(deps)];
    return this.push({ id: 0, kind: 'coll', name, op, bytes, group, stream, ...(d.length ? { deps: d } : {}) });
  }

  /** A receive the next compute waits for (posted when the pipeline stream reaches it). */
  recv(name: string, peer: number, tag: number, bytes: number): number {
    const id = this.push({ id: 0, kind: 'recv', name, peer, group: 'pp', tag, bytes, stream: 'pp' });
    this.frontier.push(id);
    return id;
  }

  send(name: string, peer: number, tag: number, bytes: number): number {
    return this.push({ id: 0, kind: 'send', name, peer, group: 'pp', tag, bytes, stream: 'pp', ...this.deps() });
  }

  waitFor(ids: number[]): void {
    for (const id of ids) if (!this.frontier.includes(id)) this.frontier.push(id);
  }

  get last(): number[] {
    return [...this.frontier];
  }
}

export function generateTrace(spec: WorkloadSpec, opts: GenerateOptions = {}): Trace {
  const mode = opts.mode ?? (spec.training ? 'train' : 'infer');
  if (mode === 'train' && !spec.training) throw new WorkloadError(`${spec.name}: no training section to generate a training step from`);
  if (mode === 'infer' && !spec.inference) throw new WorkloadError(`${spec.name}: no inference section to generate an inference step from`);
  return mode === 'train' ? training(spec, spec.training!, opts) : inference(spec, spec.inference!, opts);
}

function checkTopology(ranks: number, tp: number, tpInner: boolean, dims: number[] | undefined, warnings: string[], name: string): void {
  if (!dims) return;
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== ranks) throw new WorkloadError(`${name}: the plan needs ${ranks} ranks but the topology has ${n} NPUs (${dims.join('×')})`);
  if (tp > 1 && (!tpInner || dims[0]! % tp !== 0)) {
    warnings.push(`TP groups of ${tp} do not sit inside the fastest topology dimension (${dims[0]} NPUs): their all-reduces cross slower links`);
  }
}

function partition(n: number, key: (r: number) => [number, number]): number[][] {
  const blocks = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    const [block, pos] = key(r);
    let b = blocks.get(block);
    if (!b) blocks.set(block, (b = []));
    b[pos] = r;
  }
  return [...blocks.keys()].sort((a, b) => a - b).map((k) => blocks.get(k)!);
}

function training(spec: WorkloadSpec, tr: TrainingSpec, opts: GenerateOptions): Trace {
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
  checkTopology(ranks, T, par.order[0] === 'tp', opts.dims, warnings, spec.name);
  const C = Array.from({ length: ranks }, (_, r) => coords(r));
  const groups: Record<string, number[][]> = {};
  if (T > 1) groups.tp = partition(ranks, (r) => [C[r]!.dp + D * C[r]!.pp, C[r]!.tp]);
  if (D > 1) groups.dp = partition(ranks, (r) => [C[r]!.tp + T * C[r]!.pp, C[r]!.dp]);
  if (P > 1) groups.pp = partition(ranks, (r) => [C[r]!.tp + T * C[r]!.dp, C[r]!.pp]);
  if (moe && EP > 1) groups.ep = partition(ranks, (r) => [C[r]!.tp + T * (C[r]!.pp + P * Math.floor(C[r]!.dp / EP)), C[r]!.dp % EP]);
  if (moe && EDP > 1 && EP > 1) groups.edp = partition(ranks, (r) => [C[r]!.tp + T * (C[r]!.pp + P * (C[r]!.dp % EP)), Math.floor(C[r]!.dp / EP)]);
  const expertGroup = EP > 1 ? 'edp' : 'dp';

  const mega = tr.kernels === 'megatron' && !moe;
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
      if (vsOf(c) === lastVs) stageDense += sh.embedParams;
    }

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
        syncIds.push(B.async(`${name}.${gradOp}`, gradOp, this.params * gw, this.group, 'dp', after));
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
      const id = B.async(`${name}.params.allgather`, 'allgather', (params * w) / gsize, group, 'zero', prefetchAfter);
      B.waitFor([id]);
    };

    const kernels = (n: string, steps: readonly KernelStep[]): number => {
      let id = -1;
      for (const k of steps) id = B.kernel(`${n}.${k.name}`, k.kernel, prec);
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
      if (par.recompute === 'full') layerForward(mb, l, '.recompute');
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
          kernels(`mb${mb}`, headSteps);
        } else B.compute(`mb${mb}.head`, sh.mm(tokens, model.hidden, model.vocab / T), prec);
      } else {
        B.send(`mb${mb}.vs${vs}.act.send`, (stage + 1) % P, tag(mb, vs + 1, 0), actBytes);
      }
    };

    const backward = (mb: number, chunk: number): void => {
      const vs = vsOf(chunk);
      if (vs < lastVs) {
        B.recv(`mb${mb}.vs${vs}.grad.recv`, (stage + 1) % P, tag(mb, vs, 1), actBytes);
        if (scatter) tpColl(`mb${mb}.vs${vs}.grad.gather`, 'allgather', actBytes);
      } else {
        const hd = mega ? kernels(`mb${mb}`, backwardOf(headSteps)) : B.compute(`mb${mb}.head.bwd`, scale(sh.mm(tokens, model.hidden, model.vocab / T), 2), prec);
        if (syncs(mb)) dense.add(sh.embedParams, [hd], mb, `mb${mb}.head.grads`);
        if (sp) tpColl(`mb${mb}.head.bwd.in`, 'reducescatter', layerAct);
      }
      for (let i = lpc - 1; i >= 0; i--) layerBackward(mb, vs * lpc + i);
      if (vs === 0) {
        const e = mega
          ? B.kernel(`mb${mb}.embed.bwd`, { type: 'embedding', elements: tokens * model.hidden, backward: true }, prec)
          : B.compute(`mb${mb}.embed.bwd`, { flops: 0, bytes: 2 * layerAct }, prec);
        if (syncs(mb)) dense.add(sh.embedParams, [e], mb, `mb${mb}.embed.grads`);
      } else {
        B.send(`mb${mb}.vs${vs}.grad.send`, (stage + P - 1) % P, tag(mb, vs - 1, 1), actBytes);
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

    // Optimizer (Adam): ≈ 10 FLOPs per parameter; reads and writes fp32 master weights, m and v (2 × 12 B), reads
    // the gradient and writes the weights. ZeRO ≥ 1 updates this rank's 1/DP shard only.
    const shard = (zero >= 1 ? stageDense / D : stageDense) + (zero >= 1 ? stageExperts / EDP : stageExperts);
    B.waitFor(syncIds);
    const opt = mega
      ? B.kernel('optimizer', { type: 'adam', elements: Math.max(1, Math.round(shard)) }, prec)
      : B.compute('optimizer', { flops: 10 * shard, bytes: shard * (24 + gw + w) }, 'fp32');
    for (const [i, pb] of paramBuckets.entries()) {
      const g = pb.group === 'dp' ? D : EDP;
      B.async(`params${i}.allgather`, 'allgather', (pb.params * w) / g, pb.group, 'dp', [opt]);
    }
    return B.ops;
  };

  const programs: Program[] = [];
  for (let stage = 0; stage < P; stage++) {
    const stageRanks: number[] = [];
    for (let r = 0; r < ranks; r++) if (C[r]!.pp === stage) stageRanks.push(r);
    programs.push({ ranks: stageRanks, ops: stageProgram(stage) });
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

export interface PipelineStep {
  fwd: boolean;
  mb: number;
  chunk: number;
}

/**
 * The order of forward and backward microbatch steps on one stage: GPipe (all forwards, then all backwards),
 * 1F1B (PipeDream-flush: P − stage − 1 warm-up forwards, then one forward one backward, then the remaining
 * backwards), or Megatron's interleaved 1F1B over `V` model chunks per stage (M a multiple of P).
 */
export function pipelineSchedule(kind: '1f1b' | 'gpipe', V: number, P: number, M: number, stage: number): PipelineStep[] {
  const steps: PipelineStep[] = [];
  if (V === 1) {
    const warm = kind === 'gpipe' ? M : Math.min(P - stage - 1, M);
    for (let i = 0; i < warm; i++) steps.push({ fwd: true, mb: i, chunk: 0 });
    for (let i = 0; i < M - warm; i++) {
      steps.push({ fwd: true, mb: warm + i, chunk: 0 });
      steps.push({ fwd: false, mb: i, chunk: 0 });
    }
    for (let i = M - warm; i < M; i++) steps.push({ fwd: false, mb: i, chunk: 0 });
    return steps;
  }
  // Megatron-LM forward_backward_pipelining_with_interleaving
  const total = M * V;
  const chunkOf = (k: number, fwd: boolean): number => {
    const c = Math.floor(k / P) % V;
    return fwd ? c : V - 1 - c;
  };
  const mbOf = (k: number): number => Math.floor(k / (P * V)) * P + (k % P);
  const warm = Math.min((P - stage - 1) * 2 + (V - 1) * P, total);
  for (let k = 0; k < warm; k++) steps.push({ fwd: true, mb: mbOf(k), chunk: chunkOf(k, true) });
  for (let i = 0; i < total - warm; i++) {
    const k = warm + i;
    steps.push({ fwd: true, mb: mbOf(k), chunk: chunkOf(k, true) });
    steps.push({ fwd: false, mb: mbOf(i), chunk: chunkOf(i, false) });
  }
  for (let k = total - warm; k < total; k++) steps.push({ fwd: false, mb: mbOf(k), chunk: chunkOf(k, false) });
  return steps;
}

function inference(spec: WorkloadSpec, inf: InferenceSpec, opts: GenerateOptions): Trace {
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
  checkTopology(ranks, T, true, opts.dims, warnings, spec.name);
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

/**
 * Memory per GPU of a generated transformer training step: a pure function of the workload description
 * (spec.ts), per pipeline stage (every rank of a stage holds the same: the generator gives all ranks of a stage one
 * program, and balanced expert routing makes expert ranks alike). Sizes are bytes; nothing here allocates or runs.
 *
 * Notation (the generator's): b microbatch, s sequence, h hidden, a heads, g key/value heads, d = h/a, f FFN size,
 * V vocabulary, L layers, t = TP, p = PP, v virtual stages (chunks) per stage, D = DP, EP expert parallelism,
 * EDP = D/EP, m microbatches per step = globalBatch / (b·D). Parameters per TP rank are the generator's
 * (transformer.ts: matrices only; biases and norms, < 0.1 %, ignored; the LM head untied from the embedding
 * unless `model.tiedEmbeddings`, then one matrix where one stage holds both (pp 1) and a copy on the first and last
 * stage otherwise, as training.ts builds it; key/value heads replicated when t > g).
 *
 * 1. Model state: mixed-precision Adam, Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training Trillion
 *    Parameter Models" (SC'20), §3.1 and Figure 1: Ψ parameters cost 2Ψ (fp16 weights) + 2Ψ (fp16 gradients) +
 *    KΨ optimizer state with K = 12 (fp32 master weights, momentum, variance); ZeRO stage 1 (P_os) divides the
 *    optimizer state by N_d, stage 2 (P_os+g) the gradients too, stage 3 (P_os+g+p) the weights too. Here the
 *    weight and gradient bytes are the model's and the gradient precision's (fp32 gradients, Megatron's
 *    `--accumulate-allreduce-grads-in-fp32`, give its 18 B/param, or 6 + 12/D with the distributed optimizer),
 *    K drops to 8 when the weights are already fp32 (no master copy), and fp8/int8 weights are kept as 2-byte
 *    masters (fp8 training casts on the fly; an assumption). N_d is D for dense parameters and EDP for experts.
 *
 * 2. Activations: Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (MLSys'23,
 *    arXiv:2205.05198), §4.1 and Table 2: per layer and microbatch, 16-bit activations, sbh(34 + 5as/h) bytes;
 *    with TP sbh(10 + 24/t + 5as/(ht)); with TP and SP sbh/t·(34 + 5as/h); selective recompute (recompute the
 *    attention core) drops the 5as/h term; full recompute stores only the layer input, 2sbh (÷t with SP, whose
 *    checkpointed input is sequence-sharded); with `recomputeLayers` n (Megatron's recompute_method "block") only
 *    the first n layers of each model chunk are recomputed, the others store everything. {@link layerActivationBytes} spells the paper's 34 out term by term
 *    (§4.1's list) so that GQA (K and V of width g·d), SwiGLU (three f-wide tensors instead of GeLU's two) and
 *    MoE (top-k tokens through the experts) change only their own terms; for GPT shapes (g = a, f = 4h, GeLU) it
 *    is exactly the paper's formula. Embeddings and logits (§4.3, "input and output"): the first stage stores
 *    the token ids (int64, 8sb: Megatron's theoretical_memory_usage.py) and the embedding dropout mask sbh
 *    (÷t with SP); the last stage stores the final layernorm and output-layer inputs 4sbh (÷t with SP) and the
 *    fp32 logits for the cross-entropy 4sbV/t: 4sbh/t·(1 + V/h) as in the paper. The paper's 5as/h term is the
 *    unfused attention core's s×s softmax, mask and dropout; the default here is FlashAttention (what the
 *    generator's attention cost models), which stores only its row statistics ({@link MemoryOptions.attention}).
 *
 * 3. Microbatches in flight: a stage keeps each forward's activations until its backward. Walking the generator's
 *    own schedule ({@link pipelineSchedule}) gives the peak: 1F1B (PipeDream-flush) stage i of p keeps
 *    min(p − i, m); GPipe keeps all m; interleaved 1F1B (Narayanan et al., "Efficient Large-Scale Language Model
 *    Training on GPU Clusters Using Megatron-LM", SC'21, §2.2.2) keeps min(2(p − i − 1) + (v − 1)·p + 1, m·v)
 *    chunks of L/(p·v) layers: on stage 0 that is L·(1 + (p − 1)/(p·v)) layers' worth, the paper's memory factor.
 *
 * 4. Temporary buffers (an estimate; each term is live at some point of the step, and they are summed, which is
 *    conservative): one data-parallel gradient bucket (`bucketMB`) in flight; with ZeRO-3 the gathered weights of
 *    two layers (the one computing and the one prefetched: the generator prefetches one layer ahead) and one
 *    layer's unsharded gradients before their reduce-scatter; with SP the all-gathered layer input (sbh); with EP
 *    the all-to-all send and receive buffers (2 · s·b·topK·h); with PP the received activation gradient; on the
 *    last stage the fp32 gradient of the logits (4sbV/t); with full recompute the one layer being recomputed
 *    (its activations as without recompute).
 *
 * Not counted: the CUDA context and library workspaces (cuBLAS, NCCL: a few hundred MB to ~1 GB), allocator
 * fragmentation, and the KV cache or weights of inference.
 */
import { BYTES_PER_ELEMENT, type WorkloadSpec } from './generators/spec.ts';
import { pipelineSchedule } from './generators/transformer.ts';

/** `selective` is Megatron's (recompute attention's core); the spec may not accept it yet, so this is a string. */
export type RecomputeMode = 'none' | 'selective' | 'full';
export const RECOMPUTE_MODES: readonly RecomputeMode[] = ['none', 'selective', 'full'];

export type AttentionKind = 'flash' | 'unfused';

export interface MemoryOptions {
  /**
   * `flash` (default): the attention core stores no s×s matrices, only FlashAttention's fp32 row statistics
   * (log-sum-exp, 4·(a/t)·s·b bytes; Dao et al. 2022, Algorithm 2), which is what the generator's attention cost
   * (flash-style bytes) models. `unfused`: Korthikanti's softmax, mask and dropout terms, 5as²b/t.
   */
  attention?: AttentionKind;
}

/** Bytes of one rank's memory by part. Parts sum to `peakBytes`. */
export interface MemoryParts {
  weightBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  /** Stored activations at the stage's peak (microbatches in flight). */
  activationBytes: number;
  /** Communication buffers and other transients (item 4 above). */
  temporaryBytes: number;
}

export interface StageMemory extends MemoryParts {
  stage: number;
  /** Ranks of this stage (each holds the same). */
  ranks: number;
  /** Parameters held per rank before ZeRO sharding (dense + this rank's experts). */
  params: number;
  /** Peak (chunk-)microbatches whose activations are stored at once. */
  inFlight: number;
  /** Layers per microbatch-chunk, for reading `inFlight`. */
  layersPerChunk: number;
  peakBytes: number;
  /** The temporary part, term by term (names as in item 4). */
  temporaryBytesByPart: Record<string, number>;
}

export interface MemoryReport {
  /** What the numbers assume, for the report header. */
  zero: 0 | 1 | 2 | 3;
  recompute: RecomputeMode;
  attention: AttentionKind;
  /** Model chunks per stage (> 1: interleaved; `inFlight` then counts chunks). */
  virtualStages: number;
  /** Microbatches per step. */
  microbatches: number;
  stages: StageMemory[];
  /** The stage with the largest peak (the first such). */
  peakStage: number;
  peakBytes: number;
}

/** The bytes of mixed-precision Adam state for `params` parameters, ZeRO stage `zero` over `shards` ranks (ZeRO §3.1). */
export function modelStateBytes(params: number, zero: 0 | 1 | 2 | 3, shards: number, bytesPerWeight: number, bytesPerGradient: number): { weightBytes: number; gradientBytes: number; optimizerBytes: number } {
  // K = 12: fp32 master weights (4) + Adam momentum (4) + variance (4); no master copy when the weights are fp32.
  const K = bytesPerWeight >= 4 ? 8 : 12;
  return {
    weightBytes: (params * bytesPerWeight) / (zero >= 3 ? shards : 1),
    gradientBytes: (params * bytesPerGradient) / (zero >= 2 ? shards : 1),
    optimizerBytes: (params * K) / (zero >= 1 ? shards : 1),
  };
}

/** Bytes per stored activation element: the model's precision, but 16-bit when the model computes in fp8/int8. */
function activationElementBytes(spec: WorkloadSpec): number {
  return Math.max(2, BYTES_PER_ELEMENT[spec.model.precision]);
}

/** Bytes per weight element (fp8/int8 models keep 16-bit weights; item 1). */
function weightElementBytes(spec: WorkloadSpec): number {
  return Math.max(2, BYTES_PER_ELEMENT[spec.model.precision]);
}

/** Per-rank widths, as the generator's `Shapes`: query/output hq = h/t, K or V kvd, FFN fr = f/t. */
function widths(spec: WorkloadSpec, t: number): { h: number; hq: number; kvd: number; fr: number; headsPerRank: number } {
  const m = spec.model;
  const d = m.hidden / m.heads;
  return { h: m.hidden, hq: m.hidden / t, kvd: (m.kvHeads >= t ? m.kvHeads / t : 1) * d, fr: m.ffn / t, headsPerRank: m.heads / t };
}

/**
 * Stored activation bytes of one transformer layer for one microbatch on one TP rank (Korthikanti et al. §4.1,
 * term by term; e = bytes per element, 2 in the paper; masks are 1 byte; r = 1/t with SP, else 1):
 *   layernorm inputs 2·e·sbh·r, attention input (QKV GEMM) e·sbh·r, Q e·sb·hq, K and V 2·e·sb·kvd,
 *   softmax output e·(a/t)s²b + dropout mask (a/t)s²b + dropout output e·(a/t)s²b, output projection input e·sb·hq,
 *   attention dropout mask sbh·r, MLP input e·sbh·r, MLP inner GeLU 2·e·sb·fr (GeLU input, fc2 input) or SwiGLU
 *   3·e·sb·fr (gate, up, their product), MLP dropout mask sbh·r.
 * With e = 2, g = a, f = 4h, GeLU: 10sbh·r + 24sbh/t + 5as²b/t, the paper's Table 2. MoE: the inner terms carry
 * top-k tokens each, plus the permuted expert input e·sb·topK·h·r and the fp32 router probabilities 4·sb·E·r.
 * `selective` drops the three s² terms (and flash's statistics); `flash` replaces them with the fp32 log-sum-exp,
 * 4·(a/t)·s·b; `full` keeps only the layer input e·sbh·r.
 */
export function layerActivationBytes(spec: WorkloadSpec, recompute: RecomputeMode, opts: MemoryOptions = {}): number {
  const tr = spec.training!;
  const t = tr.parallel.tp;
  const r = tr.parallel.sp && t > 1 ? 1 / t : 1;
  const e = activationElementBytes(spec);
  const n = tr.microBatch * spec.model.seq; // tokens s·b
  const s = spec.model.seq;
  const { h, hq, kvd, fr, headsPerRank } = widths(spec, t);
  if (recompute === 'full') return e * n * h * r;
  const moe = spec.model.moe;
  const k = moe ? moe.topK : 1;
  const inner = (spec.model.mlp === 'swiglu' ? 3 : 2) * e * n * k * fr;
  const moeExtra = moe ? e * n * k * h * r + 4 * n * moe.experts * r : 0;
  const attention = opts.attention ?? 'flash';
  // selective recomputes the whole attention core, so it stores neither the s² terms nor flash's statistics
  const scores =
    recompute === 'selective' ? 0
    : attention === 'flash' ? 4 * headsPerRank * s * tr.microBatch
    : (2 * e + 1) * headsPerRank * s * s * tr.microBatch;
  const replicated = (2 * e + e + 1 + e + 1) * n * h * r; // layernorm inputs, attention input, 2 masks, MLP input
  return replicated + e * n * hq + 2 * e * n * kvd + scores + e * n * hq + inner + moeExtra;
}

/** First stage, per microbatch: int64 token ids 8sb and the embedding dropout mask sbh·r (Korthikanti §4.3). */
export function embeddingActivationBytes(spec: WorkloadSpec): number {
  const tr = spec.training!;
  const t = tr.parallel.tp;
  const r = tr.parallel.sp && t > 1 ? 1 / t : 1;
  const n = tr.microBatch * spec.model.seq;
  return 8 * n + n * spec.model.hidden * r;
}

/** Last stage, per microbatch: final layernorm and output-layer inputs 2·e·sbh·r, fp32 logits 4sbV/t (§4.3). */
export function outputActivationBytes(spec: WorkloadSpec): number {
  const tr = spec.training!;
  const t = tr.parallel.tp;
  const r = tr.parallel.sp && t > 1 ? 1 / t : 1;
  const n = tr.microBatch * spec.model.seq;
  return 2 * activationElementBytes(spec) * n * spec.model.hidden * r + (4 * n * spec.model.vocab) / t;
}

/**
 * Peak stored activations of one stage and the (chunk-)microbatches in flight at that peak, walking the
 * generator's schedule: a forward adds its chunk's bytes, a backward frees them (item 3).
 */
export function stageActivationPeak(spec: WorkloadSpec, stage: number, chunkBytes: (chunk: number) => number): { bytes: number; inFlight: number } {
  const par = spec.training!.parallel;
  const { pp: P, dp: D, virtualStages: V } = par;
  const M = spec.training!.globalBatch / (spec.training!.microBatch * D);
  let live = 0;
  let count = 0;
  let peak = 0;
  let peakCount = 0;
  for (const step of pipelineSchedule(par.schedule, V, P, M, stage)) {
    const c = chunkBytes(step.chunk);
    if (step.fwd) {
      live += c;
      count++;
      if (live > peak) {
        peak = live;
        peakCount = count;
      }
    } else {
      live -= c;
      count--;
    }
  }
  return { bytes: peak, inFlight: peakCount };
}

/** Memory per rank of every pipeline stage of the spec's training step. */
export function trainingMemory(spec: WorkloadSpec, opts: MemoryOptions = {}): MemoryReport {
  const tr = spec.training;
  if (!tr) throw new Error(`${spec.name}: no training section`);
  const par = tr.parallel;
  const { tp: T, pp: P, dp: D, ep: EP, virtualStages: V, zero } = par;
  const recompute = String(par.recompute) as RecomputeMode;
  if (!RECOMPUTE_MODES.includes(recompute)) throw new Error(`${spec.name}: training.parallel.recompute "${recompute}" has no memory formula; expected one of ${RECOMPUTE_MODES.join(', ')}`);
  const model = spec.model;
  const w = weightElementBytes(spec);
  const gw = BYTES_PER_ELEMENT[tr.gradPrecision];
  const e = activationElementBytes(spec);
  const { h, hq, kvd, fr } = widths(spec, T);
  const sp = par.sp && T > 1;
  const n = tr.microBatch * model.seq;
  const moe = model.moe;
  const EDP = D / EP;
  const mats = model.mlp === 'swiglu' ? 3 : 2;

  // Parameters per TP rank (the generator's Shapes): attention h·(hq + 2·kvd) + hq·h; FFN mats·h·fr; router h·E.
  const attnParams = h * (hq + 2 * kvd) + hq * h;
  const ffnParams = mats * h * fr;
  const layerDense = attnParams + (moe ? h * moe.experts : ffnParams);
  const layerExperts = moe ? (moe.experts / EP) * ffnParams : 0;
  const embedParams = (model.vocab * h) / T;
  const lpc = model.layers / (P * V);
  const lastVs = P * V - 1;
  const tied = model.tiedEmbeddings === true;

  const layerActNoRecompute = layerActivationBytes(spec, 'none', opts);
  // full recompute of the first recomputeLayers layers of each chunk (training.ts layerBackward: l % lpc < n)
  const recomputed = recompute === 'full' ? Math.min(lpc, par.recomputeLayers ?? lpc) : 0;
  const layerAct = layerActivationBytes(spec, recompute, opts);
  const chunkLayersAct = recomputed * layerAct + (lpc - recomputed) * (recompute === 'full' ? layerActNoRecompute : layerAct);
  const stages: StageMemory[] = [];
  for (let stage = 0; stage < P; stage++) {
    let dense = 0;
    let experts = 0;
    for (let c = 0; c < V; c++) {
      dense += lpc * layerDense;
      experts += lpc * layerExperts;
      if (c * P + stage === 0) dense += embedParams;
      if (c * P + stage === lastVs && !(tied && P === 1)) dense += embedParams;
    }
    const ds = modelStateBytes(dense, zero, D, w, gw);
    const es = modelStateBytes(experts, zero, EDP, w, gw);
    const chunkBytes = (chunk: number): number => {
      const vs = chunk * P + stage;
      return chunkLayersAct + (vs === 0 ? embeddingActivationBytes(spec) : 0) + (vs === lastVs ? outputActivationBytes(spec) : 0);
    };
    const act = stageActivationPeak(spec, stage, chunkBytes);

    const temp: Record<string, number> = {};
    if (D > 1 || (moe && EDP > 1)) temp.gradientBucket = par.bucketBytes;
    if (zero === 3) {
      temp.zero3GatheredWeights = 2 * (layerDense + layerExperts) * w;
      temp.zero3LayerGradients = (layerDense + layerExperts) * gw;
    }
    if (sp) temp.sequenceParallelGather = e * n * h;
    if (moe && EP > 1) temp.expertAllToAll = 2 * e * n * moe.topK * h;
    if (P > 1) temp.pipelineGradientRecv = (e * n * h) / (sp ? T : 1);
    if (stage === P - 1) temp.logitsGradient = (4 * n * model.vocab) / T;
    if (recomputed > 0) temp.recomputedLayer = layerActNoRecompute;
    const temporary = Object.values(temp).reduce((a, x) => a + x, 0);

    const parts: MemoryParts = {
      weightBytes: ds.weightBytes + es.weightBytes,
      gradientBytes: ds.gradientBytes + es.gradientBytes,
      optimizerBytes: ds.optimizerBytes + es.optimizerBytes,
      activationBytes: act.bytes,
      temporaryBytes: temporary,
    };
    const peakBytes = parts.weightBytes + parts.gradientBytes + parts.optimizerBytes + parts.activationBytes + parts.temporaryBytes;
    stages.push({
      stage, ranks: T * D, params: dense + experts, inFlight: act.inFlight, layersPerChunk: lpc, ...parts, peakBytes,
      temporaryBytesByPart: temp,
    });
  }
  let peakStage = 0;
  for (const st of stages) if (st.peakBytes > stages[peakStage]!.peakBytes) peakStage = st.stage;
  return {
    zero, recompute, attention: opts.attention ?? 'flash', virtualStages: V, microbatches: tr.globalBatch / (tr.microBatch * D),
    stages, peakStage, peakBytes: stages[peakStage]!.peakBytes,
  };
}

/** The parts of a stage's memory, largest first (for messages). */
export function largestParts(st: MemoryParts): [keyof MemoryParts, number][] {
  const keys: (keyof MemoryParts)[] = ['weightBytes', 'gradientBytes', 'optimizerBytes', 'activationBytes', 'temporaryBytes'];
  return keys.map((k): [keyof MemoryParts, number] => [k, st[k]]).sort((a, b) => b[1] - a[1]);
}

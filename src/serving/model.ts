/**
 * The model a serving replica runs, as shapes (from a workload description's `model` section), and the memory it
 * takes in HBM: weights and KV cache per GPU of a tensor-parallel group.
 *
 * Per TP rank (T ranks): query/output width hq = h/T; K (or V) width kvd = (g/T KV heads, or 1 when T > g since
 * the KV heads are then replicated) · d, with d = h/a; FFN width f/T. Parameters count the matrices only
 * (attention QKV + output, FFN 2 (GELU) or 3 (SwiGLU) matrices, per expert for MoE, the router, the embedding
 * and an untied LM head, each sharded T ways); biases and norms are under 0.1 % and ignored. The blocks' matrices
 * take w bytes each; the embedding and the LM head take the activations' wa (bf16 in FP8 deployments).
 * KV cache per token per rank: 2 (K and V) · layers · kvd · w bytes.
 */
import { ServingError } from './errors.ts';

export interface ModelShape {
  name: string;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  mlp: 'gelu' | 'swiglu';
  vocab: number;
  /** Precision name (looked up in the device's peak table) and its bytes per element. */
  precision: string;
  bytesPerElement: number;
  /**
   * Precision and bytes of what is not a transformer-block linear layer: the activations between layers (so the
   * TP all-reduces), norms and element-wise kernels, the embedding and the LM head. Default: `precision`. A
   * weight-quantized deployment (FP8 W8A8 as ModelOpt, TensorRT-LLM and vLLM run it) keeps these in bf16.
   */
  activationPrecision?: string;
  activationBytes?: number;
  moe?: { experts: number; topK: number };
}

/** The shapes one TP rank sees. */
export interface RankShapes {
  readonly model: ModelShape;
  readonly tp: number;
  readonly w: number;
  /** Bytes per element of activations, the embedding and the LM head (see ModelShape.activationBytes). */
  readonly wa: number;
  readonly h: number;
  /** Query (and attention output) width per rank. */
  readonly hq: number;
  /** K (or V) width per rank. */
  readonly kvd: number;
  /** FFN width per rank (per expert). */
  readonly fr: number;
  /** FFN matrices: 2 (GELU) or 3 (SwiGLU). */
  readonly mats: number;
  /** Vocabulary columns of the LM head per rank. */
  readonly vr: number;
}

export function rankShapes(model: ModelShape, tp: number): RankShapes {
  if (model.hidden % model.heads !== 0) throw new ServingError(`${model.name}: hidden ${model.hidden} is not a multiple of heads ${model.heads}`);
  if (model.heads % tp !== 0) throw new ServingError(`--tp ${tp}: must divide the model's ${model.heads} attention heads`);
  if (model.ffn % tp !== 0) throw new ServingError(`--tp ${tp}: must divide the model's FFN size ${model.ffn}`);
  const d = model.hidden / model.heads;
  return {
    model,
    tp,
    w: model.bytesPerElement,
    wa: model.activationBytes ?? model.bytesPerElement,
    h: model.hidden,
    hq: model.hidden / tp,
    kvd: (model.kvHeads >= tp ? model.kvHeads / tp : 1) * d,
    fr: model.ffn / tp,
    mats: model.mlp === 'swiglu' ? 3 : 2,
    vr: model.vocab / tp,
  };
}

/** Parameters of the transformer blocks' matrices held by one TP rank. */
export function blockParamsPerRank(s: RankShapes): number {
  const experts = s.model.moe?.experts ?? 1;
  const attn = s.h * (s.hq + 2 * s.kvd) + s.hq * s.h;
  const ffn = experts * s.mats * s.h * s.fr;
  const router = s.model.moe ? s.h * s.model.moe.experts : 0;
  return s.model.layers * (attn + ffn + router);
}

/** Parameters held by one TP rank (matrices only): the blocks, the embedding and the LM head. */
export function paramsPerRank(s: RankShapes): number {
  return blockParamsPerRank(s) + 2 * s.vr * s.h;
}

/** Weight bytes per rank: the blocks at the weight precision, the embedding and the LM head at the activations'. */
export function weightBytesPerRank(s: RankShapes): number {
  return blockParamsPerRank(s) * s.w + 2 * s.vr * s.h * s.wa;
}

/** KV-cache bytes per token on one TP rank: K and V of every layer. */
export function kvBytesPerToken(s: RankShapes): number {
  return 2 * s.model.layers * s.kvd * s.w;
}

export interface MemoryPlan {
  /** HBM per GPU, bytes. */
  gpuMemoryBytes: number;
  /** Fraction of HBM the server may use (vLLM's gpu_memory_utilization). */
  utilization: number;
  weightBytesPerGpu: number;
  kvBytesPerToken: number;
  blockSize: number;
  /** KV blocks of `blockSize` tokens each GPU (so each replica) holds. */
  blocks: number;
  kvBytesPerGpu: number;
}

/**
 * Weight bytes per rank of a pipeline stage holding `s.model.layers` layers: the blocks, plus the embedding on the
 * first stage and the LM head on the last.
 */
export function stageWeightBytes(s: RankShapes, first: boolean, last: boolean): number {
  return blockParamsPerRank(s) * s.w + ((first ? 1 : 0) + (last ? 1 : 0)) * s.vr * s.h * s.wa;
}

/**
 * The KV-cache capacity of a replica: what is left of utilization · HBM after the weights, in whole blocks of
 * `blockSize` tokens (`weights`: a pipeline stage's, stageWeightBytes; default the whole model's). Activations and the CUDA context are not subtracted (vLLM measures them by a profiling run;
 * lower `utilization` to leave room for them). Throws a ServingError when the weights do not fit or leave no block.
 */
export function planMemory(s: RankShapes, gpuMemoryBytes: number, utilization: number, blockSize: number, weights = weightBytesPerRank(s)): MemoryPlan {
  const budget = gpuMemoryBytes * utilization;
  const perToken = kvBytesPerToken(s);
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  if (weights >= budget) {
    throw new ServingError(
      `${s.model.name} does not fit: its weights take ${gb(weights)} per GPU at TP ${s.tp}, more than ${gb(budget)} ` +
        `(${utilization} × ${gb(gpuMemoryBytes)} of HBM); raise --tp, --pp or --gpu-memory-utilization`,
    );
  }
  const blocks = Math.floor((budget - weights) / (perToken * blockSize));
  if (blocks < 1) {
    throw new ServingError(
      `${s.model.name} leaves no room for the KV cache at TP ${s.tp}: weights ${gb(weights)} of ${gb(budget)} usable, ` +
        `one block of ${blockSize} tokens needs ${gb(perToken * blockSize)}; raise --tp, --pp or --gpu-memory-utilization`,
    );
  }
  return {
    gpuMemoryBytes, utilization, weightBytesPerGpu: weights, kvBytesPerToken: perToken, blockSize, blocks,
    kvBytesPerGpu: blocks * blockSize * perToken,
  };
}

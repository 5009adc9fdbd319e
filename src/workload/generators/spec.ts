/**
 * The workload description format (`orrery-workload`, version 1): a transformer model, and a training and/or an
 * inference setup with its parallelism plan. Files live in `workloads/*.json`; io/workloadSpec.ts parses and
 * validates them into these types, and generators/transformer.ts turns them into traces. docs/workloads.md § "Workload
 * descriptions" documents every field.
 */
import type { Precision } from '../trace.ts';

export const WORKLOAD_FORMAT = 'orrery-workload';
export const WORKLOAD_VERSION = 1;

export type MlpKind = 'gelu' | 'swiglu';
export type PipelineSchedule = '1f1b' | 'gpipe';
/** Activation recompute: none; selective (Megatron: only attention's core is recomputed); full (every layer). */
export type Recompute = 'none' | 'selective' | 'full';

/**
 * Compute ops of a training step: `coarse` (one op per attention block and per MLP, FLOPs and bytes for the roofline)
 * or `megatron` (Megatron-LM's kernel list per layer with kernel descriptors; megatron.ts).
 */
export type KernelDetail = 'coarse' | 'megatron';
export type ParallelAxis = 'tp' | 'dp' | 'pp';

export interface MoeSpec {
  /** Experts per MoE layer. */
  experts: number;
  /** Experts each token is routed to. */
  topK: number;
}

export interface ModelSpec {
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`); default `heads`. */
  kvHeads: number;
  /** Feed-forward inner size (per expert for MoE). */
  ffn: number;
  /** `gelu`: two FFN matrices (GPT); `swiglu`: three (gate, up, down; Llama, Mixtral). */
  mlp: MlpKind;
  vocab: number;
  /** Training sequence length (tokens per sample). */
  seq: number;
  precision: Precision;
  /** Every layer's FFN is a mixture of experts when given. */
  moe?: MoeSpec;
  /**
   * The LM head shares the word embedding's matrix (GPT-2/3 and Megatron-LM's GPT; Llama does not): one matrix when
   * one stage holds both, else the first and last pipeline stages all-reduce its gradient after the backward.
   * Default false.
   */
  tiedEmbeddings: boolean;
}

export interface TrainParallel {
  tp: number;
  pp: number;
  dp: number;
  /** Expert parallelism: experts sharded over `ep` data-parallel ranks (divides dp). */
  ep: number;
  /** Megatron sequence parallelism: TP all-reduces become reduce-scatter + all-gather. */
  sp: boolean;
  schedule: PipelineSchedule;
  /** Model chunks per pipeline stage; > 1 is Megatron's interleaved 1F1B. */
  virtualStages: number;
  /** ZeRO stage 0 (plain data parallel), 1, 2 or 3. */
  zero: 0 | 1 | 2 | 3;
  /** Gradient bucket size for the data-parallel reduction, bytes. */
  bucketBytes: number;
  recompute: Recompute;
  /** With recompute full: only the first n layers of each model chunk (Megatron's "block" method); default all. */
  recomputeLayers?: number;
  /**
   * Pipeline sends block the sender's compute until delivered (Megatron-LM before Megatron-core: batch_isend_irecv,
   * req.wait() and torch.cuda.synchronize() in p2p_communication._communicate); default false: sends overlap compute.
   */
  p2pSync: boolean;
  /**
   * Data-parallel gradient buckets reduced as the backward produces them (default true), or all after the stage's
   * last backward (Megatron-LM's LocalDDP before Megatron-core: allreduce_gradients() after forward-backward).
   */
  overlapGradReduce: boolean;
  /** Rank order, innermost (fastest topology dimension) first, e.g. ["tp", "dp", "pp"]. */
  order: ParallelAxis[];
}

export interface TrainingSpec {
  microBatch: number;
  globalBatch: number;
  /** Gradient precision for the data-parallel reduction (default: the model's precision). */
  gradPrecision: Precision;
  /**
   * Unset in a description: the run decides (api/run.ts: megatron under the kernel and table compute models, coarse
   * under roofline, so that the roofline keeps earlier releases' numbers); the generator alone treats unset as coarse.
   */
  kernels?: KernelDetail;
  /** FlashAttention (default true) or unfused attention; only with kernels: megatron. */
  flashAttention: boolean;
  /**
   * Precision of the linear layers' GEMMs (default: the model's): `fp8` as Transformer Engine runs them, with the
   * rest of the layer (attention core, norms, activations) in the model's precision; only with kernels: megatron.
   */
  gemmPrecision: Precision;
  /**
   * Megatron-LM's gradient clipping before the optimizer (default true; kernels: megatron): the L2 norm of the fp32
   * main gradients, its all-reduce over the model-parallel ranks, and the scaling of the gradients.
   */
  clipGrad: boolean;
  parallel: TrainParallel;
}

export interface InferenceSpec {
  /** Sequences decoded together. */
  batch: number;
  /** Prompt tokens per sequence (the prefill). */
  prompt: number;
  /** Tokens generated per sequence (decode steps). */
  decode: number;
  /** Which part to generate. */
  phase: 'prefill' | 'decode' | 'both';
  parallel: { tp: number; dp: number };
}

export interface WorkloadSpec {
  format: typeof WORKLOAD_FORMAT;
  version: typeof WORKLOAD_VERSION;
  name: string;
  description?: string;
  /** Where the model's numbers come from. */
  source?: string;
  /**
   * The cluster the workload was published on, as a `--topology` argument (`dgx-a100:128`): `orrery run
   * --workload NAME` runs on it when no topology is given.
   */
  cluster?: string;
  model: ModelSpec;
  training?: TrainingSpec;
  inference?: InferenceSpec;
}

export const BYTES_PER_ELEMENT: Record<Precision, number> = {
  fp64: 8, fp32: 4, tf32: 4, bf16: 2, fp16: 2, fp8: 1, int8: 1,
};

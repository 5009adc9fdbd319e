/**
 * Pipeline parallelism inside a replica, as vLLM runs it: the model's layers are split over P stages (each a TP
 * group of T GPUs), and the replica runs P "virtual engines", each with its own scheduler, requests and 1/P of the
 * KV blocks (vLLM v0: one Scheduler per virtual engine, each given num_gpu_blocks // pipeline_parallel_size; a new
 * request goes to the virtual engine with the fewest unfinished requests). A virtual engine's batch is a
 * micro-batch: it runs through stage 0, its activations go to stage 1 over the network, and so on; the virtual
 * engine plans its next batch once the last stage has emitted this one's tokens. So up to P micro-batches are in
 * flight, one per stage.
 *
 * `PipelineReplica.issue` times one micro-batch through the stages: stage s starts when the micro-batch has arrived
 * and the stage is free (stages serve micro-batches in the order they were issued, which is the order of their
 * first stage), takes the stage's step time for the batch (its own layers; the embedding on the first stage, the
 * final norm and LM head on the last), and hands over m tokens' activations to the next stage (`sendNs`). Issuing
 * in time order makes this exact for FIFO stages, with no events of its own.
 *
 * Layers per stage: vLLM's even split (get_pp_indices): L // P each, the remainder one more on the last stages.
 */
import { ServingError } from './errors.ts';
import type { BatchShape, StepTimeModel } from './step-time.ts';

/** Layers of each of P stages: ⌊L / P⌋, with the L mod P extra layers on the last stages. */
export function stageLayers(layers: number, stages: number): number[] {
  if (!(Number.isSafeInteger(stages) && stages >= 1)) throw new ServingError(`--pp: expected an integer ≥ 1, got ${stages}`);
  if (stages > layers) throw new ServingError(`--pp ${stages}: more stages than the model's ${layers} layers`);
  const base = Math.floor(layers / stages), extra = layers % stages;
  return Array.from({ length: stages }, (_, s) => base + (s >= stages - extra ? 1 : 0));
}

/** Tokens in a batch (prefill chunks + one per decode): the rows of the activations a stage hands on. */
export function batchTokens(b: BatchShape): number {
  let m = b.decodeKv.length;
  for (const q of b.prefillTokens) m += q;
  return m;
}

export class PipelineReplica {
  /** When each stage is next free, ns. */
  private readonly free: number[];
  /** Micro-batches issued (for tests). */
  issued = 0;

  /**
   * @param stages step time of each stage (its layers only; embedding first, LM head last)
   * @param sendNs ns to move `tokens` tokens' activations from stage s to s + 1 (every GPU to its peer)
   */
  constructor(readonly stages: readonly StepTimeModel[], readonly sendNs: (stage: number, tokens: number) => number) {
    if (stages.length < 1) throw new ServingError('a pipeline needs at least one stage');
    this.free = stages.map(() => 0);
  }

  /** Runs one micro-batch issued at `t` through every stage; returns when its last stage ends (whole ns). */
  issue(t: number, b: BatchShape): number {
    this.issued++;
    const P = this.stages.length;
    const m = P > 1 ? batchTokens(b) : 0;
    let at = t;
    for (let s = 0; s < P; s++) {
      const start = Math.max(at, this.free[s]!);
      const end = start + this.stages[s]!.stepNs(b);
      this.free[s] = end;
      at = s < P - 1 ? end + Math.round(this.sendNs(s, m)) : end;
    }
    return at;
  }
}

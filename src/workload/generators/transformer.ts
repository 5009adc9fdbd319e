/**
 * Transformer workload generator: a training step (training.ts) or an inference step (inference.ts) from a
 * validated WorkloadSpec (spec.ts), as an Orrery trace. The coarse cost model is in shapes.ts, Megatron-LM's kernel
 * list in megatron.ts, pipeline schedules in pipeline.ts, rank layout helpers in layout.ts.
 */
import type { Trace } from '../trace.ts';
import { inference } from './inference.ts';
import { WorkloadError, type GenerateOptions } from './layout.ts';
import type { WorkloadSpec } from './spec.ts';
import { training } from './training.ts';

export { WorkloadError, type GenerateOptions } from './layout.ts';
export { pipelineSchedule, type PipelineStep } from './pipeline.ts';
export { modelParams } from './shapes.ts';

export function generateTrace(spec: WorkloadSpec, opts: GenerateOptions = {}): Trace {
  const mode = opts.mode ?? (spec.training ? 'train' : 'infer');
  if (mode === 'train' && !spec.training) throw new WorkloadError(`${spec.name}: no training section to generate a training step from`);
  if (mode === 'infer' && !spec.inference) throw new WorkloadError(`${spec.name}: no inference section to generate an inference step from`);
  return mode === 'train' ? training(spec, spec.training!, opts) : inference(spec, spec.inference!, opts);
}

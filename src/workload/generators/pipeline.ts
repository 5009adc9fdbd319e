/**
 * Pipeline schedules: the order of forward and backward microbatch steps on one pipeline stage.
 */
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

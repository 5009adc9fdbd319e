/**
 * Validation suite `serving`: published serving throughput (PEERS.md §7, S1-S3) against `orrery serve`'s
 * prediction of it, with no constant fitted on these cases (every case is held out: `inFit: false`).
 *
 * Measured: TensorRT-LLM `docs/source/performance/perf-overview.md`, trtllm-bench, FP8 weights, H100 SXM 80GB,
 * total output tokens/s with requests fed at an infinite rate (all at time 0) of fixed input/output lengths.
 * Modelled as: the workload's shapes with model.precision = fp8 (weights and KV cache 1 B per element; the FP8
 * peak of the H100 preset), one replica of TP T on dgx-h100, all requests at time 0, Sarathi-style mixed batches
 * with a budget of 8,192 tokens per step (trtllm-bench's in-flight batching with max_num_tokens 8192) and at most
 * 2,048 requests per batch, 0.9 of HBM for weights and KV. These settings (and the 3,000 requests per case) are
 * assumptions about trtllm-bench's defaults that this suite could not check against the source in the session that
 * wrote it; the throughput figures are PEERS.md's.
 */
import { runServe, type ServeOptions } from '../serve.ts';
import type { ValidationCase, ValidationSuite } from './types.ts';

const SOURCE = 'TensorRT-LLM docs/source/performance/perf-overview.md (trtllm-bench, FP8, H100 SXM; PEERS.md §7)';

interface ServingCase {
  id: string;
  workload: string;
  tp: number;
  input: number;
  output: number;
  measured: number;
}

/** S1-S3. Llama-3.3-70B has Llama 3 70B's shapes (workloads/llama-70b.json). */
export const SERVING_CASES: ServingCase[] = [
  { id: 'S1/llama-3.1-8b/tp1/128-128', workload: 'llama-3.1-8b', tp: 1, input: 128, output: 128, measured: 28_312 },
  { id: 'S1/llama-3.1-8b/tp1/1000-1000', workload: 'llama-3.1-8b', tp: 1, input: 1000, output: 1000, measured: 15_220 },
  { id: 'S1/llama-3.1-8b/tp1/2048-2048', workload: 'llama-3.1-8b', tp: 1, input: 2048, output: 2048, measured: 9_305 },
  { id: 'S2/llama-3.3-70b/tp2/1000-1000', workload: 'llama-70b', tp: 2, input: 1000, output: 1000, measured: 4_205 },
  { id: 'S2/llama-3.3-70b/tp2/128-2048', workload: 'llama-70b', tp: 2, input: 128, output: 2048, measured: 6_651 },
  { id: 'S3/llama-3.1-405b/tp8/1000-1000', workload: 'llama-3.1-405b', tp: 8, input: 1000, output: 1000, measured: 2_919 },
];

export function servingCaseOptions(c: ServingCase, requests = 3000): ServeOptions {
  return {
    workload: c.workload, set: { 'model.precision': 'fp8' }, topology: 'dgx-h100', device: 'h100', replicas: 1, tp: c.tp,
    scheduler: 'sarathi', chunkSize: 8192, maxBatchSize: 2048, requests, arrival: 'burst',
    promptTokens: String(c.input), outputTokens: String(c.output), seed: 1,
  };
}

export const servingSuite: ValidationSuite = {
  name: 'serving',
  description: 'serving throughput (total output tokens/s) of TensorRT-LLM on H100 against orrery serve (its default kernel step-time model)',
  target: { medianAbsErrorPct: 15, maxAbsErrorPct: 15 },
  run(): ValidationCase[] {
    return SERVING_CASES.map((c) => ({
      id: c.id,
      source: SOURCE,
      unit: 'output tokens/s',
      measured: c.measured,
      predicted: runServe(servingCaseOptions(c)).report.throughputTokensPerS,
      inFit: false,
      group: `h100 fp8 ${c.workload}`,
    }));
  },
};

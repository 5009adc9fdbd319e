/**
 * Validation suite `training`: published end-to-end training throughput (data/validation/training.json) against
 * the step time of the generated Megatron-LM step (`kernels: megatron`) replayed with the shipped presets: the
 * `kernel` compute model on the cluster's device, `--algo auto` (the NCCL-like collective model) and the flow
 * network model for pipeline sends. Nothing is fitted on these cases (every case is held out: `inFit: false`); the
 * kernel constants come from Vidur's kernel profiles and the link figures from the cluster presets.
 *
 * Measured figures are compared in the unit the source publishes:
 * - `megatron-flops` (Narayanan et al. SC'21): achieved TFLOP/s per GPU = F / (step · GPUs) with the paper's
 *   F = 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)) per step (B global batch, s sequence, l layers, h hidden, V vocabulary;
 *   it counts the recompute forward);
 * - `tokens` (Megatron-Bridge): tokens/s per GPU = B·s / (step · GPUs).
 *
 * Every case replays one rank per stage: the data-parallel replicas and the tensor-parallel ranks are folded
 * (training-replica.ts), which keeps the full run's step time to the nanosecond (tests/validate.training.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../io/index.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { runTrace, type RunReport } from '../run.ts';
import { resolveTopology } from '../topology.ts';
import { generateWorkload, loadWorkloadSpec, workloadMemory } from '../workloads.ts';
import { foldReplicas } from './training-replica.ts';
import type { ValidationCase, ValidationSuite } from './types.ts';

export const TRAINING_CASES_FILE = join(PACKAGE_ROOT, 'data', 'validation', 'training.json');

export type TrainingMetric = 'megatron-flops' | 'tokens';

export interface TrainingCase {
  id: string;
  /** Key into the file's `sources`. */
  source: string;
  /** Cluster preset name (`dgx-a100`, `dgx-h100`); nodes = gpus / GPUs per node. */
  cluster: string;
  gpus: number;
  /** An orrery-workload description of the model and the plan (kernels: megatron). */
  workload: Record<string, unknown>;
  measured: number;
  unit: string;
  metric: TrainingMetric;
}

interface TrainingFile {
  sources: Record<string, string>;
  cases: TrainingCase[];
}

export function readTrainingCases(path = TRAINING_CASES_FILE): TrainingFile {
  let doc: TrainingFile;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as TrainingFile;
  } catch (e) {
    throw new InputError(`${path}: cannot read the training validation cases: ${(e as Error).message}`);
  }
  if (!doc || !Array.isArray(doc.cases) || typeof doc.sources !== 'object') throw new InputError(`${path}: expected {"sources": {...}, "cases": [...]}`);
  for (const [i, c] of doc.cases.entries()) {
    const at = `${path}: cases[${i}]`;
    if (typeof c.id !== 'string') throw new InputError(`${at}: field "id": expected a string`);
    if (!(c.source in doc.sources)) throw new InputError(`${at}: field "source": "${c.source}" is not in "sources" (${Object.keys(doc.sources).join(', ')})`);
    if (!Number.isInteger(c.gpus) || c.gpus < 1) throw new InputError(`${at}: field "gpus": expected a positive integer`);
    if (!(typeof c.measured === 'number' && c.measured > 0)) throw new InputError(`${at}: field "measured": expected a positive number`);
    if (c.metric !== 'megatron-flops' && c.metric !== 'tokens') throw new InputError(`${at}: field "metric": expected one of: megatron-flops, tokens`);
  }
  return doc;
}

export interface TrainingRun {
  report: RunReport;
  /** Whether the data-parallel replicas and tensor-parallel ranks were folded (training-replica.ts). */
  folded: boolean;
  /** The predicted figure in the case's unit. */
  predicted: number;
  topology: string;
}

/** Narayanan et al.'s FLOPs per step (with the recompute forward): 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)). */
export function megatronStepFlops(m: { layers: number; hidden: number; vocab: number; seq: number }, globalBatch: number): number {
  const { layers: l, hidden: h, vocab: V, seq: s } = m;
  return 96 * globalBatch * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

/** Replays one case; `fold: false` replays every rank (the tests compare both). */
export function runTrainingCase(c: TrainingCase, opts: { fold?: boolean } = {}): TrainingRun {
  const spec = loadWorkloadSpec(c.workload);
  const tr = spec.training;
  if (!tr) throw new InputError(`${c.id}: the workload has no training section`);
  const cluster = resolveTopology({ topology: `${c.cluster}:1` }).topology;
  const gpn = cluster.dims[0]!.npus;
  if (c.gpus % gpn !== 0) throw new InputError(`${c.id}: ${c.gpus} GPUs are not whole ${c.cluster} nodes of ${gpn}`);
  const topoArg = `${c.cluster}:${c.gpus / gpn}`;
  const topology = resolveTopology({ topology: topoArg }).topology;
  const device = cluster.cluster?.device;
  if (!device) throw new InputError(`${c.id}: cluster ${c.cluster} names no device`);
  const full = generateWorkload(c.workload, { topology: topoArg });
  const fold = (opts.fold ?? true) && tr.parallel.ep === 1 && tr.parallel.tp * tr.parallel.dp > 1;
  const trace = fold ? foldReplicas(full, topology, { tp: true }).trace : full;
  const report = runTrace({ topology, trace, device, compute: 'kernel', algorithms: ['auto'], memory: workloadMemory(c.workload)! });
  const stepS = report.stepTimeNs * 1e-9;
  const predicted = c.metric === 'megatron-flops'
    ? megatronStepFlops(spec.model, tr.globalBatch) / (stepS * c.gpus) / 1e12
    : (tr.globalBatch * spec.model.seq) / (stepS * c.gpus);
  return { report, folded: fold, predicted, topology: topoArg };
}

function groupOf(c: TrainingCase): string {
  return c.source === 'sc21' ? 'a100 gpt (Megatron-LM SC\'21)' : `${c.cluster.replace('dgx-', '')} ${c.source.startsWith('nemo') ? 'llama3 fp8 (Megatron-Bridge 25.11)' : c.source}`;
}

export const trainingSuite: ValidationSuite = {
  name: 'training',
  description: 'end-to-end training throughput of published Megatron-LM / Megatron-Bridge runs (A100: GPT 1.7B-1T, SC\'21 Table 1; H100: Llama 3 8B and 70B FP8) against the generated Megatron step (kernel compute model, NCCL-like collectives)',
  target: { medianAbsErrorPct: 10, maxAbsErrorPct: 10 },
  run(): ValidationCase[] {
    const doc = readTrainingCases();
    return doc.cases.map((c) => {
      const r = runTrainingCase(c);
      return {
        id: c.id,
        source: doc.sources[c.source]!.split('.')[0]!,
        unit: c.unit,
        measured: c.measured,
        predicted: Number(r.predicted.toFixed(2)),
        inFit: false,
        group: groupOf(c),
      };
    });
  },
};

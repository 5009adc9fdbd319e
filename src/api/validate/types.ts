/**
 * The shape every validation suite of `orrery validate` shares: a suite is a named list of cases, each a measured
 * figure from a cited source beside Orrery's prediction of it. Suites live one per file beside this one
 * (compute kernels, end-to-end training, collectives, serving) and are listed in the command's registry.
 */
export interface ValidationCase {
  /** Short, unique within the suite, e.g. `a100/matmul/llama-2-7b/tp1/tokens=512`. */
  id: string;
  /** Where the measured figure comes from: paper, repository and file, or web page. */
  source: string;
  /** The unit of `measured` and `predicted`, e.g. `ms`, `us`, `TFLOP/s per GPU`, `tokens/s`. */
  unit: string;
  measured: number;
  predicted: number;
  /** Whether this case was in the data a constant was fitted on (leave-one-out cases say false). */
  inFit: boolean;
  /** Grouping for the summary (e.g. device and kernel kind: `a100 matmul`). */
  group: string;
  /**
   * How far apart the measurement's own repeated runs are, (slowest − fastest) / median in %, when the source gives
   * its runs (the collectives suite's Vidur cases: three runs per size).
   */
  noisePct?: number;
}

export interface ValidationSummary {
  group: string;
  cases: number;
  medianAbsErrorPct: number;
  p90AbsErrorPct: number;
  maxAbsErrorPct: number;
  /** Median of the cases' `noisePct`, when they carry one. */
  noisePct?: number;
}

export interface ValidationSuite {
  /** The name users pass to `orrery validate --suite NAME`. */
  name: string;
  description: string;
  /** What "within target" means for this suite, e.g. median |error| <= 8 %, p90 <= 20 %. */
  target: { medianAbsErrorPct: number; p90AbsErrorPct?: number; maxAbsErrorPct?: number };
  run(): ValidationCase[] | Promise<ValidationCase[]>;
}

/** Signed relative error of a prediction in percent: 100 * (predicted - measured) / measured. */
export function errorPct(c: Pick<ValidationCase, 'measured' | 'predicted'>): number {
  return (100 * (c.predicted - c.measured)) / c.measured;
}

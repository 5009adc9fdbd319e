/**
 * Serving metrics from a simulation's per-request record.
 *
 * - TTFT: first token − arrival (includes queueing). TBT: every gap between consecutive tokens of a request,
 *   pooled over all requests (so token-weighted). TPOT per request: (last token − first token) / (output − 1),
 *   for requests with more than one output token. E2E: last token − arrival.
 * - Percentiles are nearest-rank: the p-th of n sorted values is the ⌈p·n/100⌉-th (1-based); max is the largest.
 * - Throughput over the run's span, first arrival to last token: output tokens / span, requests / span.
 * - SLO: a request meets it when its TTFT ≤ ttft, its largest TBT ≤ tbt, its TPOT ≤ tpot and its E2E ≤ e2e (each
 *   only when given). Attainment = fraction meeting it; goodput = requests meeting it / span (DistServe's
 *   definition).
 * - KV utilization: time-averaged fraction of blocks in use over [0, last token], mean over replicas, and the
 *   peak fraction on any replica. Batch size: requests in a step's batch (static batching's padding counted).
 */
import type { Seq } from './replica.ts';
import type { ServeSimResult } from './simulator.ts';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Slo {
  ttftNs?: number;
  tbtNs?: number;
  tpotNs?: number;
  e2eNs?: number;
}

export interface ServeMetrics {
  requests: number;
  promptTokens: number;
  outputTokens: number;
  /** First arrival to last token, ns. */
  spanNs: number;
  throughputTokensPerS: number;
  throughputRequestsPerS: number;
  ttftNs: Percentiles;
  tbtNs: Percentiles;
  tpotNs: Percentiles;
  e2eNs: Percentiles;
  slo?: Slo & { attainment: number; goodputRequestsPerS: number };
  kv: { blocksPerReplica: number; meanUtilization: number; peakUtilization: number };
  preemptions: number;
  steps: number;
  batchSize: { mean: number; p50: number; p90: number; p99: number; max: number };
  events: number;
}

/** Whether one request meets the SLO (see above). */
export function meetsSlo(s: Seq, slo: Slo): boolean {
  const ttft = s.firstTokenNs - s.req.arrivalNs;
  const tpot = s.req.outputTokens > 1 ? (s.doneNs - s.firstTokenNs) / (s.req.outputTokens - 1) : undefined;
  return (slo.ttftNs === undefined || ttft <= slo.ttftNs)
    && (slo.tbtNs === undefined || s.maxTbtNs <= slo.tbtNs)
    && (slo.tpotNs === undefined || tpot === undefined || tpot <= slo.tpotNs)
    && (slo.e2eNs === undefined || s.doneNs - s.req.arrivalNs <= slo.e2eNs);
}

/**
 * Puts the k-th smallest of a[lo..hi] at index k, smaller ones before it and larger ones after (quickselect with a
 * median-of-three pivot): O(n), where sorting millions of TBT gaps took most of the metrics' time.
 */
function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three to a[mid]
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Nearest-rank percentiles of values (reordered in place). All zero when there are none. */
export function percentiles(values: Float64Array): Percentiles {
  const n = values.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const rank = (p: number) => Math.max(0, Math.ceil((p * n) / 100) - 1);
  const [k50, k90, k99] = [rank(50), rank(90), rank(99)];
  let max = values[0]!;
  for (let i = 1; i < n; i++) if (values[i]! > max) max = values[i]!;
  select(values, k99, 0, n - 1);
  select(values, k90, 0, k99);
  select(values, k50, 0, k90);
  return { p50: values[k50]!, p90: values[k90]!, p99: values[k99]!, max };
}

/** Nearest-rank percentile of a histogram (counts[k] = how many times the value k occurs). */
function histPercentile(counts: readonly number[], total: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p * total) / 100));
  let acc = 0;
  for (let k = 0; k < counts.length; k++) {
    acc += counts[k]!;
    if (acc >= rank) return k;
  }
  return counts.length - 1;
}

export function serveMetrics(res: ServeSimResult, slo?: Slo): ServeMetrics {
  const n = res.seqs.length;
  const ttft = new Float64Array(n), e2e = new Float64Array(n);
  const tpot = new Float64Array(n);
  let nt = 0;
  let promptTokens = 0, outputTokens = 0, met = 0;
  let first = Infinity;
  for (let i = 0; i < n; i++) {
    const s = res.seqs[i]!;
    const a = s.req.arrivalNs;
    first = Math.min(first, a);
    ttft[i] = s.firstTokenNs - a;
    e2e[i] = s.doneNs - a;
    promptTokens += s.req.promptTokens;
    outputTokens += s.req.outputTokens;
    const tp = s.req.outputTokens > 1 ? (s.doneNs - s.firstTokenNs) / (s.req.outputTokens - 1) : undefined;
    if (tp !== undefined) tpot[nt++] = tp;
    if (slo && meetsSlo(s, slo)) met++;
  }
  const spanNs = n > 0 ? res.endNs - first : 0;
  const perS = (x: number) => (spanNs > 0 ? (x * 1e9) / spanNs : 0);
  const counts = res.batchSizeCounts;
  let weighted = 0;
  counts.forEach((c, k) => (weighted += c * k));
  const util = res.kv.meanUtilization;
  const m: ServeMetrics = {
    requests: n,
    promptTokens,
    outputTokens,
    spanNs,
    throughputTokensPerS: perS(outputTokens),
    throughputRequestsPerS: perS(n),
    ttftNs: percentiles(ttft),
    tbtNs: percentiles(res.tbtNs.slice()),
    tpotNs: percentiles(tpot.subarray(0, nt)),
    e2eNs: percentiles(e2e),
    kv: {
      blocksPerReplica: res.kv.blocksPerReplica,
      meanUtilization: util.length > 0 ? util.reduce((a, b) => a + b, 0) / util.length : 0,
      peakUtilization: Math.max(0, ...res.kv.peakBlocks) / Math.max(1, res.kv.blocksPerReplica),
    },
    preemptions: res.preemptions,
    steps: res.steps,
    batchSize: {
      mean: res.steps > 0 ? weighted / res.steps : 0,
      p50: histPercentile(counts, res.steps, 50),
      p90: histPercentile(counts, res.steps, 90),
      p99: histPercentile(counts, res.steps, 99),
      max: counts.length - 1,
    },
    events: res.events,
  };
  if (slo) m.slo = { ...slo, attainment: n > 0 ? met / n : 0, goodputRequestsPerS: perS(met) };
  return m;
}

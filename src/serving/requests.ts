/**
 * Requests: what arrives (prompt and output token counts) and when. Synthetic streams are drawn here from seeded
 * streams (engine/rng.ts); trace files are parsed in io/ and arrive as the same `Request` records.
 *
 * Arrivals: `poisson` (exponential gaps of mean 1/QPS), `gamma` (gaps Gamma(k, θ) with mean 1/QPS and coefficient
 * of variation cv, so k = 1/cv², θ = 1/(QPS·k); cv 1 is Poisson, above 1 burstier), or `burst` (all at time 0).
 * Lengths: `fixed` n, `uniform` lo..hi (integers, inclusive), `zipf` over 1..max with exponent s (rank r drawn with
 * probability ∝ r^−s: short lengths common, long ones rare).
 */
import { createRng, type Rng } from '../engine/index.ts';
import { ServingError } from './errors.ts';

export interface Request {
  /** 0-based, in arrival order. */
  id: number;
  arrivalNs: number;
  promptTokens: number;
  outputTokens: number;
}

export type ArrivalSpec =
  | { kind: 'poisson'; qps: number }
  | { kind: 'gamma'; qps: number; cv: number }
  | { kind: 'burst' };

export type LengthSpec =
  | { kind: 'fixed'; tokens: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'zipf'; max: number; s: number };

export const ARRIVAL_KINDS = ['poisson', 'gamma', 'burst'] as const;
export const LENGTH_KINDS = ['fixed', 'uniform', 'zipf'] as const;

/** Gamma(k, 1) by Marsaglia and Tsang (k < 1 boosted by U^(1/k)). */
function gamma(rng: Rng, k: number): number {
  if (k < 1) return gamma(rng, k + 1) * Math.pow(1 - rng.next(), 1 / k);
  const d = k - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal(0, 1);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Gap to the next arrival in ns (rounded once, here). */
function nextGapNs(rng: Rng, a: ArrivalSpec): number {
  if (a.kind === 'burst') return 0;
  const mean = 1e9 / a.qps;
  if (a.kind === 'poisson') return Math.round(-Math.log(1 - rng.next()) * mean);
  const k = 1 / (a.cv * a.cv);
  return Math.round(gamma(rng, k) * (mean / k));
}

/** A length sampler: fixed, uniform, or Zipf (inverse CDF over a precomputed table). */
function lengthSampler(rng: Rng, l: LengthSpec, what: string): () => number {
  if (l.kind === 'fixed') {
    if (!(Number.isSafeInteger(l.tokens) && l.tokens >= 1)) throw new ServingError(`${what}: expected a token count ≥ 1, got ${l.tokens}`);
    return () => l.tokens;
  }
  if (l.kind === 'uniform') {
    if (!(Number.isSafeInteger(l.min) && Number.isSafeInteger(l.max) && l.min >= 1 && l.max >= l.min)) {
      throw new ServingError(`${what}: expected uniform:MIN-MAX with 1 ≤ MIN ≤ MAX, got ${l.min}-${l.max}`);
    }
    return () => l.min + rng.int(l.max - l.min + 1);
  }
  if (!(Number.isSafeInteger(l.max) && l.max >= 1 && l.s > 0)) throw new ServingError(`${what}: expected zipf:MAX:S with MAX ≥ 1 and S > 0`);
  const cdf = new Float64Array(l.max);
  let acc = 0;
  for (let r = 1; r <= l.max; r++) cdf[r - 1] = acc += Math.pow(r, -l.s);
  return () => {
    const u = rng.next() * acc;
    let lo = 0, hi = l.max - 1; // first index with cdf > u
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  };
}

export interface SyntheticSpec {
  count: number;
  arrival: ArrivalSpec;
  prompt: LengthSpec;
  output: LengthSpec;
  seed: number | string;
}

/** N synthetic requests; the first arrives at time 0. Arrivals, prompt and output lengths use separate streams. */
export function syntheticRequests(spec: SyntheticSpec): Request[] {
  if (!(Number.isSafeInteger(spec.count) && spec.count >= 1)) throw new ServingError(`--requests: expected a count ≥ 1, got ${spec.count}`);
  const a = spec.arrival;
  if (a.kind !== 'burst' && !(a.qps > 0 && Number.isFinite(a.qps))) throw new ServingError(`--qps: expected a positive rate, got ${a.qps}`);
  if (a.kind === 'gamma' && !(a.cv > 0 && Number.isFinite(a.cv))) throw new ServingError(`--arrival gamma: expected a positive cv, got ${a.cv}`);
  const arrivals = createRng(spec.seed, 'serve/arrivals');
  const prompt = lengthSampler(createRng(spec.seed, 'serve/prompt'), spec.prompt, '--prompt-tokens');
  const output = lengthSampler(createRng(spec.seed, 'serve/output'), spec.output, '--output-tokens');
  const out: Request[] = [];
  let t = 0;
  for (let id = 0; id < spec.count; id++) {
    if (id > 0) t += nextGapNs(arrivals, a);
    out.push({ id, arrivalNs: t, promptTokens: prompt(), outputTokens: output() });
  }
  return out;
}

/**
 * Trace records to requests: the first `count` (all when undefined; more than the trace has is an error), arrival order (stable for equal times), ids
 * renumbered. Records without arrival times (`arrivalNs` undefined) get synthetic arrivals from `arrival`;
 * with `arrival` given, the trace's times are replaced too (the trace then only supplies lengths).
 */
export function traceRequests(
  records: readonly { arrivalNs?: number; promptTokens: number; outputTokens: number }[],
  opts: { count?: number; arrival?: ArrivalSpec; seed: number | string; source: string },
): Request[] {
  if (records.length === 0) throw new ServingError(`${opts.source}: no requests`);
  if (opts.count !== undefined && opts.count > records.length) {
    throw new ServingError(`--requests ${opts.count}: ${opts.source} has only ${records.length} requests`);
  }
  const n = opts.count ?? records.length;
  const rows = records.slice(0, n);
  const synthetic = opts.arrival !== undefined || rows.some((r) => r.arrivalNs === undefined);
  if (synthetic && opts.arrival === undefined) {
    throw new ServingError(`${opts.source}: has no arrival times; give --qps (or --arrival burst) to draw them`);
  }
  const rng = createRng(opts.seed, 'serve/arrivals');
  let t = 0;
  const out = rows.map((r, i) => {
    if (synthetic && i > 0) t += nextGapNs(rng, opts.arrival!);
    return { id: i, arrivalNs: synthetic ? t : r.arrivalNs!, promptTokens: r.promptTokens, outputTokens: r.outputTokens };
  });
  const order = out.map((_, i) => i).sort((a, b) => out[a]!.arrivalNs - out[b]!.arrivalNs || a - b);
  return order.map((i, k) => ({ ...out[i]!, id: k }));
}

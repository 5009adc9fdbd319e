/**
 * What measured collectives allow a model to reach: the repeatability of the measurements themselves and the least
 * error a deterministic model of (configuration, size) can have on them. Used by scripts/collectives-bound.mts on
 * Vidur's network profiles (docs/collectives-nccl.md, "What the data allows"); pure arithmetic on points, no model.
 *
 * Vidur times three runs per size and reports min, median, max (and mean, std) of them: min, median and max are the
 * three runs. Every figure here works in ln(time): a residual r = ln(predicted) − ln(measured) is an error of
 * exp(r) − 1, the validation's (predicted − measured) / measured.
 *
 * A *regime* is the (algorithm, protocol) the model (NCCL's tuner) picks for a size; inside one regime time is
 * latency + bytes / bandwidth, so every physical model of it is non-decreasing in size there.
 */

export interface RunPoint {
  bytes: number;
  /** Fastest, median and slowest of the measured runs, ns. */
  minNs: number;
  medianNs: number;
  maxNs: number;
  /** The model's (algorithm, protocol) at this size, e.g. `ring/LL128`. */
  regime: string;
}

/** (max − min) / median of one size's runs: how far apart its runs are. */
export function runSpread(p: Pick<RunPoint, 'minNs' | 'medianNs' | 'maxNs'>): number {
  return (p.maxNs - p.minNs) / p.medianNs;
}

/** Whether one of the size's runs lies more than `frac` from their median (max > (1 + frac) × median or min < (1 − frac) × median). */
export function spansBeyond(p: Pick<RunPoint, 'minNs' | 'medianNs' | 'maxNs'>, frac: number): boolean {
  return p.maxNs > (1 + frac) * p.medianNs || p.minNs < (1 - frac) * p.medianNs;
}

/**
 * Expected |ln(m* / median)| where m* is the median of three runs redrawn with replacement from the three measured
 * (a bootstrap of the reported median): m* is the fastest run when at least two of the three draws are it,
 * probability 3 × (1/3)² × (2/3) + (1/3)³ = 7/27, the slowest likewise, else the median.
 */
export function resampleNoise(p: Pick<RunPoint, 'minNs' | 'medianNs' | 'maxNs'>): number {
  return (7 / 27) * (Math.abs(Math.log(p.minNs / p.medianNs)) + Math.abs(Math.log(p.maxNs / p.medianNs)));
}

/** Median (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile by nearest rank, as `orrery validate` summarises (q = 0.5 of an even count: the lower middle). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** |error| in % of a ln residual: |exp(r) − 1| × 100. */
export function absErrPct(r: number): number {
  return Math.abs(Math.expm1(r)) * 100;
}

/**
 * The non-decreasing sequence f closest to y in sum |y − f| (L1 isotonic regression), exactly, by dynamic
 * programming over the candidate levels (an optimal f takes only values of y): cost(i, v) = |y_i − v| +
 * min over u ≤ v of cost(i − 1, u). Ties go to the lowest level. O(n²); n is a few dozen here.
 */
export function isotonicL1(y: readonly number[]): number[] {
  const n = y.length;
  if (n === 0) return [];
  const levels = [...new Set(y)].sort((a, b) => a - b);
  const k = levels.length;
  // best[i][j]: least cost of y[0..i] with f_i <= levels[j]; arg[i][j]: the level index reaching it
  const best: Float64Array[] = [];
  const arg: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const b = new Float64Array(k);
    const a = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const c = Math.abs(y[i]! - levels[j]!) + (i > 0 ? best[i - 1]![j]! : 0);
      if (j > 0 && b[j - 1]! <= c) { b[j] = b[j - 1]!; a[j] = a[j - 1]!; } else { b[j] = c; a[j] = j; }
    }
    best.push(b);
    arg.push(a);
  }
  const f = new Array<number>(n);
  let j = arg[n - 1]![k - 1]!;
  for (let i = n - 1; i >= 0; i--) {
    f[i] = levels[j]!;
    if (i > 0) j = arg[i - 1]![j]!;
  }
  return f;
}

/**
 * Each point predicted from its neighbours alone, linearly in (x, y) (x = ln size, y = ln time: a power law through
 * them): inside, the line through the nearest point on each side with a different x; at an end, the line through
 * the next two (extrapolated). Undefined when there are not two such points. A model-free held-out smoother.
 */
export function neighbourInterp(x: readonly number[], y: readonly number[]): (number | undefined)[] {
  const n = x.length;
  const line = (i: number, j: number, at: number) => y[i]! + ((y[j]! - y[i]!) * (at - x[i]!)) / (x[j]! - x[i]!);
  return x.map((xi, i) => {
    let lo = i - 1;
    while (lo >= 0 && x[lo]! === xi) lo--;
    let hi = i + 1;
    while (hi < n && x[hi]! === xi) hi++;
    if (lo >= 0 && hi < n) return line(lo, hi, xi);
    if (hi < n) {
      let h2 = hi + 1;
      while (h2 < n && x[h2]! === x[hi]!) h2++;
      return h2 < n ? line(hi, h2, xi) : undefined;
    }
    if (lo >= 0) {
      let l2 = lo - 1;
      while (l2 >= 0 && x[l2]! === x[lo]!) l2--;
      return l2 >= 0 ? line(l2, lo, xi) : undefined;
    }
    return undefined;
  });
}

/** Theil–Sen line through (x, y): slope the median of the pairwise slopes (pairs with different x), intercept the median of y − slope × x. */
export function theilSen(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) if (x[j] !== x[i]) slopes.push((y[j]! - y[i]!) / (x[j]! - x[i]!));
  const slope = slopes.length > 0 ? median(slopes) : 0;
  return { slope, intercept: median(y.map((v, i) => v - slope * x[i]!)) };
}

/** Index ranges [start, end) of the runs of equal regime, points in size order. */
export function regimeSegments(points: readonly Pick<RunPoint, 'regime'>[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points.length;) {
    let j = i + 1;
    while (j < points.length && points[j]!.regime === points[i]!.regime) j++;
    out.push([i, j]);
    i = j;
  }
  return out;
}

/** Per point of one configuration's series (sorted by size): what the data alone says about it. */
export interface SeriesBound {
  spread: number[];
  resample: number[];
  /** ln residual of the neighbour interpolation inside the point's regime segment (undefined: too few points there). */
  neighbour: (number | undefined)[];
  /** ln residual of the L1 isotonic fit inside the point's regime segment (the least sum |residual| of any model non-decreasing in size there). */
  isotonic: number[];
}

const sortBySize = <T extends Pick<RunPoint, 'bytes'>>(ps: readonly T[]) => [...ps].sort((a, b) => a.bytes - b.bytes);

export function seriesBound(points: readonly RunPoint[]): SeriesBound {
  const ps = sortBySize(points);
  const neighbour = new Array<number | undefined>(ps.length).fill(undefined);
  const isotonic = new Array<number>(ps.length).fill(0);
  for (const [a, b] of regimeSegments(ps)) {
    const seg = ps.slice(a, b);
    const x = seg.map((p) => Math.log(p.bytes));
    const y = seg.map((p) => Math.log(p.medianNs));
    neighbourInterp(x, y).forEach((v, i) => { neighbour[a + i] = v === undefined ? undefined : v - y[i]!; });
    isotonicL1(y).forEach((v, i) => { isotonic[a + i] = v - y[i]!; });
  }
  return { spread: ps.map(runSpread), resample: ps.map(resampleNoise), neighbour, isotonic };
}

/**
 * For each point of `at`, its distance from the local trend of a dense series of the same configuration measured
 * at many more sizes (`dense`, regimes labelled the same way): a Theil–Sen line in (ln size, ln time) through up to
 * `k` dense points on each side, in the same regime with no regime change between them and the point, the point's
 * own size excluded. Residual = ln(trend) − ln(measured); undefined with fewer than 4 such points. What a model
 * that follows the measured trend exactly would miss the point by.
 */
export function trendResiduals(at: readonly RunPoint[], dense: readonly RunPoint[], k: number): (number | undefined)[] {
  const ds = sortBySize(dense);
  return at.map((p) => {
    const below: RunPoint[] = [];
    for (let i = upperBound(ds, p.bytes - 1) - 1; i >= 0 && below.length < k; i--) {
      if (ds[i]!.regime !== p.regime) break;
      if (ds[i]!.bytes !== p.bytes) below.push(ds[i]!);
    }
    const above: RunPoint[] = [];
    for (let i = upperBound(ds, p.bytes); i < ds.length && above.length < k; i++) {
      if (ds[i]!.regime !== p.regime) break;
      above.push(ds[i]!);
    }
    const near = [...below, ...above];
    if (near.length < 4) return undefined;
    const { slope, intercept } = theilSen(near.map((d) => Math.log(d.bytes)), near.map((d) => Math.log(d.medianNs)));
    return intercept + slope * Math.log(p.bytes) - Math.log(p.medianNs);
  });
}

/** Index of the first point with bytes > b (points sorted by size). */
function upperBound(ds: readonly RunPoint[], b: number): number {
  let lo = 0;
  let hi = ds.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (ds[m]!.bytes <= b) lo = m + 1; else hi = m;
  }
  return lo;
}

/** Fraction of neighbouring sizes (points in size order, same regime, different sizes) where the larger is faster by more than `frac`. */
export function dropFraction(points: readonly RunPoint[], frac: number): { drops: number; pairs: number } {
  const ps = sortBySize(points);
  let drops = 0;
  let pairs = 0;
  for (let i = 1; i < ps.length; i++) {
    if (ps[i]!.regime !== ps[i - 1]!.regime || ps[i]!.bytes === ps[i - 1]!.bytes) continue;
    pairs++;
    if (ps[i]!.medianNs < (1 - frac) * ps[i - 1]!.medianNs) drops++;
  }
  return { drops, pairs };
}

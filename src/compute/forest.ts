/**
 * A small regression forest (random forest of CART regression trees, Breiman 2001), the learner of the `table`
 * compute model (table.ts), as Vidur fits random forests on its profiles and nn-Meter on its kernel measurements.
 *
 * - Each tree is grown on a bootstrap sample (n draws with replacement) of the rows; at each node a random subset of
 *   `featuresPerSplit` features is tried and the split that most reduces the squared error is kept; a node stops
 *   splitting at `maxDepth`, or when a split would leave fewer than `minLeaf` rows on a side. A leaf predicts the
 *   mean target of its rows; the forest, the mean of its trees.
 * - Splits are searched on histograms: each feature is cut once, before any tree, at up to `bins` − 1 quantile
 *   thresholds of its values (as LightGBM / XGBoost's `hist` method), so a node costs O(rows · features tried).
 *   A split sends x ≤ threshold left.
 * - Deterministic: every random draw comes from seedrandom seeded with `seed`; same rows and options give the same
 *   forest and the same predictions, byte for byte.
 */
import seedrandom from 'seedrandom';

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  minLeaf: number;
  /** Histogram bins per feature (at most 256). */
  bins: number;
  /** Features tried at each split (default: all). */
  featuresPerSplit?: number;
  seed: string;
}

/**
 * The table model's settings: 24 trees, depth 12, at least 20 rows per leaf, 64 bins, all features tried at each
 * split. Chosen among a handful (leaves of 3, 20 or 40 rows; depth 8 or 12; 24 or 48 trees; 3 or all features) on
 * the leave-one-model-out validation of the Vidur profiles, where they differ by under one point of median error;
 * 20-row leaves smooth the profiles' 1 µs timer resolution.
 */
export const DEFAULT_FOREST: ForestOptions = { trees: 24, maxDepth: 12, minLeaf: 20, bins: 64, seed: 'orrery-table' };

interface Tree {
  /** Per node: the feature split on (−1: a leaf), its threshold, the children and (leaves) the value. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

/** Up to bins − 1 thresholds between distinct values, at quantiles of the values. */
function cutPoints(values: readonly number[], bins: number): number[] {
  const u = [...new Set(values)].sort((a, b) => a - b);
  if (u.length <= bins) return u.slice(0, -1).map((v, i) => (v + u[i + 1]!) / 2);
  const cuts: number[] = [];
  for (let b = 1; b < bins; b++) {
    const i = Math.floor((b * u.length) / bins);
    const c = (u[i - 1]! + u[i]!) / 2;
    if (cuts.length === 0 || c > cuts[cuts.length - 1]!) cuts.push(c);
  }
  return cuts;
}

function binOf(cuts: readonly number[], v: number): number {
  let lo = 0, hi = cuts.length; // first cut ≥ v
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class RegressionForest {
  private constructor(private readonly trees: Tree[], readonly features: number) {}

  /** Fits a forest on rows X (n x features) and targets y. */
  static fit(X: readonly (readonly number[])[], y: readonly number[], options: Partial<ForestOptions> = {}): RegressionForest {
    const o = { ...DEFAULT_FOREST, ...options };
    const n = X.length, p = X[0]?.length ?? 0;
    if (n === 0 || p === 0 || y.length !== n) throw new Error(`forest: need rows with features and one target each (rows ${n}, targets ${y.length})`);
    const cuts = Array.from({ length: p }, (_, f) => cutPoints(X.map((r) => r[f]!), Math.min(256, o.bins)));
    const binned = Array.from({ length: p }, (_, f) => Uint8Array.from(X, (r) => binOf(cuts[f]!, r[f]!)));
    const rng = seedrandom(o.seed);
    const mtry = Math.max(1, Math.min(p, o.featuresPerSplit ?? p));
    const trees: Tree[] = [];
    for (let t = 0; t < o.trees; t++) {
      const rows = Int32Array.from({ length: n }, () => Math.floor(rng() * n));
      trees.push(grow(rows, y, binned, cuts, o, mtry, rng));
    }
    return new RegressionForest(trees, p);
  }

  predict(x: readonly number[]): number {
    let s = 0;
    for (const t of this.trees) {
      let i = 0;
      while (t.feature[i]! >= 0) i = x[t.feature[i]!]! <= t.threshold[i]! ? t.left[i]! : t.right[i]!;
      s += t.value[i]!;
    }
    return s / this.trees.length;
  }
}

function grow(rows: Int32Array, y: readonly number[], binned: Uint8Array[], cuts: number[][], o: ForestOptions, mtry: number, rng: () => number): Tree {
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const p = binned.length;
  const sum = new Float64Array(256), cnt = new Int32Array(256);
  const node = (idx: Int32Array, depth: number): number => {
    const id = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1);
    let total = 0;
    for (const r of idx) total += y[r]!;
    value.push(total / idx.length);
    if (depth >= o.maxDepth || idx.length < 2 * o.minLeaf) return id;
    // the features to try: a partial Fisher-Yates shuffle drawn from the seeded generator
    const order = Array.from({ length: p }, (_, i) => i);
    for (let i = 0; i < mtry; i++) {
      const j = i + Math.floor(rng() * (p - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let best = { gain: 1e-12, f: -1, bin: -1 };
    const base = (total * total) / idx.length;
    for (let a = 0; a < mtry; a++) {
      const f = order[a]!, nb = cuts[f]!.length + 1, col = binned[f]!;
      sum.fill(0, 0, nb); cnt.fill(0, 0, nb);
      for (const r of idx) { sum[col[r]!]! += y[r]!; cnt[col[r]!]!++; }
      let ls = 0, lc = 0;
      for (let b = 0; b < nb - 1; b++) {
        ls += sum[b]!; lc += cnt[b]!;
        const rc = idx.length - lc;
        if (lc < o.minLeaf) continue;
        if (rc < o.minLeaf) break;
        const rs = total - ls;
        const gain = (ls * ls) / lc + (rs * rs) / rc - base; // reduction of the squared error
        if (gain > best.gain) best = { gain, f, bin: b };
      }
    }
    if (best.f < 0) return id;
    const col = binned[best.f]!;
    const l = idx.filter((r) => col[r]! <= best.bin), rr = idx.filter((r) => col[r]! > best.bin);
    feature[id] = best.f;
    threshold[id] = cuts[best.f]![best.bin]!;
    left[id] = node(l, depth + 1);
    right[id] = node(rr, depth + 1);
    return id;
  };
  node(rows, 0);
  return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
}

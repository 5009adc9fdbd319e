// The regression forest behind the `table` compute model (src/compute/forest.ts): it learns what the data say, on
// small made-up sets whose answer is known, and is deterministic for a seed.
import { describe, expect, it } from 'vitest';
import { RegressionForest } from '../src/compute/index.ts';

describe('regression forest', () => {
  it('learns a step exactly: the best first split is at the step and leaves are pure', () => {
    // y = 0 for x < 0.5, 1 above (200 points); every tree splits at the step (the largest squared-error reduction)
    // and stops there (no split of a pure node gains anything), so the forest predicts exactly 0 and 1
    const X = Array.from({ length: 200 }, (_, i) => [i / 200]);
    const y = X.map(([x]) => (x! < 0.5 ? 0 : 1));
    const f = RegressionForest.fit(X, y, { seed: 's' });
    expect(f.predict([0.2])).toBe(0);
    expect(f.predict([0.8])).toBe(1);
  });

  it('uses the feature that matters and ignores one that does not', () => {
    // y = 10·[x1 > 0.5] with x0 noise: predictions follow x1 whatever x0
    const X = Array.from({ length: 400 }, (_, i) => [(i * 7919) % 400 / 400, i / 400]);
    const y = X.map((r) => (r[1]! > 0.5 ? 10 : 0));
    const f = RegressionForest.fit(X, y, { seed: 's' });
    expect(f.predict([0.1, 0.9])).toBe(10);
    expect(f.predict([0.9, 0.1])).toBe(0);
  });

  it('same rows and seed: the same predictions, byte for byte; another seed draws other bootstraps', () => {
    const X = Array.from({ length: 300 }, (_, i) => [Math.sin(i), Math.cos(i * 3)]);
    const y = X.map((r, i) => r[0]! * 2 + r[1]! + ((i * 37) % 11) / 11);
    const a = RegressionForest.fit(X, y, { seed: 'one' }), b = RegressionForest.fit(X, y, { seed: 'one' }), c = RegressionForest.fit(X, y, { seed: 'two' });
    const probe = [[0.1, 0.2], [-0.5, 0.7], [0.9, -0.9]];
    expect(probe.map((p) => a.predict(p))).toEqual(probe.map((p) => b.predict(p)));
    expect(probe.map((p) => a.predict(p))).not.toEqual(probe.map((p) => c.predict(p)));
  });

  it('refuses an empty or ragged training set with one clear message', () => {
    expect(() => RegressionForest.fit([], [])).toThrow(/forest: need rows with features and one target each \(rows 0, targets 0\)/);
    expect(() => RegressionForest.fit([[1], [2]], [1])).toThrow(/rows 2, targets 1/);
  });
});

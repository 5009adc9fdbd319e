// The arithmetic of "what the data allows" (src/api/validate/collectives-bound.ts) on small synthetic cases whose
// answers are worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import {
  absErrPct, dropFraction, isotonicL1, neighbourInterp, regimeSegments, resampleNoise, runSpread, seriesBound, spansBeyond,
  theilSen, trendResiduals, type RunPoint,
} from '../src/api/validate/collectives-bound.ts';
import { parseVidurNetworkCsv } from '../src/io/index.ts';

const pt = (bytes: number, medianNs: number, regime = 'A', minNs = medianNs, maxNs = medianNs): RunPoint => ({ bytes, minNs, medianNs, maxNs, regime });

describe('repeatability of one size', () => {
  it('spread, ±25 % and the resampled median', () => {
    // runs 0.8, 1, 1.3: (1.3 − 0.8) / 1 = 0.5; 1.3 > 1.25 × 1, so a run lies beyond ±25 %
    expect(runSpread({ minNs: 0.8, medianNs: 1, maxNs: 1.3 })).toBeCloseTo(0.5, 12);
    expect(spansBeyond({ minNs: 0.8, medianNs: 1, maxNs: 1.3 }, 0.25)).toBe(true);
    expect(spansBeyond({ minNs: 0.8, medianNs: 1, maxNs: 1.2 }, 0.25)).toBe(false);
    expect(spansBeyond({ minNs: 0.7, medianNs: 1, maxNs: 1 }, 0.25)).toBe(true);
    // each extreme is the median of three redrawn runs with probability 7/27: 7/27 × (0.27 + 0.54) = 0.21
    expect(resampleNoise({ minNs: Math.exp(-0.27), medianNs: 1, maxNs: Math.exp(0.54) })).toBeCloseTo(0.21, 12);
    // |exp(r) − 1|: ln(1.1) is +10 %, ln(0.9) is −10 %
    expect(absErrPct(Math.log(1.1))).toBeCloseTo(10, 9);
    expect(absErrPct(Math.log(0.9))).toBeCloseTo(10, 9);
  });

  it('reads the runs of a Vidur CSV (min, median, max are the three runs)', () => {
    const head = ',time_stats.all_reduce.min,time_stats.all_reduce.max,time_stats.all_reduce.mean,time_stats.all_reduce.median,time_stats.all_reduce.std,rank,num_workers,size,collective,devices_per_node,max_devices_per_node';
    // the first row of a100_dgx/all_reduce.csv upstream: 0.031 / 0.043 / 0.077 ms
    const [r] = parseVidurNetworkCsv(`${head}\n0,0.031,0.077,0.0503,0.043,0.0195,0,2,2048,all_reduce,1,8\n`, 'x.csv');
    expect(r!.minNs).toBeCloseTo(31_000, 6);
    expect(r!.timeNs).toBeCloseTo(43_000, 6);
    expect(r!.maxNs).toBeCloseTo(77_000, 6);
  });
});

describe('least error of a model non-decreasing in size (L1 isotonic)', () => {
  it('is exact on small cases', () => {
    // [1, 3, 2, 4]: [1, 2, 2, 4] and [1, 3, 3, 4] both cost 1; ties go to the lower level
    expect(isotonicL1([1, 3, 2, 4])).toEqual([1, 2, 2, 4]);
    // decreasing: one constant, the median, cost |3 − 2| + |1 − 2| = 2
    expect(isotonicL1([3, 2, 1])).toEqual([2, 2, 2]);
    expect(isotonicL1([1, 2, 5])).toEqual([1, 2, 5]);
    // [5, 1, 1, 1, 6]: the least cost is 4 (f = 1, 1, 1, 1, 6)
    const f = isotonicL1([5, 1, 1, 1, 6]);
    expect(f.reduce((a, v, i) => a + Math.abs(v - [5, 1, 1, 1, 6][i]!), 0)).toBe(4);
  });
});

describe('model-free smoothers', () => {
  it('neighbour interpolation: the line through the neighbours, extrapolated at the ends', () => {
    // y = x²: i=0 from (1,1),(2,4): 1 − 3 = −2; i=1 from (0,0),(2,4): 2; i=2 from (1,1),(3,9): 5; i=3 from (1,1),(2,4): 7
    expect(neighbourInterp([0, 1, 2, 3], [0, 1, 4, 9])).toEqual([-2, 2, 5, 7]);
    // a repeated x is not its own neighbour: i=1 uses (0,0) and (2,2): 1
    expect(neighbourInterp([0, 1, 1, 2], [0, 1, 3, 2])[1]).toBe(1);
    expect(neighbourInterp([0, 1], [0, 1])).toEqual([undefined, undefined]);
  });

  it('Theil–Sen ignores one outlier', () => {
    // y = x but y(4) = 40: six pairwise slopes of 1, four of 10, 13, 19, 37; median of ten = 1; intercept median(0,0,0,0,36) = 0
    expect(theilSen([0, 1, 2, 3, 4], [0, 1, 2, 3, 40])).toEqual({ slope: 1, intercept: 0 });
  });

  it('a series is judged within its regimes only', () => {
    // regime A: time ∝ size (exact power law), regime B after a switch that halves the time: no residual anywhere,
    // and B's two points have too few neighbours to interpolate
    const s = seriesBound([pt(1, 10), pt(2, 20), pt(4, 40), pt(8, 5, 'B'), pt(16, 10, 'B')]);
    expect(regimeSegments([pt(1, 1), pt(2, 1), pt(4, 1, 'B'), pt(8, 1)])).toEqual([[0, 2], [2, 3], [3, 4]]);
    for (const r of s.neighbour.slice(0, 3)) expect(Math.abs(r!)).toBeLessThan(1e-12);
    expect(s.neighbour.slice(3)).toEqual([undefined, undefined]);
    expect(s.isotonic).toEqual([0, 0, 0, 0, 0]);
    // neighbouring sizes in one regime where the larger is > 10 % faster: 10 → 8 (−20 %) of the pairs (1,2), (2,4); 4 → 8 switches regime
    expect(dropFraction([pt(1, 10), pt(2, 8), pt(4, 9), pt(8, 5, 'B')], 0.1)).toEqual({ drops: 1, pairs: 2 });
  });

  it('trend residual: the shipped point against the dense series around it', () => {
    // dense: time = size from 60 to 140 except its own size 100 (excluded, whatever it measured); the trend at 100 is
    // 100, the point measured 110: residual ln(100/110), |error| 1 − 100/110 = 9.09 %
    const dense = [60, 70, 80, 90, 100, 110, 120, 130, 140].map((b) => pt(b, b === 100 ? 500 : b));
    const [r] = trendResiduals([pt(100, 110)], dense, 5);
    expect(r).toBeCloseTo(Math.log(100 / 110), 12);
    expect(absErrPct(r!)).toBeCloseTo(9.0909, 3);
    // a regime change right below leaves 3 points above within k = 3: too few (fewer than 4)
    const split = dense.map((p) => (p.bytes < 100 ? { ...p, regime: 'B' } : p));
    expect(trendResiduals([pt(100, 110)], split, 3)).toEqual([undefined]);
  });
});

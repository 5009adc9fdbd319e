// The collectives validation suite (src/api/validate/collectives.ts), run directly: measured NCCL collectives
// (Vidur's profiles, nccl-tests figures from reference/PEERS.md §6) against the NCCL-like model.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { collectivesSuite, VIDUR_NETWORK_DIR } from '../src/api/validate/collectives.ts';
import { summarize } from '../src/api/validate/index.ts';
import { errorPct, type ValidationCase } from '../src/api/validate/types.ts';
import { parseVidurNetworkCsv, readVidurNetworkCsv } from '../src/io/index.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

describe('collectives validation suite', () => {
  let cases: ValidationCase[] = [];
  beforeAll(async () => {
    cases = await collectivesSuite.run();
  }, 120_000);
  const group = (g: string) => cases.filter((c) => c.group === g);
  const medianErr = (g: string) => median(group(g).map((c) => Math.abs(errorPct(c))));

  it('has every Vidur measurement three ways and the nccl-tests figures', () => {
    // 28 rows per configuration (27 sizes, data/profiles/vidur/network/SOURCE.md; Vidur measured one of them
    // twice): DGX-A100 2 send/recv + 7 all-reduce configurations, A100 pairs 2 + 2, A40 pairs 2, DGX-H100 2
    expect(group('a100-dgx fit')).toHaveLength(28 * 9);
    expect(group('a100-dgx held-out size')).toHaveLength(28 * 9);
    expect(group('a100-dgx all-reduce from send/recv')).toHaveLength(28 * 7);
    expect(group('a100-pairs fit')).toHaveLength(28 * 4);
    expect(group('a40-pairs fit')).toHaveLength(28 * 2);
    expect(group('h100-dgx held-out size')).toHaveLength(28 * 2);
    expect(group('a100-dgx all-reduce from send/recv + a100-pairs collective figures')).toHaveLength(28 * 7);
    expect(group('a100-pairs all-reduce from send/recv + a100-dgx collective figures')).toHaveLength(28 * 2);
    expect(group('nccl-tests')).toHaveLength(16);
    for (const c of group('a100-dgx held-out size')) expect(c.inFit).toBe(false);
    for (const c of group('a100-dgx fit')) expect(c.inFit).toBe(true);
  });

  it('nccl-tests figures not used in a fit are predicted within 10 % (A1, A2, A3, A4 at 2 and 4 GiB, A5 at 256 and 512 MiB, A10, A11)', () => {
    const held = group('nccl-tests').filter((c) => !c.inFit && !c.id.includes('sendrecv 128 MiB'));
    expect(held.length).toBe(10);
    for (const c of held) expect(Math.abs(errorPct(c)), c.id).toBeLessThanOrEqual(10);
  });

  it('A5 at 128 MiB stays an outlier: measured 110.8 GB/s, below the 195 GB/s plateau the model predicts', () => {
    // nccl-tests' sendrecv_perf has not reached its plateau at 128 MiB on that machine; the model has no such effect
    const c = group('nccl-tests').find((x) => x.id.includes('sendrecv 128 MiB'))!;
    expect(errorPct(c)).toBeGreaterThan(50);
  });

  it('held-out medians and p90s as reported in docs/collectives-nccl.md (regression guards; only DGX-H100 meets the 10 % / 25 % target)', () => {
    // the figures in the docs' table (median / p90 |error| %), rounded up by 1-2 points; a change to the model or
    // the fit moves them
    const p90Err = (g: string) => {
      const s = group(g).map((c) => Math.abs(errorPct(c))).sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(0.9 * (s.length - 1) + 0.5))]!;
    };
    expect(medianErr('h100-dgx held-out size')).toBeLessThanOrEqual(5);
    // the first network window lands on NCCL's p2p net chunk (128 KiB) there in every fold: 11.3 -> 10.4
    expect(p90Err('h100-dgx held-out size')).toBeLessThanOrEqual(12);
    // the first network window (netWindowBytes, netRoundTripNs; 32 KiB in every fold) took the A40 pairs from
    // 9.6 / 48.6 to 6.7 / 28.2, LL's own fraction across nodes (netLLEfficiency) to 6.2 / 20.4: the target met
    expect(medianErr('a40-pairs held-out size')).toBeLessThanOrEqual(7);
    expect(p90Err('a40-pairs held-out size')).toBeLessThanOrEqual(22);
    // the staged send across nodes (stagingBytes, stagingGBps) took the A100 pairs' p90 from 61.9 to 29.4; the
    // sender's own buffer inside a node (nodeStagingGBps, P2P read on Ampere NVLink) 11.1 / 29.4 to 8.7 / 27.1
    expect(medianErr('a100-pairs held-out size')).toBeLessThanOrEqual(9.5);
    expect(p90Err('a100-pairs held-out size')).toBeLessThanOrEqual(28);
    expect(medianErr('a100-dgx held-out size')).toBeLessThanOrEqual(13);
    // all-reduce from send/recv: the preset's collective figures, or the other A100 system's (not this one's)
    expect(medianErr('a100-dgx all-reduce from send/recv + a100-pairs collective figures')).toBeLessThanOrEqual(23);
    // 21.4 before the sender's own buffer inside a node, 25.4 with it (the send/recv-only fit's NVLink rate no longer
    // carries the buffer's speed-up, which happened to sit nearer the collectives')
    expect(medianErr('a100-pairs all-reduce from send/recv + a100-dgx collective figures')).toBeLessThanOrEqual(27);
  });

  it("the summary's noise is the median spread of the measurements' own runs", () => {
    // every a100-dgx row, straight from the shipped CSVs: (max − min) / median of its three runs, median by nearest
    // rank (the lower middle of the 252), as summarize() takes it
    const rows = ['send_recv.csv', 'all_reduce.csv'].flatMap((f) => readVidurNetworkCsv(join(VIDUR_NETWORK_DIR, 'a100_dgx', f)));
    const spreads = rows.map((r) => (100 * (r.maxNs! - r.minNs!)) / r.timeNs).sort((a, b) => a - b);
    expect(spreads).toHaveLength(252);
    const g = summarize(cases, collectivesSuite.target).find((x) => x.group === 'a100-dgx held-out size')!;
    expect(g.noisePct).toBeCloseTo(spreads[125]!, 9);
    expect(summarize(cases, collectivesSuite.target).find((x) => x.group === 'nccl-tests')!.noisePct).toBeUndefined();
  });

  it('send/recv-only calibration takes its collective figures from the other system, never its own all-reduce', () => {
    // the a100-pairs predictions come from a fit on a100-pairs send/recv with a100-dgx's collective figures: its
    // all-reduce error differs from the fit that saw it
    const cross = group('a100-pairs all-reduce from send/recv + a100-dgx collective figures');
    const own = group('a100-pairs fit').filter((c) => c.id.includes('all_reduce'));
    expect(cross.length).toBe(own.length);
    for (const c of cross) expect(c.inFit).toBe(false);
    expect(cross.some((c, i) => c.predicted !== own[i]!.predicted)).toBe(true);
  });
});

describe('Vidur network CSV reader', () => {
  const head = ',time_stats.all_reduce.min,time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node,max_devices_per_node';
  it('reads the median time in ms as ns', () => {
    const rows = parseVidurNetworkCsv(`${head}\n0,0.031,0.043,0,2,2048,all_reduce,1,8\n`, 'x.csv');
    expect(rows).toEqual([{ collective: 'all_reduce', ranks: 2, ranksPerNode: 1, gpusPerNode: 8, bytes: 2048, timeNs: 43_000 }]);
  });
  it('names the file, line and field of a bad value', () => {
    expect(() => parseVidurNetworkCsv(`${head}\n0,0.031,0.043,0,2,lots,all_reduce,1,8\n`, 'x.csv')).toThrow(/x\.csv: line 2: size "lots"/);
    expect(() => parseVidurNetworkCsv('a,b\n1,2\n', 'y.csv')).toThrow(/y\.csv: no column "time_stats/);
  });
});

// orrery calibrate: nccl-tests logs and Vidur CSVs in, fitted cluster figures and a cluster file out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrate, resolveTopology, runCollective } from '../src/api/index.ts';
import { parseNcclTestsLog, readNcclTestsLog } from '../src/io/index.ts';
import { orrery } from './helpers/cli.ts';

const FIX = 'tests/fixtures/nccl-tests';

describe('nccl-tests log reader', () => {
  it('reads the out-of-place time, the operation and the ranks', () => {
    const l = readNcclTestsLog(`${FIX}/all_reduce_perf-h100pcie-x2.log`);
    expect(l.op).toBe('allreduce');
    expect(l.ranks).toBe(2);
    expect(l.nodes).toBe(1);
    expect(l.rows.map((r) => r.timeUs)).toEqual([9306.7, 18535, 36943]);
    // ranks from "nThread 1 nGpus 8" when there are no "#  Rank" lines
    expect(readNcclTestsLog(`${FIX}/sendrecv_perf-a100x8.log`)).toMatchObject({ op: 'sendrecv', ranks: 8 });
  });

  it('refuses malformed logs with the file, line and what was expected', () => {
    expect(() => readNcclTestsLog(`${FIX}/malformed.log`)).toThrow(/malformed\.log: line 4: 4 columns; the table's header .* needs at least 8/);
    expect(() => parseNcclTestsLog('hello\n', 'x.log')).toThrow(/x\.log: no nccl-tests table/);
  });
});

describe('calibrate', () => {
  it('fits 2x H100 PCIe on three all-reduce sizes to within 1 % and writes a usable cluster file', () => {
    const r = calibrate({ preset: 'h100-pcie-nvlink-bridge', ncclTests: [{ path: `${FIX}/all_reduce_perf-h100pcie-x2.log` }] });
    expect(r.fitted).toEqual(['eff:nvlink', 'overheadNs', 'latencyScale']);
    for (const row of r.rows) expect(Math.abs(row.errorPct)).toBeLessThan(1);
    const dir = mkdtempSync(join(tmpdir(), 'orrery-cal-'));
    const file = join(dir, 'c.json');
    const cli = orrery(['calibrate', '-p', 'h100-pcie-nvlink-bridge', '--nccl-tests', `${FIX}/all_reduce_perf-h100pcie-x2.log`, '-o', file]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/median \|error\|/);
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('orrery-cluster');
    // the written file runs: its fitted 1 GiB prediction is the measurement it was fitted on, within 1 %
    const { topology } = resolveTopology({ topology: `${file}:1` });
    const rep = runCollective({ topology, op: 'allreduce', bytes: 2 ** 30, algorithms: ['auto'] });
    expect(Math.abs(rep.timeNs / 9_306_700 - 1)).toBeLessThan(0.01);
  });

  it('fits Vidur CSVs (DGX-H100 send/recv) better than the preset as shipped', () => {
    const r = calibrate({ preset: 'dgx-h100', vidur: ['data/profiles/vidur/network/h100_dgx/send_recv.csv'] });
    expect(r.rows).toHaveLength(56);
    expect(r.medianAbsErrorPct).toBeLessThan(r.presetMedianAbsErrorPct);
  });

  it('fits what one-way send/recv and all-reduce across nodes can show, and the file it writes predicts the same', () => {
    const dir = 'data/profiles/vidur/network/a100_dgx';
    const r = calibrate({ preset: 'dgx-a100', vidur: [`${dir}/send_recv.csv`, `${dir}/all_reduce.csv`] });
    // duplex per spanned link (one-way Vidur send/recv and collectives), the protocols NCCL picks for these
    // all-reduces, network figures (collectives across nodes with several ranks per node)
    for (const k of ['duplex:nvlink', 'duplex:infiniband', 'proto:LL', 'proto:LL128', 'collectiveOverheadNs', 'networkStepNs', 'nicsPerNode', 'nodeNetworkGBps', 'll128AcrossNodes']) {
      expect(r.fitted, k).toContain(k);
    }
    // held-in median as the validation suite's a100-dgx fit (docs/collectives-nccl.md: 12.3 %), well under the preset's
    expect(r.medianAbsErrorPct).toBeLessThan(15);
    expect(r.presetMedianAbsErrorPct).toBeGreaterThan(40);
    expect(r.document.sources).toMatchObject({ 'nccl.duplexEfficiency.nvlink': expect.stringMatching(/^fitted by orrery calibrate on 252 measurements/) });
    // the document, loaded as a cluster file, predicts each row's fitted time
    const file = join(mkdtempSync(join(tmpdir(), 'orrery-cal-')), 'a100.json');
    writeFileSync(file, JSON.stringify(r.document));
    const { topology } = resolveTopology({ topology: `${file}:2` });
    const row = r.rows.find((x) => x.op === 'allreduce' && x.config.startsWith('allreduce 16 ranks') && x.bytes === 67108864)!;
    const rep = runCollective({ topology, op: 'allreduce', bytes: 67108864, algorithms: ['auto'] });
    expect(rep.timeNs).toBe(Math.round(row.predictedUs * 1e3));
  });

  it('needs an operation for a log that names none, and lists the valid ones', () => {
    // the H100 table under a name that says nothing of the binary
    const file = join(mkdtempSync(join(tmpdir(), 'orrery-cal-')), 'run1.log');
    writeFileSync(file, readFileSync(`${FIX}/all_reduce_perf-h100pcie-x2.log`, 'utf8'));
    const r = orrery(['calibrate', '-p', 'dgx-a100', '--nccl-tests', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot tell the operation .* give one of: allreduce, reducescatter/);
    expect(r.stderr).not.toMatch(/at .*\.ts/);
  });
});

// `sweep serve`: every point's row is what `orrery serve` reports for the same flags; a point that cannot run is
// an error row; resume and shards give the file one uninterrupted run writes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSweepFiles, readSweepFile, runServe, runSweep, sweepPlotSvg, type SweepRequest } from '../src/api/index.ts';
import { serveOptionsOfRow } from '../src/api/sweep-serve.ts';
import { withoutTiming } from './helpers/sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-sweep-serve-'));
const out = (name: string) => join(dir, name);

// 2 schedulers × 3 rates × 2 replica counts = 12 points; 8 replicas × TP 2 needs 16 GPUs of dgx-a100's 8: 6 fail
const REQ: SweepRequest = {
  command: 'serve',
  grids: [{
    workload: 'llama-3.1-8b', topology: 'dgx-a100', scheduler: 'vllm,sarathi', qps: '2..8', replicas: '1,8', tp: 2, requests: 40,
    promptTokens: 'uniform:50-400', outputTokens: 'uniform:10-40', seed: 3, slo: 'ttft=200ms,tbt=50ms', model: 'analytical',
  }],
};

const read = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('sweep serve', () => {
  it('one row per point with the serving metrics orrery serve reports for the same options', async () => {
    const s = await runSweep(REQ, { output: { path: out('all.jsonl'), format: 'jsonl' }, jobs: 2 });
    expect(s.points).toBe(12);
    const rows = read(out('all.jsonl'));
    // the parameters' order (replicas, scheduler, qps), the first varying slowest
    expect(rows.map((r) => [r.replicas, r.scheduler, r.qps])).toEqual([
      [1, 'vllm', 2], [1, 'vllm', 4], [1, 'vllm', 8], [1, 'sarathi', 2], [1, 'sarathi', 4], [1, 'sarathi', 8],
      [8, 'vllm', 2], [8, 'vllm', 4], [8, 'vllm', 8], [8, 'sarathi', 2], [8, 'sarathi', 4], [8, 'sarathi', 8],
    ]);
    for (const r of rows) {
      if (r.replicas === 8) {
        expect(r.error).toBe('--replicas 8 × --tp 2 needs 16 GPUs; the topology dgx-a100 has 8');
        continue;
      }
      const { report } = runServe(serveOptionsOfRow(r as never));
      expect(r.error).toBe('');
      expect([r.throughputTokensPerS, r.ttftP50Ns, r.ttftP99Ns, r.tbtP99Ns, r.e2eP99Ns, r.sloAttainment, r.preemptions, r.steps]).toEqual([
        report.throughputTokensPerS, report.ttftNs.p50, report.ttftNs.p99, report.tbtNs.p99, report.e2eNs.p99, report.slo!.attainment,
        report.preemptions, report.steps,
      ]);
    }
    expect(s.failed).toBe(6);
    // same seed: the same 40 requests at every rate, so output throughput grows with the rate while it keeps up
    const vllm1 = rows.filter((r) => r.scheduler === 'vllm' && r.replicas === 1).map((r) => r.throughputTokensPerS as number);
    expect(vllm1[0]!).toBeLessThan(vllm1[1]!);
    expect(vllm1[1]!).toBeLessThan(vllm1[2]!);
    // the plot puts the rate on the x axis by its name, not as a message size
    const t = readSweepFile(out('all.jsonl'));
    const svg = sweepPlotSvg(t.columns, t.rows, 'all.jsonl');
    expect(svg).toContain('request rate (requests/s), log scale');
    expect(svg).toContain('vs request rate');
  });

  it('resumes a cut file and merges shards to the file one run writes', async () => {
    await runSweep(REQ, { output: { path: out('full.csv'), format: 'csv' }, jobs: 1 });
    const full = readFileSync(out('full.csv'), 'utf8');
    const lines = full.split('\n');
    writeFileSync(out('cut.csv'), lines.slice(0, 6).join('\n') + '\n'); // header + 5 rows
    expect(full).not.toContain('internal error');
    const s = await runSweep(REQ, { output: { path: out('cut.csv'), format: 'csv' }, jobs: 2, resume: true });
    expect([s.resumed, s.ran]).toEqual([5, 7]);
    expect(withoutTiming(out('cut.csv'))).toBe(withoutTiming(out('full.csv')));
    for (const i of [1, 2]) await runSweep(REQ, { output: { path: out(`s${i}.csv`), format: 'csv' }, jobs: 1, shard: { index: i, count: 2 } });
    mergeSweepFiles(out('merged.csv'), [out('s2.csv'), out('s1.csv')]);
    expect(withoutTiming(out('merged.csv'))).toBe(withoutTiming(out('full.csv')));
  });

  it('refuses a grid without a workload, a cluster or a request count, naming the flag', async () => {
    const bad = (grid: Record<string, string | number>) => runSweep({ command: 'serve', grids: [grid] }, { output: { path: out('bad.csv'), format: 'csv' } });
    await expect(bad({ topology: 'dgx-a100', requests: 10 })).rejects.toThrow('--workload is required');
    await expect(bad({ workload: 'llama-3.1-8b', requests: 10 })).rejects.toThrow('--topology is required');
    await expect(bad({ workload: 'llama-3.1-8b', topology: 'dgx-a100' })).rejects.toThrow('--requests is required without --trace');
    await expect(bad({ workload: 'llama-3.1-8b', topology: 'dgx-a100', requests: 10, scheduler: 'fifo' })).rejects.toThrow(
      '--scheduler "fifo": expected one of: vllm, orca, sarathi, static, trtllm',
    );
  });
});

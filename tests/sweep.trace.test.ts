// `orrery sweep run`: a generated training step over clusters and parallelism plans.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWorkload, resolveTopology, runSweep, runTrace, workloadMemory } from '../src/api/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-sweep-run-'));

describe('sweep run', () => {
  it('derives dp from the cluster size, and each point equals a direct replay of the same plan', async () => {
    // gpt-13b with tp 8, pp 4 and 16 sequences per step on switch2 (8 per node): 32 NPUs → dp 1, 64 → dp 2;
    // 48 NPUs do not divide into tp·pp = 32, so that point fails and the sweep goes on
    const path = join(dir, 'a.jsonl');
    const s = await runSweep(
      { command: 'run', grids: [{ family: 'switch2', npus: '32,48,64', workload: 'gpt-13b', tp: '8', pp: '4', globalBatch: '16', model: 'analytical' }] },
      { output: { path, format: 'jsonl' }, jobs: 1 },
    );
    expect(s.failed).toBe(1);
    const rows = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.dp)).toEqual([1, null, 2]); // JSON lines write an empty cell as null
    expect(rows[1].error).toMatch(/48 NPUs do not divide into tp 8 × pp 4/);
    for (const r of [rows[0], rows[2]]) {
      const { topology } = resolveTopology({ topology: r.topology, bandwidthGBps: String(r.bandwidthGBps).split('/').map(Number), latencyNs: String(r.latencyNs).split('/').map(Number) });
      // sweep run, as run, generates Megatron's kernel list under the default compute model (kernel)
      const trace = generateWorkload('gpt-13b', {
        set: { 'training.parallel.tp': 8, 'training.parallel.pp': 4, 'training.parallel.dp': r.dp, 'training.globalBatch': 16 },
        kernels: 'megatron',
        dims: topology.dims.map((d) => d.npus),
      });
      const direct = runTrace({ topology, trace, model: 'analytical', device: 'H100-SXM5-80GB' });
      expect(r.stepTimeNs).toBe(direct.stepTimeNs);
      expect(r.ranks).toBe(8 * 4 * r.dp);
      // the memory column is the plan's memory per GPU (workload/memory.ts), checked against the H100's 80 GiB
      const set = { 'training.parallel.tp': 8, 'training.parallel.pp': 4, 'training.parallel.dp': r.dp, 'training.globalBatch': 16 };
      expect(r.memPeakBytes).toBe(workloadMemory('gpt-13b', { mode: 'train', set })!.peakBytes);
      expect(r.memFits).toBe('yes');
    }
    // dp 2 halves the microbatches (16 → 8) but 1F1B keeps min(p − i, m) = 4 in flight either way, and ZeRO 0 shards
    // nothing: the only difference is the data-parallel gradient bucket in flight (bucketMB 25 = 25 MiB)
    expect(rows[2].memPeakBytes - rows[0].memPeakBytes).toBe(25 * 2 ** 20);
    // twice the data parallelism, half the microbatches per pipeline: the step gets shorter
    expect(rows[2].stepTimeNs).toBeLessThan(rows[0].stepTimeNs);
  });
});

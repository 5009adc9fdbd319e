// Unbounded work (issue 15 item 3): the size of work is estimated before a run and refused above --max-events with
// the estimate and the flag; the engine stops a run that passes the limit anyway; gzip inputs inflate to a bounded
// size; only regular files are read (a FIFO as -t must not block).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateCollectiveEvents, estimateWorkloadOps } from '../src/api/work-estimate.ts';
import { loadWorkloadSpec, resolveTopology, runCollective } from '../src/api/index.ts';
import { parseAlgorithm } from '../src/collectives/index.ts';
import { Engine } from '../src/engine/index.ts';
import { gunzipCapped, readInputFile } from '../src/io/index.ts';
import { DEFAULT_MAX_EVENTS } from '../src/units/index.ts';
import { ROOT } from './helpers/cli.ts';
import { orreryInproc } from './helpers/inproc.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusedWith(args: string[], re: RegExp) {
  const r = await orreryInproc(args);
  expect(r.stderr).not.toMatch(/internal error|This is a bug/);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(re);
  return r;
}

describe('estimates', () => {
  const topo = (s: string) => resolveTopology({ topology: s }).topology;
  it('are exact for ring on a torus, and never above what a run reports', () => {
    const ring = [parseAlgorithm('ring')];
    // torus 4x4x4, one chunk: 64 ranks × 3 dims × 2(4−1) = 1,152 (README's example output)
    expect(estimateCollectiveEvents(topo('torus:4x4x4'), 'allreduce', ring, 1)).toBe(1152);
    for (const [t, op, algo, chunks] of [
      ['torus:4x4x4', 'allreduce', 'ring', 2], ['switch:16', 'allreduce', 'halvingDoubling', 1], ['ring:8,switch:4', 'allgather', 'direct', 3],
      ['switch:8', 'alltoall', 'ring', 1], ['ring:8', 'broadcast', 'ring', 1], ['fc:8', 'reducescatter', 'halvingDoubling', 2], ['fc:6', 'alltoall', 'direct', 2], ['switch:8', 'allreduce', 'doubleBinaryTree', 2],
    ] as const) {
      const a = [parseAlgorithm(algo)];
      const r = runCollective({ topology: topo(t), op, bytes: 1 << 20, algorithms: a, model: 'analytical', system: { chunks } });
      expect(estimateCollectiveEvents(topo(t), op, a, chunks), `${t} ${op} ${algo}`).toBeLessThanOrEqual(r.events);
    }
  });
  it('count a generated workload\'s ops from below', () => {
    const spec = loadWorkloadSpec('gpt3-175b', { 'training.globalBatch': 16, 'model.layers': 8 });
    // 1,024 ranks × 8/8 layers × 16/(1·16) microbatches × 2 (forward, backward) = 2,048
    expect(estimateWorkloadOps(spec, 'train')).toBe(2048);
  });
});

describe('refused before the run, with the estimate and the flag', () => {
  it.each([
    [['collective', '-t', 'ring:4', '-o', 'allreduce', '-s', '1MiB', '-c', '1000000000'], /needs at least 2\.40e10 events.*--max-events 240e8 allows it/],
    [['collective', '-t', 'ring:4', '-o', 'allreduce', '-s', '1MiB', '-c', '100000000'], /2\.40e9 events/],
    [['collective', '-t', 'switch:1048576', '-m', 'analytical', '-o', 'allreduce', '-s', '1MiB'], /1048576 NPUs.*needs at least/],
    [['run', '-t', 'dgx-h100-superpod-4su', '--workload', 'gpt3-175b', '--device', 'H100', '--set', 'model.layers=1000000000000000'], /gpt3-175b .*ops, over the limit/],
  ])('%j', async (args, re) => {
    await refusedWith(args, re);
  });
  it('--passes 100000 on an ASTRA-sim workload (the issue\'s case)', async () => {
    // 100,000 passes × 54 layers × 4 ranks = 2.16e7 ops > 2e7 (a tenth of the 2e8 event limit)
    await refusedWith(['run', '-t', 'ring:4', '--astra-workload', join(ROOT, 'traces/astra/Resnet50_DataParallel.txt'), '--passes', '100000'], /needs at least 2\.16e7 ops, over the limit of 2\.00e7; --max-events 216e6 allows it/);
    await refusedWith(['run', '-t', 'ring:4', '--astra-workload', join(ROOT, 'traces/astra/Resnet50_DataParallel.txt'), '--passes', '100000000', '-m', 'analytical'], /--passes 100000000 .*ops, over the limit/);
  });
  it('--max-events raises and lowers the limit', async () => {
    const args = ['collective', '-t', 'ring:4', '-o', 'allreduce', '-s', '1MiB', '-c', '1000'];
    // 1,000 chunks × 4 ranks × 2(4−1) = 24,000 events
    await refusedWith([...args, '--max-events', '23999'], /24,000 events, over the limit of 23,999; --max-events 24000 allows it/);
    expect((await orreryInproc([...args, '--max-events', '24000'])).code).toBe(0);
    expect(DEFAULT_MAX_EVENTS).toBe(2e8);
  });
});

describe('the engine stops a run past its limit', () => {
  it('throws a LimitError after maxEvents events', () => {
    const e = new Engine({ maxEvents: 10 });
    const h = e.register({ onEvent() { e.schedule(1, h); } }); // an endless chain
    e.schedule(0, h);
    expect(() => e.run()).toThrow(expect.objectContaining({ name: 'LimitError', message: expect.stringMatching(/passed 1\.00e1 events/) }));
  });
});

describe('files', () => {
  it('gzip inflation is capped', () => {
    const bomb = gzipSync(Buffer.alloc(4 << 20)); // 4 MiB of zeros: a few KB compressed
    expect(bomb.length).toBeLessThan(64 << 10);
    expect(() => gunzipCapped(bomb, 'x.json.gz', 1 << 20)).toThrow(/inflates to more than 1 MiB/);
    expect(gunzipCapped(bomb, 'x.json.gz', 8 << 20).length).toBe(4 << 20);
  });
  it('only regular files are read: a FIFO as -t is refused at once', async () => {
    const fifo = join(dir, 'fifo');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    expect(() => readInputFile(fifo, 'topology')).toThrow(/is a FIFO/);
    await refusedWith(['collective', '-t', fifo, '-o', 'allreduce', '-s', '1MiB'], /FIFO .*expected a regular file/);
    await refusedWith(['run', '-t', 'ring:4', '--trace', fifo], /FIFO/);
    await refusedWith(['run', '-t', 'ring:4', '--trace', dir], /is a directory/);
  });
  it('a corrupt gzip is one line', async () => {
    const p = join(dir, 'bad.json.gz');
    writeFileSync(p, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await refusedWith(['run', '-t', 'ring:4', '--trace', p], /does not decompress/);
  });
});

// Running sweeps: order independent of workers, failure rows, resume from a cut file, shards merged, table I/O.
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSweepFiles, runCollective, resolveTopology, runSweep, type SweepRequest } from '../src/api/index.ts';
import { parseCsvLine, parseTable, tableHeader, tableRow, type TableColumn } from '../src/io/index.ts';
import { withoutTiming } from './helpers/sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-sweep-'));
const out = (name: string) => join(dir, name);

// 3 families × 3 cluster sizes × 2 algorithms = 18 small points, three of which cannot run
const REQ: SweepRequest = {
  command: 'collective',
  grids: [{ family: 'ring,torus2d,torus3d', npus: '16,24,64', op: 'allreduce', size: '64KiB', algo: 'ring,halvingDoubling' }],
};

describe('runSweep', () => {
  it('writes the same rows in the same order with 1 worker and with 2, bar the timing columns', async () => {
    const a = await runSweep(REQ, { output: { path: out('j1.csv'), format: 'csv' }, jobs: 1 });
    const b = await runSweep(REQ, { output: { path: out('j2.csv'), format: 'csv' }, jobs: 2 });
    expect(a.points).toBe(18);
    expect(withoutTiming(out('j1.csv'))).toBe(withoutTiming(out('j2.csv')));
    expect(a.rows.map((r) => r[0])).toEqual(Array.from({ length: 18 }, (_, i) => String(i)));
    // timing columns are filled for points that ran
    const t = parseTable(readFileSync(out('j2.csv'), 'utf8'), 'csv', 'j2');
    const wall = t.columns.indexOf('wallMs'), mem = t.columns.indexOf('peakMemMB'), err = t.columns.indexOf('error');
    for (const r of t.rows.filter((x) => x[err] === '')) {
      expect(Number(r[wall])).toBeGreaterThan(0);
      expect(Number(r[mem])).toBeGreaterThan(1);
    }
    expect(b.failed).toBe(a.failed);
  });

  it('keeps point order when later points finish first', async () => {
    // point 0 (1024 NPUs, about 2 M events) is far slower than the rest: with 2 workers, points 1.. finish before
    // it and must wait in the buffer; the file still comes out in point order, as a serial run writes it
    const req: SweepRequest = { command: 'collective', grids: [{ topology: 'switch:1024;ring:4;ring:8;switch:8;fc:8;ring:16', op: 'allreduce', size: '1MiB' }] };
    const seen: number[] = [];
    await runSweep(req, { output: { path: out('slow1.csv'), format: 'csv' }, jobs: 1 });
    await runSweep(req, { output: { path: out('slow2.csv'), format: 'csv' }, jobs: 2, onProgress: (p) => seen.push(p.done) });
    expect(withoutTiming(out('slow2.csv'))).toBe(withoutTiming(out('slow1.csv')));
    expect(seen.at(-1)).toBe(6);
  });

  it('records a point that cannot run with its error and goes on', async () => {
    const s = await runSweep(REQ, { output: { path: out('fail.jsonl'), format: 'jsonl' }, jobs: 2 });
    const rows = readFileSync(out('fail.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const failed = rows.filter((r) => r.error !== '');
    // halvingDoubling needs power-of-two lines: ring:24, torus:6x4 and torus:4x3x2 fail; ring runs on all three
    expect(failed.map((r) => [r.family, r.npus, r.algo])).toEqual([
      ['ring', 24, 'halvingDoubling'], ['torus2d', 24, 'halvingDoubling'], ['torus3d', 24, 'halvingDoubling'],
    ]);
    expect(failed[0].error).toMatch(/halvingDoubling needs a power-of-two number of NPUs per dimension, got 24/);
    expect(failed[0].timeNs).toBeNull();
    expect(s.failed).toBe(3);
    expect(rows).toHaveLength(18);
    // the others ran: ring all-reduce on ring:16, 64 KiB, α = 500 ns, B = 50 B/ns: 2(p−1)·round(α + n/(pB))
    const ring16 = rows.find((r) => r.family === 'ring' && r.npus === 16 && r.algo === 'ring');
    expect(ring16.timeNs).toBe(2 * 15 * Math.round(500 + 65536 / 16 / 50));
    expect(ring16.error).toBe('');
  });

  it('a point past --timeout is recorded as timed out and the sweep goes on with a fresh worker', async () => {
    // switch:2048 all-reduce: 2·2047·2048 ≈ 8.4 M events, seconds of work; ring:4 takes about a millisecond
    const s = await runSweep(
      { command: 'collective', grids: [{ topology: 'switch:2048;ring:4', op: 'allreduce', size: '1MiB' }] },
      { output: { path: out('timeout.csv'), format: 'csv' }, jobs: 1, timeoutMs: 300 },
    );
    const t = parseTable(readFileSync(out('timeout.csv'), 'utf8'), 'csv', 'timeout');
    const err = t.columns.indexOf('error');
    expect(t.rows[0]![err]).toBe('timed out after 300 ms (worker stopped)');
    expect(t.rows[1]![err]).toBe('');
    expect(Number(t.rows[1]![t.columns.indexOf('timeNs')])).toBe(6 * Math.round(500 + 2 ** 20 / 4 / 50)); // 2(p−1) steps
    expect(s.failed).toBe(1);
  });

  it('a point equals orrery collective with the same options', async () => {
    const rows = (await runSweep(
      { command: 'collective', grids: [{ topology: 'ring:8,switch:4;torus:4x4', op: 'reducescatter', size: '1MiB', chunks: '2', bandwidth: '100/25' }] },
      { output: { path: out('same.csv'), format: 'csv' }, jobs: 1 },
    )).rows;
    const cols = parseTable(readFileSync(out('same.csv'), 'utf8'), 'csv', 'same').columns;
    const cell = (r: number, c: string) => rows[r]![cols.indexOf(c)]!;
    for (const [r, topo, npus] of [[0, 'ring:8,switch:4', '32'], [1, 'torus:4x4', '16']] as const) {
      const t = resolveTopology({ topology: topo, bandwidthGBps: [100, 25] }).topology;
      const direct = runCollective({ topology: t, op: 'reducescatter', bytes: 2 ** 20, system: { chunks: 2 } });
      expect(cell(r, 'error')).toBe('');
      expect(cell(r, 'npus')).toBe(npus);
      expect(Number(cell(r, 'timeNs'))).toBe(direct.timeNs);
      expect(Number(cell(r, 'busBwGBps'))).toBe(direct.busBwGBps);
      expect(Number(cell(r, 'events'))).toBe(direct.events);
    }
  });

  it('defaults to --algo auto on a cluster preset and ring elsewhere, as orrery collective does', async () => {
    const rows = (await runSweep(
      { command: 'collective', grids: [{ topology: 'dgx-a100:1;switch:8', op: 'allreduce', size: '64MiB' }] },
      { output: { path: out('auto.csv'), format: 'csv' }, jobs: 1 },
    )).rows;
    const cols = parseTable(readFileSync(out('auto.csv'), 'utf8'), 'csv', 'auto').columns;
    const cell = (r: number, c: string) => rows[r]![cols.indexOf(c)]!;
    expect(cell(0, 'algo')).toBe('auto');
    expect(cell(1, 'algo')).toBe('ring');
    // the preset point is the NCCL-like model's time, the shorthand point the ring's (api/collective.ts)
    const preset = resolveTopology({ topology: 'dgx-a100:1' }).topology;
    expect(Number(cell(0, 'timeNs'))).toBe(runCollective({ topology: preset, op: 'allreduce', bytes: 64 * 2 ** 20, algorithms: ['auto'] }).timeNs);
    const plain = resolveTopology({ topology: 'switch:8' }).topology;
    expect(Number(cell(1, 'timeNs'))).toBe(runCollective({ topology: plain, op: 'allreduce', bytes: 64 * 2 ** 20 }).timeNs);
    expect(Number(cell(0, 'timeNs'))).not.toBe(runCollective({ topology: preset, op: 'allreduce', bytes: 64 * 2 ** 20, algorithms: ['ring'] }).timeNs);
  });

  it('resumes a file cut mid-row to the same file an uninterrupted run writes', async () => {
    await runSweep(REQ, { output: { path: out('full.csv'), format: 'csv' }, jobs: 2 });
    const full = readFileSync(out('full.csv'), 'utf8');
    // cut after 9 complete rows and half of the 10th, as a kill during a write would
    const lines = full.split('\n');
    const cut = lines.slice(0, 10).join('\n').length + 1 + Math.floor(lines[10]!.length / 2);
    writeFileSync(out('cut.csv'), full.slice(0, cut));
    const s = await runSweep(REQ, { output: { path: out('cut.csv'), format: 'csv' }, jobs: 2, resume: true });
    expect(s.resumed).toBe(9);
    expect(s.ran).toBe(9);
    expect(withoutTiming(out('cut.csv'))).toBe(withoutTiming(out('full.csv')));
    // the resumed rows were kept byte for byte (their timing too)
    expect(readFileSync(out('cut.csv'), 'utf8').startsWith(lines.slice(0, 10).join('\n'))).toBe(true);
  });

  it('refuses to resume a file that is not this sweep, and to overwrite without --force', async () => {
    await expect(runSweep(REQ, { output: { path: out('full.csv'), format: 'csv' } })).rejects.toThrow(/exists; pass --resume .* or --force/);
    const other: SweepRequest = { command: 'collective', grids: [{ ...REQ.grids[0]!, size: '128KiB' }] };
    truncateSync(out('full.csv'), 2000);
    await expect(runSweep(other, { output: { path: out('full.csv'), format: 'csv' }, resume: true })).rejects.toThrow(
      /row 1 has bytes="65536" where this sweep's point 0 has "131072"; not the same sweep/,
    );
  });

  it('shards merged give the file a single run writes', async () => {
    await runSweep(REQ, { output: { path: out('one.jsonl'), format: 'jsonl' }, jobs: 2 });
    for (const i of [1, 2, 3]) {
      const s = await runSweep(REQ, { output: { path: out(`shard${i}.jsonl`), format: 'jsonl' }, jobs: 1, shard: { index: i, count: 3 } });
      expect(s.points).toBe(6);
    }
    const m = mergeSweepFiles(out('merged.jsonl'), [3, 1, 2].map((i) => out(`shard${i}.jsonl`)));
    expect(m).toEqual({ rows: 18, failed: 3, inputs: 3 });
    expect(withoutTiming(out('merged.jsonl'))).toBe(withoutTiming(out('one.jsonl')));
    // a missing shard is a gap, named
    expect(() => mergeSweepFiles(out('gap.jsonl'), [out('shard1.jsonl'), out('shard3.jsonl')])).toThrow(/points 1, 4, 7, .* are in no input/);
    expect(() => mergeSweepFiles(out('dup.jsonl'), [out('shard1.jsonl'), out('shard1.jsonl')])).toThrow(/point 0 is in both/);
  });
});

describe('result tables', () => {
  const cols: TableColumn[] = [{ name: 'n', type: 'number' }, { name: 's', type: 'string' }];

  it('CSV quotes commas and quotes, and reads back what it wrote', () => {
    const cells = [['1', 'ring:8,switch:4'], ['', 'say "hi"\nthere'], ['2.5', '']];
    const text = tableHeader('csv', cols) + cells.map((c) => tableRow('csv', cols, c)).join('');
    expect(text).toBe('n,s\n1,"ring:8,switch:4"\n,"say ""hi"" there"\n2.5,\n');
    expect(parseTable(text, 'csv', 't').rows).toEqual([['1', 'ring:8,switch:4'], ['', 'say "hi" there'], ['2.5', '']]);
    expect(parseCsvLine('a,"b,c",', 't')).toEqual(['a', 'b,c', '']);
  });

  it('JSON lines keep number columns as numbers (empty: null) and report a partial last line', () => {
    const text = tableRow('jsonl', cols, ['3', 'x']) + tableRow('jsonl', cols, ['', '']);
    expect(text).toBe('{"n":3,"s":"x"}\n{"n":null,"s":""}\n');
    const t = parseTable(`${text}{"n":4,"s`, 'jsonl', 't');
    expect(t.rows).toEqual([['3', 'x'], ['', '']]);
    expect(t.partial).toBe(true);
    expect(t.completeBytes).toBe(text.length);
  });
});

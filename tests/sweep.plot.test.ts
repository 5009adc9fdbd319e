// What the sweep plot draws: x, series and labels chosen from the rows.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSweep, sweepChart } from '../src/api/index.ts';
import { logTicks, renderChart, textWidth, wrapText } from '../src/io/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-plot-'));

describe('sweep plot', () => {
  it('puts cluster size on x and one line per family and algorithm; derived columns (topology, links) do not split lines', async () => {
    const s = await runSweep(
      { command: 'collective', grids: [{ family: 'switch2,torus2d', npus: '16,64', op: 'allreduce', size: '1MiB', algo: 'ring,direct', model: 'analytical' }] },
      { output: { path: join(dir, 'a.csv'), format: 'csv' }, jobs: 1 },
    );
    const c = sweepChart(s.columns.map((x) => x.name), s.rows);
    expect(c.xLabel).toBe('cluster size (NPUs, log scale)');
    expect(c.legendTitle).toBe('family, algorithm');
    expect(c.panels.map((p) => p.yLabel)).toEqual([expect.stringMatching(/^collective time \((µs|ms)\)$/), 'bus bandwidth (GB/s)']);
    expect(c.panels[0]!.series.map((x) => x.label)).toEqual(['switch2, ring', 'switch2, direct', 'torus2d, ring', 'torus2d, direct']);
    expect(c.panels[0]!.series.every((x) => x.points.map((p) => p.x).join() === '16,64')).toBe(true);
    expect(c.title).toBe('allreduce vs cluster size');
    expect(c.subtitle).toBe('analytical model · 1 MiB per rank');
    // two factors: colour follows the family, the dash the algorithm
    const [a, b, d] = c.panels[0]!.series;
    expect(a!.color).toBe(b!.color);
    expect(a!.dash).not.toBe(b!.dash);
    expect(a!.color).not.toBe(d!.color);
  });

  it('falls back to message size on x when the cluster size is fixed; failed points leave gaps and are counted', async () => {
    const s = await runSweep(
      { command: 'collective', grids: [{ topology: 'ring:12', op: 'allreduce', size: '1KiB..64KiBx8', algo: 'ring,halvingDoubling' }] },
      { output: { path: join(dir, 'b.csv'), format: 'csv' }, jobs: 1 },
    );
    const c = sweepChart(s.columns.map((x) => x.name), s.rows);
    expect(c.xLabel).toBe('message size per rank (bytes, log scale)');
    expect(c.title).toBe('allreduce on ring:12 vs message size');
    const hd = c.panels[1]!.series.find((x) => x.label === 'halvingDoubling')!;
    expect(hd.points.every((p) => Number.isNaN(p.y))).toBe(true); // 12 is not a power of two: all failed
    expect(c.notes![0]).toMatch(/^6 points; 3 failed and not drawn \(first: halvingDoubling needs a power-of-two/);
  });

  it('log ticks: every power of two when they fit, thinned when not; 1-2-5 steps over decades', () => {
    expect(logTicks(8, 4096, 2, 12)).toEqual([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
    expect(logTicks(8, 4096, 2, 5)).toEqual([8, 32, 128, 512, 2048]);
    expect(logTicks(3, 700, 10, 9)).toEqual([5, 10, 20, 50, 100, 200, 500]);
    expect(logTicks(40, 55, 10, 9)).toEqual([40, 45, 50, 55]); // too narrow for 1-2-5 steps: evenly spaced
  });

  it('wraps notes wider than the chart at spaces, so no line runs off the picture', () => {
    // textWidth is 0.6·size per character: at 11 px, 100 px holds 15 characters
    expect(wrapText('aaaa bbbb cccc dddd', 11, 100)).toEqual(['aaaa bbbb cccc', 'dddd']);
    expect(wrapText('short', 11, 100)).toEqual(['short']);
    expect(wrapText('averyveryverylongword x', 11, 100)).toEqual(['averyveryverylongword', 'x']); // a word is never split
    const note = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const svg = renderChart({
      title: 't', xLabel: 'x', xFormat: String, xBase: 10, notes: [note],
      panels: [{ title: 'p', yLabel: 'y', yFormat: String, series: [{ label: 's', color: '#000', dash: '', marker: 'circle', points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] }] }],
    });
    const lines = [...svg.matchAll(/<text[^>]*fill="#666">([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(lines.join(' ')).toBe(note);
    expect(lines.length).toBeGreaterThan(1);
    // the default width is 1100 and notes start at the left margin, 78; the right margin is 24
    for (const l of lines) expect(78 + textWidth(l, 11)).toBeLessThanOrEqual(1100 - 24);
  });
});

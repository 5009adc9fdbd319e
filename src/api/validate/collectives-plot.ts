/**
 * Charts for the collectives suite: one SVG per measured configuration (system, operation, ranks), measured time
 * and the model's predictions (held-out size, and in the fit) against message size, log-log.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLORS, renderChart, type ChartSeries } from '../../io/index.ts';
import type { ValidationCase } from './types.ts';

const fmtBytes = (b: number) => (b >= 2 ** 20 ? `${b / 2 ** 20} MiB` : b >= 1024 ? `${b / 1024} KiB` : `${b} B`);
const fmtUs = (us: number) => (us >= 1000 ? `${+(us / 1000).toPrecision(3)} ms` : `${+us.toPrecision(3)} us`);

/** Writes one SVG per Vidur configuration into `dir`; returns the files written. */
export function writeCollectivesPlots(cases: readonly ValidationCase[], dir: string): string[] {
  // id: <system>/<kind>/<config>/<bytes>B
  const configs = new Map<string, Map<string, { x: number; y: number }[]>>();
  const measured = new Map<string, Map<number, number>>();
  for (const c of cases) {
    const parts = c.id.split('/');
    if (parts.length !== 4 || c.group === 'nccl-tests') continue;
    const [sys, kind, config, b] = parts as [string, string, string, string];
    const key = `${sys}/${config}`;
    const bytes = Number(b.slice(0, -1));
    if (!configs.has(key)) configs.set(key, new Map());
    if (!measured.has(key)) measured.set(key, new Map());
    measured.get(key)!.set(bytes, c.measured);
    const m = configs.get(key)!;
    if (!m.has(kind)) m.set(kind, []);
    m.get(kind)!.push({ x: bytes, y: c.predicted });
  }
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [key, kinds] of [...configs].sort(([a], [b]) => a.localeCompare(b))) {
    const meas = [...measured.get(key)!].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y }));
    const series: ChartSeries[] = [{ label: 'measured (Vidur)', color: '#000000', dash: '', marker: 'circle', points: meas }];
    [...kinds].forEach(([kind, pts], i) => series.push({
      label: `predicted: ${kind}`, color: COLORS[i % COLORS.length]!, dash: i === 0 ? '7 4' : '2 3', marker: i === 0 ? 'square' : 'triangle',
      points: [...pts].sort((a, b) => a.x - b.x),
    }));
    const svg = renderChart({
      title: `${key.replace('/', ': ')}`,
      subtitle: 'NCCL-like model vs measured NCCL (microsoft/vidur profiles)',
      xLabel: 'message size (bytes per rank)',
      xFormat: fmtBytes,
      xBase: 2,
      panels: [{ title: 'time', yLabel: 'time (us)', yFormat: fmtUs, series }],
    });
    const file = join(dir, `${key.replace(/[^a-zA-Z0-9.-]+/g, '_')}.svg`);
    writeFileSync(file, svg);
    files.push(file);
  }
  return files;
}

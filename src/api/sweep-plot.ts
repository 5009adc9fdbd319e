/**
 * `--plot`: a sweep's rows as a picture readable on its own: one panel per metric (collective: time and bus
 * bandwidth) against cluster size (or message size when the cluster size does not vary), log axes, one line per
 * combination of the other parameters that vary, a legend, and the parameters that stayed fixed in the subtitle.
 */
import { COLORS, DASHES, InputError, MARKERS, renderChart, type Chart, type ChartSeries } from '../io/index.ts';
import { formatBytes, groupDigits } from '../units/index.ts';
import { SWEEP_COMMANDS, type SweepCommand } from './sweep-commands.ts';
import { sweepColumns } from './sweep.ts';

const NAMES: Record<string, string> = {
  npus: 'NPUs', bytes: 'message size', algo: 'algorithm', family: 'family', model: 'model', op: 'operation',
  chunks: 'chunks', topology: 'topology', bandwidthGBps: 'bandwidth', latencyNs: 'latency',
};

function valueLabel(column: string, v: string): string {
  if (column === 'bytes') return `${formatBytes(Number(v))}`;
  if (column === 'npus') return `${groupDigits(Number(v))} NPUs`;
  if (column === 'chunks') return `${v} chunk${v === '1' ? '' : 's'}`;
  if (column === 'bandwidthGBps') return `${v} GB/s`;
  if (column === 'latencyNs') return `${v} ns`;
  if (['family', 'algo', 'model', 'op', 'topology', 'scheduling', 'composition', 'scheduler'].includes(column)) return v === '' ? '(default)' : v;
  return `${column} ${v === '' ? '(default)' : v}`;
}

/** Chooses ns, µs, ms or s for values given in ns. */
function timeUnit(maxNs: number, minNs: number): { name: string; div: number } {
  const mid = Math.sqrt(Math.max(maxNs, 1) * Math.max(minNs, 1));
  if (mid >= 1e9) return { name: 's', div: 1e9 };
  if (mid >= 1e6) return { name: 'ms', div: 1e6 };
  if (mid >= 1e3) return { name: 'µs', div: 1e3 };
  return { name: 'ns', div: 1 };
}

/** A number for a tick label: up to 3 significant digits, thousands separated. */
export function tickLabel(v: number): string {
  if (v >= 1000) return groupDigits(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

function commandFor(columns: readonly string[]): SweepCommand {
  for (const c of Object.values(SWEEP_COMMANDS)) {
    if (sweepColumns(c).map((x) => x.name).join(',') === columns.join(',')) return c;
  }
  throw new InputError(`cannot plot: the columns (${columns.join(', ')}) are not those of a sweep of this version of Orrery`);
}

/** The chart for a sweep's rows. `source` names the data in a note. */
export function sweepChart(columns: readonly string[], rows: readonly string[][], source?: string): Chart {
  const command = commandFor(columns);
  const col = (name: string) => columns.indexOf(name);
  const errI = col('error');
  const ok = rows.filter((r) => r[errI] === '');
  const failed = rows.length - ok.length;
  const distinct = (name: string, rs: readonly string[][]) => [...new Set(rs.map((r) => r[col(name)]!))];

  const x = command.plot.x.find((c) => distinct(c, rows).length > 1);
  if (!x) {
    throw new InputError(`--plot draws against ${command.plot.x.join(' or ')}; this sweep varies neither (it has ${rows.length} point${rows.length === 1 ? '' : 's'})`);
  }
  const candidates = [...command.plot.series.filter((c) => c !== x), ...(x !== 'npus' ? ['topology'] : [])];
  // a column that varies splits the rows into lines, unless the columns already chosen determine it (a family's
  // topology and link figures follow from the family)
  const factors: string[] = [];
  for (const c of candidates) {
    if (col(c) < 0 || distinct(c, rows).length < 2) continue;
    const seen = new Map<string, string>();
    const determined = rows.every((r) => {
      const k = factors.map((f) => r[col(f)]).join('\u0000');
      const v = r[col(c)]!;
      if (!seen.has(k)) seen.set(k, v);
      return seen.get(k) === v;
    });
    if (!determined || factors.length === 0) factors.push(c);
  }
  const fixed = candidates.filter((c) => col(c) >= 0 && distinct(c, rows).length === 1 && rows[0]![col(c)] !== '');

  // one series per combination of factor values, in order of first appearance (point order)
  const keyOf = (r: readonly string[]) => factors.map((f) => r[col(f)]).join('\u0000');
  const groups = new Map<string, string[][]>();
  for (const r of rows) {
    const k = keyOf(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const levels = factors.map((f) => distinct(f, rows));
  const twoWay = factors.length === 2 && levels[0]!.length <= COLORS.length && levels[1]!.length <= Math.min(DASHES.length, MARKERS.length);
  const style = (rs: readonly string[][], i: number) => {
    if (twoWay) {
      const a = levels[0]!.indexOf(rs[0]![col(factors[0]!)]!), b = levels[1]!.indexOf(rs[0]![col(factors[1]!)]!);
      return { color: COLORS[a]!, dash: DASHES[b]!, marker: MARKERS[b]! };
    }
    return { color: COLORS[i % COLORS.length]!, dash: DASHES[Math.floor(i / COLORS.length) % DASHES.length]!, marker: MARKERS[i % MARKERS.length]! };
  };

  const panels = command.plot.panels.map((p) => {
    const vals = ok.map((r) => Number(r[col(p.column)])).filter((v) => v > 0 && Number.isFinite(v));
    const unit = p.unit === 'ns' ? timeUnit(Math.max(...vals), Math.min(...vals)) : { name: p.unit, div: 1 };
    const series: ChartSeries[] = [...groups.values()].map((rs, i) => ({
      label: factors.length === 0 ? 'all points' : factors.map((f) => valueLabel(f, rs[0]![col(f)]!)).join(', '),
      ...style(rs, i),
      points: rs
        .map((r) => ({ x: Number(r[col(x)]), y: r[errI] === '' ? Number(r[col(p.column)]) / unit.div : NaN }))
        .sort((a, b) => a.x - b.x),
    }));
    return { title: p.label[0]!.toUpperCase() + p.label.slice(1), yLabel: `${p.label} (${unit.name})`, yFormat: tickLabel, series };
  });

  const fixedText = (c: string) => valueLabel(c, rows[0]![col(c)]!);
  const op = fixed.includes('op') ? rows[0]![col('op')] : undefined;
  const where = fixed.includes('family') ? fixedText('family') : fixed.includes('topology') ? fixedText('topology') : undefined;
  const named = x === 'npus' ? undefined : command.plot.xAxes?.[x];
  const title = [op ?? 'sweep', where ? `on ${where}` : '', `vs ${x === 'npus' ? 'cluster size' : named?.replace(/ \(.*\)$/, '') ?? 'message size'}`].filter(Boolean).join(' ');
  // the fixed parameters worth saying: the model always, others when not at the command's default
  const isDefault = (c: string) => {
    const d = command.params.find((p) => p.column === c)?.default;
    return d !== undefined && String(d) === rows[0]![col(c)];
  };
  const subtitle = fixed
    .filter((c) => !['op', 'family', 'topology'].includes(c) && (c === 'model' || !isDefault(c)))
    .map((c) => {
      const v = rows[0]![col(c)]!;
      const same = (u: string) => { const xs = v.split('/'); return xs.every((y) => y === xs[0]) ? `${xs[0]} ${u}` : `${v} ${u} per dimension`; };
      if (c === 'bytes') return `${fixedText(c)} per rank`;
      if (c === 'model') return `${v} model`;
      if (c === 'bandwidthGBps') return same('GB/s');
      if (c === 'latencyNs') return same('ns per hop');
      return fixedText(c);
    })
    .join(' · ');
  const firstError = rows.find((r) => r[errI] !== '')?.[errI];
  const notes = [
    `${rows.length} point${rows.length === 1 ? '' : 's'}${failed > 0 ? `; ${failed} failed and not drawn (first: ${firstError!.length > 110 ? `${firstError!.slice(0, 110)}…` : firstError})` : ''}${source ? `; data: ${source}` : ''}`,
  ];
  return {
    title,
    ...(subtitle ? { subtitle } : {}),
    xLabel: x === 'npus' ? 'cluster size (NPUs, log scale)' : named ? `${named}, log scale` : 'message size per rank (bytes, log scale)',
    xFormat: x === 'npus' || named ? (v) => groupDigits(v) : (v) => formatBytes(v).replace(' ', '\u00a0'),
    xBase: 2,
    panels,
    ...(factors.length > 0 ? { legendTitle: factors.map((f) => NAMES[f] ?? f).join(', ') } : {}),
    notes,
  };
}

/** The SVG for a sweep's rows. */
export function sweepPlotSvg(columns: readonly string[], rows: readonly string[][], source?: string): string {
  if (rows.length === 0) throw new InputError('--plot: the sweep has no rows to draw');
  return renderChart(sweepChart(columns, rows, source));
}

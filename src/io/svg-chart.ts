/**
 * Line charts on log-log axes as standalone SVG: one or more panels side by side sharing the x axis, one legend
 * below. Written by hand (no charting library: the one candidate that renders SVG in Node without a DOM or canvas,
 * ECharts' server-side renderer, cannot measure text, so its legend labels overlapped; it labelled a narrow log axis
 * with only its two decades; and it is a 62 MB install). Text widths here are estimated from character counts.
 *
 * Output is deterministic: the same chart gives the same bytes.
 */

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';
export const MARKERS: readonly Marker[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];
/** Colour-blind-safe categorical colours (Okabe-Ito, then darker extras), on white. */
export const COLORS: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8c564b', '#7f7f7f', '#bcbd22'];
export const DASHES: readonly string[] = ['', '7 4', '2 3', '9 3 2 3', '4 2'];

export interface ChartSeries {
  label: string;
  color: string;
  /** SVG stroke-dasharray ('' = solid). */
  dash: string;
  marker: Marker;
  /** Points in x order; a point with a non-finite or non-positive y breaks the line there. */
  points: { x: number; y: number }[];
}

export interface ChartPanel {
  title: string;
  /** Axis label with its unit, e.g. "time (ms)". */
  yLabel: string;
  /** Tick label for a y value (in the data's unit). */
  yFormat: (y: number) => string;
  series: ChartSeries[];
}

export interface Chart {
  title: string;
  subtitle?: string;
  /** Axis label with its unit, e.g. "cluster size (NPUs)". */
  xLabel: string;
  xFormat: (x: number) => string;
  /** Log base of the x axis ticks: 2 puts a tick at each power of two (thinned to fit), 10 at 1-2-5 steps. */
  xBase: 2 | 10;
  panels: ChartPanel[];
  legendTitle?: string;
  /** Lines of small print under the legend. */
  notes?: string[];
  width?: number;
}

const FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rough width of text in px (DejaVu Sans averages about 0.6 em per character). */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

/** Splits `s` at spaces into lines no wider than `width` (by {@link textWidth}); a single longer word stays whole. */
export function wrapText(s: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/** Ticks for a log axis over [lo, hi]: powers of `base` (thinned), or 1-2-5 steps, or finer when the range is narrow. */
export function logTicks(lo: number, hi: number, base: 2 | 10, maxTicks: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  if (base === 2) {
    const a = Math.ceil(Math.log2(lo) - 1e-9), b = Math.floor(Math.log2(hi) + 1e-9);
    const n = b - a + 1;
    const step = Math.max(1, Math.ceil(n / maxTicks));
    const out: number[] = [];
    for (let e = a; e <= b; e++) if ((e - a) % step === 0) out.push(2 ** e);
    if (out.length >= 2) return out;
  }
  for (const mantissas of [[1], [1, 2, 5], [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    if (out.length >= 3 && out.length <= maxTicks) return out;
    if (out.length > maxTicks) {
      const step = Math.ceil(out.length / maxTicks);
      return out.filter((_, i) => i % step === 0);
    }
  }
  // very narrow: evenly spaced nice values
  const span = hi - lo;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi * (1 + 1e-9); v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function markerPath(m: Marker, x: number, y: number, s: number, color: string): string {
  const f = `fill="white" stroke="${color}" stroke-width="1.6"`;
  switch (m) {
    case 'circle':
      return `<circle cx="${r2(x)}" cy="${r2(y)}" r="${r2(s * 0.9)}" ${f}/>`;
    case 'square':
      return `<rect x="${r2(x - s * 0.8)}" y="${r2(y - s * 0.8)}" width="${r2(s * 1.6)}" height="${r2(s * 1.6)}" ${f}/>`;
    case 'triangle':
      return `<path d="M${r2(x)},${r2(y - s)} L${r2(x + s)},${r2(y + s * 0.8)} L${r2(x - s)},${r2(y + s * 0.8)} Z" ${f}/>`;
    case 'diamond':
      return `<path d="M${r2(x)},${r2(y - s * 1.1)} L${r2(x + s)},${r2(y)} L${r2(x)},${r2(y + s * 1.1)} L${r2(x - s)},${r2(y)} Z" ${f}/>`;
    case 'cross':
      return `<path d="M${r2(x - s)},${r2(y - s)} L${r2(x + s)},${r2(y + s)} M${r2(x - s)},${r2(y + s)} L${r2(x + s)},${r2(y - s)}" stroke="${color}" stroke-width="1.8" fill="none"/>`;
  }
}

/** Renders the chart as a standalone SVG document. */
export function renderChart(chart: Chart): string {
  const W = chart.width ?? 1100;
  const nP = chart.panels.length;
  const margin = { left: 78, right: 24, top: chart.subtitle ? 74 : 56 };
  const gap = 84;
  const plotH = 360;
  const panelW = (W - margin.left - margin.right - gap * (nP - 1)) / nP;
  const axisBottom = margin.top + 24 + plotH;

  // legend: entries (from the first panel that has each label) laid out in columns
  const entries: ChartSeries[] = [];
  for (const p of chart.panels) for (const s of p.series) if (!entries.some((e) => e.label === s.label)) entries.push(s);
  const entryW = Math.max(...entries.map((e) => 46 + textWidth(e.label, 12)), 120) + 18;
  const legendX = margin.left;
  const cols = Math.max(1, Math.floor((W - legendX - margin.right) / entryW));
  const legendRows = Math.ceil(entries.length / cols);
  const legendTop = axisBottom + 64;
  const legendTitleH = chart.legendTitle ? 20 : 0;
  const notesTop = legendTop + legendTitleH + legendRows * 20 + 10;
  const noteLines = (chart.notes ?? []).flatMap((n) => wrapText(n, 11, W - legendX - margin.right));
  const H = notesTop + noteLines.length * 16 + 12;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.ceil(H)}" viewBox="0 0 ${W} ${Math.ceil(H)}" ${FONT}>`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold" fill="#222">${esc(chart.title)}</text>`);
  if (chart.subtitle) out.push(`<text x="${W / 2}" y="50" text-anchor="middle" font-size="13" fill="#555">${esc(chart.subtitle)}</text>`);

  const allX = chart.panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.x))).filter((x) => x > 0 && Number.isFinite(x));
  const xLo = Math.min(...allX), xHi = Math.max(...allX);
  const xPad = xLo === xHi ? 2 : (xHi / xLo) ** 0.04;
  const [xa, xb] = [Math.log(xLo / xPad), Math.log(xHi * xPad)];

  chart.panels.forEach((panel, pi) => {
    const left = margin.left + pi * (panelW + gap);
    const top = margin.top + 24;
    const ys = panel.series.flatMap((s) => s.points.map((q) => q.y)).filter((y) => y > 0 && Number.isFinite(y));
    const yLo0 = ys.length ? Math.min(...ys) : 1, yHi0 = ys.length ? Math.max(...ys) : 10;
    const yPad = yLo0 === yHi0 ? 1.5 : (yHi0 / yLo0) ** 0.06;
    const [ya, yb] = [Math.log(yLo0 / yPad), Math.log(yHi0 * yPad)];
    const X = (x: number) => left + ((Math.log(x) - xa) / (xb - xa)) * panelW;
    const Y = (y: number) => top + plotH - ((Math.log(y) - ya) / (yb - ya)) * plotH;

    out.push(`<text x="${r2(left + panelW / 2)}" y="${top - 10}" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${esc(panel.title)}</text>`);
    out.push(`<rect x="${r2(left)}" y="${top}" width="${r2(panelW)}" height="${plotH}" fill="#fcfcfc" stroke="#999" stroke-width="1"/>`);
    // grid and ticks
    const widest = Math.max(...logTicks(Math.exp(xa), Math.exp(xb), chart.xBase, 100).map((t) => textWidth(chart.xFormat(t), 11.5)));
    const xTicks = logTicks(Math.exp(xa), Math.exp(xb), chart.xBase, Math.max(3, Math.floor(panelW / (widest + 10))));
    for (const t of xTicks) {
      const x = r2(X(t));
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#e4e4e4" stroke-width="1"/>`);
      out.push(`<line x1="${x}" y1="${top + plotH}" x2="${x}" y2="${top + plotH + 5}" stroke="#666"/>`);
      out.push(`<text x="${x}" y="${top + plotH + 19}" text-anchor="middle" font-size="11.5" fill="#333">${esc(chart.xFormat(t))}</text>`);
    }
    const yTicks = logTicks(Math.exp(ya), Math.exp(yb), 10, 9);
    for (const t of yTicks) {
      const y = r2(Y(t));
      out.push(`<line x1="${r2(left)}" y1="${y}" x2="${r2(left + panelW)}" y2="${y}" stroke="#e4e4e4" stroke-width="1"/>`);
      out.push(`<line x1="${r2(left - 5)}" y1="${y}" x2="${r2(left)}" y2="${y}" stroke="#666"/>`);
      out.push(`<text x="${r2(left - 8)}" y="${r2(y + 4)}" text-anchor="end" font-size="11.5" fill="#333">${esc(panel.yFormat(t))}</text>`);
    }
    out.push(`<text x="${r2(left + panelW / 2)}" y="${top + plotH + 42}" text-anchor="middle" font-size="13" fill="#222">${esc(chart.xLabel)}</text>`);
    const yl = r2(left - 60);
    const ym = r2(top + plotH / 2);
    out.push(`<text x="${yl}" y="${ym}" text-anchor="middle" font-size="13" fill="#222" transform="rotate(-90 ${yl} ${ym})">${esc(panel.yLabel)}</text>`);
    // series
    out.push(`<g clip-path="none">`);
    for (const s of panel.series) {
      const segs: string[][] = [[]];
      for (const q of s.points) {
        if (q.y > 0 && Number.isFinite(q.y) && q.x > 0) segs[segs.length - 1]!.push(`${r2(X(q.x))},${r2(Y(q.y))}`);
        else if (segs[segs.length - 1]!.length > 0) segs.push([]);
      }
      for (const seg of segs) {
        if (seg.length > 1) {
          out.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`);
        }
      }
      for (const q of s.points) if (q.y > 0 && Number.isFinite(q.y) && q.x > 0) out.push(markerPath(s.marker, X(q.x), Y(q.y), 3.6, s.color));
    }
    out.push(`</g>`);
  });

  // legend
  if (chart.legendTitle) out.push(`<text x="${legendX}" y="${legendTop}" font-size="13" font-weight="bold" fill="#222">${esc(chart.legendTitle)}</text>`);
  entries.forEach((e, i) => {
    const cx = legendX + (i % cols) * entryW;
    const cy = legendTop + legendTitleH + Math.floor(i / cols) * 20;
    out.push(`<line x1="${cx}" y1="${cy - 4}" x2="${cx + 36}" y2="${cy - 4}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`);
    out.push(markerPath(e.marker, cx + 18, cy - 4, 3.6, e.color));
    out.push(`<text x="${cx + 44}" y="${cy}" font-size="12" fill="#222">${esc(e.label)}</text>`);
  });
  noteLines.forEach((n, i) => {
    out.push(`<text x="${legendX}" y="${notesTop + i * 16}" font-size="11" fill="#666">${esc(n)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * The SVG of a serving run: latency CDFs (TTFT, TBT, E2E; log time axis) beside KV-cache use over time per
 * replica (linear axes). Standalone SVG, no fonts or scripts; sizes fixed so the file is stable byte for byte.
 */
import { COLORS } from './svg-chart.ts';

export interface ServeSvgData {
  title: string;
  /** Sorted latencies in ns per series. */
  cdfs: { label: string; sortedNs: Float64Array }[];
  /** Per replica: (time ns, fraction of blocks used) at each step start, in time order. */
  kv: { label: string; points: [number, number][] }[];
}

const W = 980, H = 420, PAD = { l: 64, r: 20, t: 56, b: 56 }, GAP = 70;
const PW = (W - PAD.l - PAD.r - GAP) / 2, PH = H - PAD.t - PAD.b;
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (x: number) => (Math.round(x * 10) / 10).toString();

function timeLabel(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} µs`;
  return `${ns} ns`;
}

/** At most n points of a long series, evenly spaced by index (always keeping the last). */
function thin<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const out: T[] = [];
  for (let i = 0; i < n - 1; i++) out.push(xs[Math.floor((i * (xs.length - 1)) / (n - 1))]!);
  out.push(xs[xs.length - 1]!);
  return out;
}

export function serveSvg(d: ServeSvgData): string {
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(d.title)}</text>`);

  // left: CDFs on a log time axis
  const x0 = PAD.l, y0 = PAD.t;
  const all = d.cdfs.flatMap((c) => (c.sortedNs.length ? [c.sortedNs[0]!, c.sortedNs[c.sortedNs.length - 1]!] : [])).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1e6))), hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 1e7)));
  const X = (v: number) => x0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PW;
  const Y = (p: number) => y0 + PH - p * PH;
  o.push(`<text x="${x0 + PW / 2}" y="${y0 - 10}" text-anchor="middle" font-size="13">latency CDFs</text>`);
  o.push(`<rect x="${x0}" y="${y0}" width="${f(PW)}" height="${PH}" fill="none" stroke="#888"/>`);
  for (let e = Math.log10(lo); e <= Math.log10(hi); e++) {
    const x = f(X(10 ** e));
    o.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + PH}" stroke="#eee"/><text x="${x}" y="${y0 + PH + 16}" text-anchor="middle" font-size="11">${timeLabel(10 ** e)}</text>`);
  }
  for (const p of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    o.push(`<line x1="${x0}" y1="${f(Y(p))}" x2="${f(x0 + PW)}" y2="${f(Y(p))}" stroke="#eee"/><text x="${x0 - 6}" y="${f(Y(p) + 4)}" text-anchor="end" font-size="11">${p}</text>`);
  }
  o.push(`<text x="${x0 + PW / 2}" y="${y0 + PH + 36}" text-anchor="middle" font-size="12">latency (log scale)</text>`);
  o.push(`<text transform="translate(${x0 - 44},${y0 + PH / 2}) rotate(-90)" text-anchor="middle" font-size="12">fraction ≤ latency</text>`);
  d.cdfs.forEach((c, k) => {
    const n = c.sortedNs.length;
    if (n === 0) return;
    const idx = thin(Array.from({ length: n }, (_, i) => i), 400);
    const pts = idx.map((i) => `${f(X(c.sortedNs[i]!))},${f(Y((i + 1) / n))}`).join(' ');
    o.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2"/>`);
    o.push(`<text x="${x0 + 10}" y="${y0 + 18 + 16 * k}" font-size="12" fill="${COLORS[k % COLORS.length]}">${esc(c.label)}</text>`);
  });

  // right: KV use over time
  const x1 = PAD.l + PW + GAP;
  const tMax = Math.max(1, ...d.kv.map((s) => s.points.at(-1)?.[0] ?? 0));
  const XT = (t: number) => x1 + (t / tMax) * PW;
  o.push(`<text x="${x1 + PW / 2}" y="${y0 - 10}" text-anchor="middle" font-size="13">KV cache in use</text>`);
  o.push(`<rect x="${f(x1)}" y="${y0}" width="${f(PW)}" height="${PH}" fill="none" stroke="#888"/>`);
  for (let i = 0; i <= 4; i++) {
    const t = (tMax * i) / 4;
    o.push(`<text x="${f(XT(t))}" y="${y0 + PH + 16}" text-anchor="middle" font-size="11">${timeLabel(Math.round(t))}</text>`);
    o.push(`<line x1="${f(x1)}" y1="${f(Y(i / 4))}" x2="${f(x1 + PW)}" y2="${f(Y(i / 4))}" stroke="#eee"/><text x="${f(x1 - 6)}" y="${f(Y(i / 4) + 4)}" text-anchor="end" font-size="11">${i * 25} %</text>`);
  }
  o.push(`<text x="${f(x1 + PW / 2)}" y="${y0 + PH + 36}" text-anchor="middle" font-size="12">simulated time</text>`);
  d.kv.forEach((s, k) => {
    const pts = thin(s.points, 1500).map(([t, u]) => `${f(XT(t))},${f(Y(u))}`).join(' ');
    if (pts) o.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2"/>`);
    o.push(`<text x="${f(x1 + PW - 10)}" y="${y0 + 18 + 16 * k}" text-anchor="end" font-size="12" fill="${COLORS[k % COLORS.length]}">${esc(s.label)}</text>`);
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

// What Vidur's measured collectives allow any model to reach (docs/collectives-nccl.md, "What the data allows").
//   node --import tsx scripts/collectives-bound.mts [--configs] [--fastest] [--figures]
// --configs: a row per configuration too; --fastest: judge each size by its fastest run instead of the median (the
// model columns stay the validation's, against the median).
// Per set (system × operation) of data/profiles/vidur/network/: how far apart the three runs of one size are, how far
// a size's median lies from its neighbours' in the same (algorithm, protocol) regime, the least error of any model
// non-decreasing in size within a regime (L1 isotonic, in the fit) and of a model-free smoother (neighbour
// interpolation, held out), beside the NCCL-like model's held-out error (the validation's 3-fold by size). With the
// full upstream profiles (../shared/data/vidur/data/profiling/network/, 993 sizes per configuration; skipped when
// absent), also each shipped point's distance from the local trend of the ~10 measured sizes around it.
// Regimes are NCCL's choice by the model's tuner on each system's full fit (the validation's `fitted`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { collectivesSuite, fitted, groupOf, VIDUR_NETWORK_DIR, VIDUR_SYSTEMS } from '../src/api/validate/collectives.ts';
import {
  absErrPct, dropFraction, quantile, seriesBound, spansBeyond, trendResiduals, type RunPoint,
} from '../src/api/validate/collectives-bound.ts';
import { resolveTopology } from '../src/api/topology.ts';
import { ncclPick, ncclShape } from '../src/collectives/index.ts';
import { readVidurNetworkCsv } from '../src/io/index.ts';
import { PACKAGE_ROOT } from '../src/api/package-root.ts';

const UPSTREAM = join(PACKAGE_ROOT, '..', 'shared', 'data', 'vidur', 'data', 'profiling', 'network');
const perConfig = process.argv.includes('--configs');
const fastest = process.argv.includes('--fastest');

const cases = await collectivesSuite.run(); // fills `fitted`
// the model's held-out error per (system, configuration, size), in file order (16 MiB was measured twice)
const heldOut = new Map<string, number[]>();
for (const c of cases) {
  if (!c.group.endsWith(' held-out size')) continue;
  const [sys, , config, size] = c.id.split('/');
  const k = `${sys}|${config}|${size}`;
  (heldOut.get(k) ?? heldOut.set(k, []).get(k)!).push(Math.log(c.predicted / c.measured));
}

type Series = Map<string, RunPoint[]>; // configuration → points

function readSeries(path: string, sysIdx: number): Series {
  const sys = VIDUR_SYSTEMS[sysIdx]!;
  const { topology } = resolveTopology({ topology: sys.topology });
  const cluster = fitted.get(sys.id)!;
  const gpusPerNode = topology.dims.slice(0, topology.dims.length - 1).reduce((a, d) => a * d.npus, 1);
  const out: Series = new Map();
  const shapes = new Map<string, ReturnType<typeof ncclShape>>();
  for (const r of readVidurNetworkCsv(path)) {
    if (r.bytes > 64 * 2 ** 20) continue; // the shipped range
    if (r.minNs === undefined || r.maxNs === undefined) throw new Error(`${path}: no min/max columns`);
    const config = `${r.collective} ${r.ranks} ranks, ${r.ranksPerNode} per node`;
    let shape = shapes.get(config);
    if (!shape) shapes.set(config, (shape = ncclShape(topology, cluster, groupOf(r, gpusPerNode))));
    const pick = ncclPick(r.collective === 'all_reduce' ? 'allreduce' : 'sendrecv', r.bytes, shape);
    const p: RunPoint = { bytes: r.bytes, minNs: r.minNs, medianNs: fastest ? r.minNs : r.timeNs, maxNs: r.maxNs, regime: `${pick.algo}/${pick.proto}` };
    (out.get(config) ?? out.set(config, []).get(config)!).push(p);
  }
  return out;
}

// residuals are ln(predicted / measured); shown as |error| %
const ln = (rs: number[]) => `${pct(rs.map(absErrPct))}, ${(100 * meanLn(rs)).toFixed(1)}`;
const pct = (xs: number[], digits = 1) => xs.length === 0 ? '-' : `${quantile(xs, 0.5).toFixed(digits)} / ${quantile(xs, 0.9).toFixed(digits)}`;
const meanLn = (rs: number[]) => rs.reduce((a, r) => a + Math.abs(r), 0) / Math.max(1, rs.length);
const defined = <T,>(xs: (T | undefined)[]) => xs.filter((x): x is T => x !== undefined);

interface Acc { n: number; spread: number[]; beyond: number; resample: number[]; repeat: number[]; neighbour: number[]; isotonic: number[]; model: number[]; modelQuiet: number[]; trend: number[]; drops: number; pairs: number; denseNeighbour: number[] }
const acc = (): Acc => ({ n: 0, spread: [], beyond: 0, resample: [], repeat: [], neighbour: [], isotonic: [], model: [], modelQuiet: [], trend: [], drops: 0, pairs: 0, denseNeighbour: [] });

const rows: [string, Acc][] = [];
const hasUpstream = existsSync(UPSTREAM);
VIDUR_SYSTEMS.forEach((sys, si) => {
  const perSys = acc();
  for (const f of sys.files) {
    const set = `${sys.id} ${f.replace('.csv', '')}`;
    const a = acc();
    const shipped = readSeries(join(VIDUR_NETWORK_DIR, sys.dir, f), si);
    const dense = hasUpstream ? readSeries(join(UPSTREAM, sys.dir, f), si) : undefined;
    for (const [config, pts] of shipped) {
      const c = acc();
      const ps = [...pts].sort((x, y) => x.bytes - y.bytes);
      const b = seriesBound(ps);
      c.n = ps.length;
      c.spread = b.spread.map((s) => s * 100);
      c.beyond = ps.filter((p) => spansBeyond(p, 0.25)).length;
      c.resample = b.resample.map(absErrPct);
      c.neighbour = defined(b.neighbour);
      c.isotonic = b.isotonic;
      // Vidur measured one size (16 MiB) twice: a direct repeat of the whole measurement
      for (let i = 1; i < ps.length; i++) if (ps[i]!.bytes === ps[i - 1]!.bytes) c.repeat.push(absErrPct(Math.log(ps[i]!.medianNs / ps[i - 1]!.medianNs)));
      // the model's held-out residual per point; "quiet": points whose runs lie within ±5 % of their median
      const key = config.replace(/ /g, '');
      const taken = new Map<number, number>();
      for (const p of ps) {
        const list = heldOut.get(`${sys.id}|${key}|${p.bytes}B`) ?? [];
        const i = taken.get(p.bytes) ?? 0;
        taken.set(p.bytes, i + 1);
        const r = list[i];
        if (r === undefined) continue;
        c.model.push(r);
        if (!spansBeyond(p, 0.05)) c.modelQuiet.push(r);
      }
      if (dense) {
        const d = dense.get(config)!;
        c.trend = defined(trendResiduals(ps, d, 5));
        const dd = dropFraction(d, 0.1);
        c.drops = dd.drops;
        c.pairs = dd.pairs;
        c.denseNeighbour = defined(seriesBound(d).neighbour);
      }
      for (const t of [a, perSys]) merge(t, c);
      if (perConfig) rows.push([`  ${config}`, c]);
    }
    rows.push([set, a]);
  }
  if (sys.files.length > 1) rows.push([`${sys.id} (both)`, perSys]);
});

function merge(t: Acc, c: Acc): void {
  t.n += c.n; t.beyond += c.beyond; t.drops += c.drops; t.pairs += c.pairs;
  for (const k of ['spread', 'resample', 'repeat', 'neighbour', 'isotonic', 'model', 'modelQuiet', 'trend', 'denseNeighbour'] as const) t[k].push(...c[k]);
}

const table = (head: string[], body: string[][]) => {
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all) console.log(r.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  '));
  console.log('');
};
console.log('Repeatability (median / p90 over the points; % of the median). spread: (max-min)/median of a size\'s three runs;');
console.log('>±25%: points with a run more than 25 % from the median; resample: expected |change| of the median of 3 redrawn');
console.log('runs; repeat: the 16 MiB size measured twice; dense jump: a median against the power law through its two');
console.log('neighbouring sizes on the full upstream grid (same regime); drops: neighbouring upstream sizes, same regime, where');
console.log('the larger is >10 % faster.\n');
table(['set', 'points', 'spread', '>±25%', 'resample', 'repeat', 'dense jump', 'drops'], rows.map(([s, a]) => [
  s, String(a.n), pct(a.spread), `${((100 * a.beyond) / a.n).toFixed(1)} %`, pct(a.resample), a.repeat.length ? `${quantile(a.repeat, 0.5).toFixed(1)} (${a.repeat.length})` : '-',
  hasUpstream ? pct(a.denseNeighbour.map(absErrPct)) : 'n/a', hasUpstream ? `${((100 * a.drops) / Math.max(1, a.pairs)).toFixed(1)} % of ${a.pairs}` : 'n/a',
]));
console.log('Least error (|error| %, median / p90; mean |ln| ×100 after the comma). isotonic: the best model non-decreasing in');
console.log('size within each regime, fitted on the points themselves (mean |ln| is a strict lower bound for any such model);');
console.log('neighbours: each shipped point from the power law through its shipped neighbours (held out); trend: distance');
console.log('from the local Theil-Sen trend of the ~10 nearest upstream sizes (held out); model: the NCCL-like model, 3-fold');
console.log('held out by size; >25%: points off by more than 25 % (p90 <= 25 % needs at most a tenth of them); model quiet:');
console.log('the model on points whose three runs lie within ±5 %.\n');
const over = (rs: number[]) => `${rs.filter((r) => absErrPct(r) > 25).length} of ${rs.length}`;
table(['set', 'isotonic (in fit)', 'neighbours', 'trend', 'trend >25%', 'model held out', 'model >25%', 'model quiet'], rows.map(([s, a]) => [
  s, ln(a.isotonic), ln(a.neighbour), hasUpstream ? ln(a.trend) : 'n/a', hasUpstream ? over(a.trend) : 'n/a', ln(a.model), over(a.model), `${ln(a.modelQuiet)} (${a.modelQuiet.length})`,
]));

// --figures: which collective figure a send/recv-only calibration misses. Each system with all-reduce is fitted on
// its send/recv alone (as the validation's `all-reduce from send/recv`), then one collective figure at a time (or all
// of them) is fitted on its own all-reduce, 3-fold by size, the send/recv figures kept: the held-out all-reduce error
// says how much of the miss that one figure carries.
if (process.argv.includes('--figures')) {
  const { fitCluster, predictNs } = await import('../src/api/calibrate/fit.ts');
  const { COLLECTIVE_FIGURES, vidurMeasurements } = await import('../src/api/validate/collectives.ts');
  console.log('All-reduce predicted from a send/recv-only fit plus one collective figure fitted on the system\'s own');
  console.log('all-reduce (3-fold by size, held out): |error| % median / p90, and the fitted value (mean over folds).\n');
  const body: string[][] = [];
  for (const sys of VIDUR_SYSTEMS) {
    const { topology } = resolveTopology({ topology: sys.topology });
    const ms = vidurMeasurements(sys, topology);
    const ar = ms.filter((m) => m.op === 'allreduce');
    if (ar.length === 0) continue;
    const keys = sys.fit.filter((k) => !COLLECTIVE_FIGURES.includes(k) && k !== 'nodeNetworkGBps' && k !== 'll128AcrossNodes');
    const c0 = fitCluster(topology, topology.cluster!, ms.filter((m) => m.op === 'sendrecv'), keys).cluster;
    const figures = sys.fit.filter((k) => !keys.includes(k));
    const sizes = [...new Set(ar.map((m) => m.bytes))].sort((a, b) => a - b);
    const row = (label: string, fit: typeof figures) => {
      const rs: number[] = [];
      const vals: number[] = [];
      for (let fold = 0; fold < 3; fold++) {
        const held = new Set(sizes.filter((_, i) => i % 3 === fold));
        const c = fit.length === 0 ? c0 : fitCluster(topology, c0, ar.filter((m) => !held.has(m.bytes)), fit).cluster;
        if (fit.length === 1) vals.push(valueOf(c, fit[0]!));
        for (const m of ar) if (held.has(m.bytes)) rs.push(Math.log(predictNs(topology, c, m) / m.timeNs));
      }
      body.push([`${sys.id} ${label}`, pct(rs.map(absErrPct)), vals.length ? (vals.reduce((a, v) => a + v, 0) / vals.length).toPrecision(3) : '']);
    };
    row('send/recv only', []);
    for (const f of figures) row(`+ ${f}`, [f]);
    row('+ all of them', figures);
  }
  table(['system, figures', 'held out', 'value'], body);
}

function valueOf(c: import('../src/network/index.ts').ClusterInfo, k: string): number {
  if (k === 'collectiveOverheadNs') return c.collectiveOverheadNs ?? 0;
  if (k === 'nodeNetworkGBps') return c.nodeNetworkGBps ?? 0;
  if (k === 'll128AcrossNodes') return c.ll128AcrossNodes === false ? 0 : 1;
  if (k.startsWith('proto:')) return c.protocolEfficiency?.[k.slice(6) as 'LL' | 'LL128'] ?? 1;
  if (k.startsWith('duplex:')) return c.duplexEfficiency?.[k.slice(7) as 'nvlink'] ?? 1;
  return NaN;
}

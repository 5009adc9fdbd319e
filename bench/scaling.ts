/**
 * @bench 30 Scaling: collectives from 8 to 16,384 NPUs on 1-D, 2-D and 3-D topologies, for every network model
 *
 * bench/scaling: a 1 GiB ring all-reduce (1 chunk) on one switch (1-D), a balanced 2-D torus and a balanced 3-D
 * torus (the `switch`, `torus2d` and `torus3d` families of `orrery sweep`), from 8 NPUs up to each network model's
 * limit (lib.ts MODEL_LIMITS; analytical: 4096 on one dimension, 16,384 on two and three), every model that
 * `networkModelNames()` lists. Each case runs in a fresh process; figures are medians. Then:
 *
 * - how wall time, memory and events grow with NPUs: the exponent k of a log-log least-squares fit y ≈ a·NPUs^k
 *   over the cases with at least 512 NPUs (below that, fixed costs such as compiling the hot loop dominate). Memory is peak RSS minus the RSS of
 *   a child that loads the same code and simulates nothing (Node's own ~45-50 MB);
 * - how they grow with message size: 1 KiB to 1 GiB (×16) on a 3-D torus of 512 NPUs;
 * - bench/scaling.svg: wall time and memory against NPUs, one line per model and topology.
 *
 *   node --import tsx bench/scaling.ts [--runs 3] [--quick]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFamily, networkModelNames, resolveTopology, runCollective } from '../src/api/index.ts';
import { COLORS, DASHES, MARKERS, renderChart, type ChartSeries } from '../src/io/index.ts';
import { formatBytes } from '../src/units/index.ts';
import {
  arg, CASE_BUDGET_MS, fitPowerLaw, fmt, isChild, isQuick, markdownTable, median, modelLimits, peakRssMB, runChild,
  saveResult, type BenchResult,
} from './lib.ts';

interface Run { timeNs: number; events: number; wallMs: number; rssMB: number; [k: string]: number }

const TOPOLOGIES = [
  { family: 'switch', label: '1-D switch', dims: 1 },
  { family: 'torus2d', label: '2-D torus', dims: 2 },
  { family: 'torus3d', label: '3-D torus', dims: 3 },
] as const;

if (isChild()) {
  const [, , , mode, model, family, npus, bytes] = process.argv;
  if (mode === 'baseline') {
    // load the same code, simulate nothing: Node's own footprint plus the bundle
    console.log(JSON.stringify({ timeNs: 0, events: 0, wallMs: 0, rssMB: peakRssMB() }));
  } else {
    const t = buildFamily(family!, Number(npus));
    const { topology } = resolveTopology({ topology: t.topology, bandwidthGBps: t.bandwidthGBps, latencyNs: t.latencyNs });
    const t0 = performance.now();
    const r = runCollective({ topology, op: 'allreduce', bytes: Number(bytes), algorithms: ['ring'], model: model! });
    const wallMs = performance.now() - t0;
    console.log(JSON.stringify({ timeNs: r.timeNs, events: r.events, wallMs, rssMB: peakRssMB() }));
  }
} else {
  const quick = isQuick();
  const runs = Number(arg('runs', quick ? '1' : '3'));
  const self = fileURLToPath(import.meta.url);
  const sizes = quick ? [8, 64, 512] : [8, 32, 128, 512, 2048, 4096, 8192, 16384];
  const models = networkModelNames();
  const GiB = 2 ** 30;
  const measure = (args: string[]) => {
    const rs = Array.from({ length: runs }, () => runChild<Run>(self, args));
    return { timeNs: rs[0]!.timeNs, events: rs[0]!.events, wallMs: median(rs.map((r) => r.wallMs)), rssMB: median(rs.map((r) => r.rssMB)) };
  };
  const baseline = measure(['baseline']).rssMB;
  console.log(`1 GiB ring all-reduce, 1 chunk, median of ${runs} fresh-process runs. Node plus the bundle, simulating nothing: ${fmt(baseline, 1)} MB peak RSS (subtracted for "memory").\n`);

  type Row = { model: string; family: string; label: string; npus: number; shape: string; events: number; wallMs: number; rssMB: number; memMB: number };
  const results: Row[] = [];
  const notes: string[] = [];
  for (const model of models) {
    const lim = modelLimits(model);
    for (const t of TOPOLOGIES) {
      const series: Row[] = [];
      for (const n of sizes) {
        if (n > (t.dims === 1 ? lim.npus1D : lim.npus)) {
          notes.push(`${model}, ${t.label}, ${n.toLocaleString('en-US')} NPUs: over the model's bench limit`);
          continue;
        }
        // project this case from the last two (or a p² / p^1.5 guess) and skip what would blow the budget
        const last = series.at(-1);
        if (last) {
          const prev = series.at(-2);
          const k = prev ? Math.max(1, Math.log(last.wallMs / prev.wallMs) / Math.log(last.npus / prev.npus)) : t.dims === 1 ? 2 : 1.5;
          const projected = last.wallMs * (n / last.npus) ** k;
          if (projected > CASE_BUDGET_MS) {
            notes.push(`${model}, ${t.label}, ${n.toLocaleString('en-US')} NPUs: projected ${fmt(projected / 1000, 0)} s per run, over the ${CASE_BUDGET_MS / 1000} s budget`);
            continue;
          }
        }
        const shape = buildFamily(t.family, n).topology;
        const m = measure(['case', model, t.family, String(n), String(GiB)]);
        const row = { model, family: t.family, label: t.label, npus: n, shape, ...m, memMB: m.rssMB - baseline };
        series.push(row);
        results.push(row);
      }
    }
  }
  console.log(markdownTable(
    ['model', 'topology', 'NPUs', 'events', 'M events/s', 'wall ms', 'peak RSS MB', 'memory MB'],
    results.map((r) => [r.model, `${r.label} (${r.shape})`, r.npus.toLocaleString('en-US'), r.events.toLocaleString('en-US'), fmt(r.events / r.wallMs / 1e3), fmt(r.wallMs, 1), fmt(r.rssMB, 0), fmt(Math.max(0, r.memMB), 1)]),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
  ));
  if (notes.length > 0) console.log(`\nNot run: ${notes.join('; ')}.`);

  // exponents against NPUs
  const fits: BenchResult['cases'] = [];
  const fitRows: (string | number)[][] = [];
  const MIN_FIT_NPUS = quick ? 8 : 512;
  for (const model of models) {
    for (const t of TOPOLOGIES) {
      const rs = results.filter((r) => r.model === model && r.family === t.family && r.npus >= MIN_FIT_NPUS);
      if (rs.length < 2) continue;
      const x = rs.map((r) => r.npus);
      const ev = fitPowerLaw(x, rs.map((r) => r.events));
      const wall = fitPowerLaw(x, rs.map((r) => r.wallMs));
      const mem = fitPowerLaw(x.filter((_, i) => rs[i]!.memMB > 1), rs.filter((r) => r.memMB > 1).map((r) => r.memMB));
      fitRows.push([model, t.label, `${x[0]!.toLocaleString('en-US')}-${x.at(-1)!.toLocaleString('en-US')} (${rs.length})`, fmt(ev.k), `${fmt(wall.k)} (r² ${fmt(wall.r2, 3)})`, mem.n >= 2 ? `${fmt(mem.k)} (r² ${fmt(mem.r2, 3)})` : 'n/a']);
      fits.push({ id: `npus-${model}-${t.family}`, model, topology: t.family, from: x[0], to: x.at(-1), eventsExp: ev.k, wallExp: wall.k, wallR2: wall.r2, memExp: mem.k, memR2: mem.r2 });
    }
  }
  console.log('\n### Growth with NPUs: exponent k of y ≈ a·NPUs^k (log-log least squares)\n');
  console.log(markdownTable(['model', 'topology', 'NPUs fitted (cases)', 'events k', 'wall time k', 'memory k'], fitRows, ['l', 'l', 'r', 'r', 'r', 'r']));
  console.log(`\nFitted over the cases with at least ${MIN_FIT_NPUS} NPUs. A ring all-reduce sends 2(p−1)·p messages on one dimension (events k → 2) and about 2·Σ(n_d − 1)·p on a torus of dimensions n_d (k → 1.5 in 2-D, 4/3 in 3-D). Wall time grows more slowly than the events where the cost per event still falls with size (fixed costs and compilation amortised: see M events/s above); memory above Node's baseline is a few MB to tens of MB and grows far more slowly than NPUs.`);

  // growth with message size, at a fixed cluster
  const sizeNpus = quick ? 64 : 512;
  const msgSizes = quick ? [2 ** 10, 2 ** 20, 2 ** 30] : [2 ** 10, 2 ** 14, 2 ** 18, 2 ** 22, 2 ** 26, 2 ** 30];
  const sizeRows: (string | number)[][] = [];
  for (const model of models) {
    const rs = msgSizes.map((b) => ({ b, ...measure(['case', model, 'torus3d', String(sizeNpus), String(b)]) }));
    for (const r of rs) sizeRows.push([model, formatBytes(r.b), r.events.toLocaleString('en-US'), fmt(r.wallMs, 1), fmt(r.rssMB, 0), r.timeNs.toLocaleString('en-US')]);
    const wall = fitPowerLaw(rs.map((r) => r.b), rs.map((r) => r.wallMs));
    const mem = fitPowerLaw(rs.map((r) => r.b), rs.map((r) => Math.max(r.rssMB - baseline, 0.1)));
    fits.push({ id: `bytes-${model}`, model, npus: sizeNpus, wallExp: wall.k, wallR2: wall.r2, memExp: mem.k });
    sizeRows.push([`**${model}: k**`, '', '', `**${fmt(wall.k, 3)}**`, `**${fmt(mem.k, 3)}**`, '']);
  }
  console.log(`\n### Growth with message size: 3-D torus of ${sizeNpus} NPUs (${buildFamily('torus3d', sizeNpus).topology}), 1 KiB to 1 GiB\n`);
  console.log(markdownTable(['model', 'size per rank', 'events', 'wall ms', 'peak RSS MB', 'simulated ns'], sizeRows));
  console.log('\nk is the exponent of wall time (and memory above the baseline) against message size; near 0 means the cost of simulating does not depend on how many bytes move (messages are not cut into packets).');

  // the picture
  const svgPath = quick ? join(import.meta.dirname, 'out', 'scaling.quick.svg') : join(import.meta.dirname, 'scaling.svg');
  const seriesFor = (metric: (r: Row) => number): ChartSeries[] => models.flatMap((model, mi) => TOPOLOGIES.map((t, ti) => ({
    label: `${t.label}${models.length > 1 ? `, ${model}` : ''}`,
    color: COLORS[ti]!,
    dash: DASHES[mi % DASHES.length]!,
    marker: MARKERS[(ti + mi) % MARKERS.length]!,
    points: results.filter((r) => r.model === model && r.family === t.family).map((r) => ({ x: r.npus, y: metric(r) })),
  })).filter((s) => s.points.length > 0));
  const fk = (x: unknown) => (Number.isFinite(x) ? fmt(x as number) : 'n/a');
  const exps = (t: string) => fits.filter((f) => f.topology === t).map((f) => `${f.model}: time k=${fk(f.wallExp)}, memory k=${fk(f.memExp)}`).join('; ');
  writeFileSync(svgPath, renderChart({
    title: 'Orrery: simulator cost of a 1 GiB ring all-reduce vs cluster size',
    subtitle: `one fresh process per case, median of ${runs}; ${models.join(', ')} network model${models.length > 1 ? 's' : ''}; Node ${process.version}`,
    xLabel: 'cluster size (NPUs, log scale)',
    xFormat: (v) => v.toLocaleString('en-US'),
    xBase: 2,
    panels: [
      { title: 'Wall time to simulate', yLabel: 'wall time (ms)', yFormat: (v) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3)))), series: seriesFor((r) => r.wallMs) },
      { title: 'Memory above Node\'s baseline', yLabel: `peak RSS − ${fmt(baseline, 0)} MB baseline (MB)`, yFormat: (v) => String(Number(v.toPrecision(3))), series: seriesFor((r) => (r.npus >= 128 && r.memMB > 0.5 ? r.memMB : NaN)) },
    ],
    legendTitle: 'topology',
    notes: [
      ...TOPOLOGIES.map((t) => `${t.label}: ${exps(t.family)} (fit over ≥ ${MIN_FIT_NPUS} NPUs)`),
      'Memory is drawn from 128 NPUs up: below that, peak RSS differs from the baseline by less than its run-to-run noise (a few MB).',
      'Source: bench/scaling.ts; figures in bench/RESULTS.md.',
    ],
  }));
  console.log(`\nWrote ${svgPath.replace(`${process.cwd()}/`, '')}.`);

  saveResult('scaling', {
    summary: fits.filter((f) => String(f.id).startsWith('npus-')).map((f) => `${f.model}, ${TOPOLOGIES.find((t) => t.family === f.topology)!.label}, ${(f.from as number).toLocaleString('en-US')}-${(f.to as number).toLocaleString('en-US')} NPUs: wall time ∝ NPUs^${fk(f.wallExp)}, ${Number.isFinite(f.memExp) ? `memory ∝ NPUs^${fk(f.memExp)}` : 'memory not fitted (within 1 MB of the baseline)'}, events ∝ NPUs^${fk(f.eventsExp)}.`)
      .concat(fits.filter((f) => String(f.id).startsWith('bytes-')).map((f) => `${f.model}, message size 1 KiB-1 GiB on ${sizeNpus} NPUs: wall time ∝ size^${fmt(f.wallExp as number, 3)}.`)),
    cases: [...results.map((r) => ({ id: `${r.family}-${r.npus}@${r.model}`, ...r })), ...fits],
  });
}

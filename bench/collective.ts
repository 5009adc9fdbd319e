/**
 * @bench 20 Collectives with a peer figure: ASTRA-sim 2.0's analytical backend
 *
 * bench/collective: the cases ASTRA-sim 2.0's analytical backend was measured on, on this machine class (issue #2):
 * a 1 GiB ring all-reduce with 4 chunks on 1024 NPUs (switch:1024, 9.75 s / 352 MB), 4096 NPUs on one switch
 * (302 s / 5.4 GB), 4096 NPUs as 16×16×16 (7.6 s / 177 MB) and 16,384 NPUs as 32×32×16 (66 s / 862 MB). Each case
 * runs in a fresh process for every network model Orrery has (within the model's size limits, see lib.ts), and
 * prints events, events/s, wall time, peak RSS and the ratios to ASTRA-sim's figures.
 *
 *   node --import tsx bench/collective.ts [--runs 3] [--model NAME] [--quick]
 */
import { fileURLToPath } from 'node:url';
import { networkModelNames, resolveTopology, runCollective } from '../src/api/index.ts';
import {
  arg, CASE_BUDGET_MS, fmt, isChild, isQuick, markdownTable, median, modelLimits, peakRssMB, runChild, saveResult,
  type BenchResult,
} from './lib.ts';
import { ASTRA_CASES as CASES } from './peers.ts';

interface Run { timeNs: number; events: number; wallMs: number; rssMB: number; [k: string]: number }

if (isChild()) {
  const topo = process.argv[3]!;
  const model = process.argv[4] ?? 'analytical';
  const { topology } = resolveTopology({ topology: topo });
  const t0 = performance.now();
  const r = runCollective({ topology, op: 'allreduce', bytes: 2 ** 30, algorithms: ['ring'], model, system: { chunks: 4 } });
  const wallMs = performance.now() - t0;
  console.log(JSON.stringify({ timeNs: r.timeNs, events: r.events, wallMs, rssMB: peakRssMB() }));
} else {
  const runs = Number(arg('runs', isQuick() ? '1' : '3'));
  const models = process.argv.includes('--model') ? [arg('model', 'analytical')] : networkModelNames();
  const cases = isQuick() ? CASES.filter((c) => c.npus <= 4096 && !(c.oneDimensional && c.npus > 1024)) : CASES;
  const self = fileURLToPath(import.meta.url);
  console.log(`1 GiB ring all-reduce, 4 chunks, median of ${runs} fresh-process runs (wall includes building the topology and network); ratios are ASTRA-sim's figure over Orrery's.\n`);
  const rows: (string | number)[][] = [];
  const out: BenchResult['cases'] = [];
  const skipped: string[] = [];
  for (const model of models) {
    const lim = modelLimits(model);
    let lastWall = 0, lastNpus = 0;
    for (const c of cases) {
      if (c.npus > (c.oneDimensional ? lim.npus1D : lim.npus)) {
        skipped.push(`${model} ${c.name}: over the model's bench limit (lib.ts MODEL_LIMITS)`);
        continue;
      }
      // one-dimensional ring all-reduce work grows as p²: skip what would blow the budget
      if (lastWall > 0 && c.oneDimensional && lastWall * (c.npus / lastNpus) ** 2 > CASE_BUDGET_MS * 4) {
        skipped.push(`${model} ${c.name}: projected over ${CASE_BUDGET_MS * 4 / 1000} s per run`);
        continue;
      }
      const rs = Array.from({ length: runs }, () => runChild<Run>(self, [c.topology, model]));
      const wall = median(rs.map((r) => r.wallMs));
      const rss = Math.max(...rs.map((r) => r.rssMB));
      const ev = rs[0]!.events;
      if (c.oneDimensional) [lastWall, lastNpus] = [wall, c.npus];
      rows.push([
        `${model}`, `${c.name} (${c.topology})`, rs[0]!.timeNs, ev.toLocaleString('en-US'), fmt(ev / wall / 1e3), fmt(wall / 1000, 3), fmt(rss, 0),
        `${fmt(c.astraSec / (wall / 1000), 1)}x`, `${fmt(c.astraMB / rss, 1)}x`,
      ]);
      out.push({ id: `${c.id}@${model}`, case: c.id, model, topology: c.topology, npus: c.npus, events: ev, wallMs: wall, rssMB: rss, astraSec: c.astraSec, astraMB: c.astraMB, runs });
    }
  }
  console.log(markdownTable(['model', 'case', 'simulated ns', 'events', 'M events/s', 'wall s', 'peak RSS MB', 'faster than ASTRA-sim', 'less memory'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  if (skipped.length > 0) console.log(`\nNot run: ${skipped.join('; ')}.`);
  saveResult('collective', {
    summary: out.map((c) => `${c.model}, ${CASES.find((x) => x.id === c.case)!.name}: ${fmt((c.wallMs as number) / 1000, 2)} s, ${fmt(c.rssMB as number, 0)} MB peak RSS ` +
      `(ASTRA-sim analytical: ${c.astraSec} s, ${c.astraMB} MB; ${fmt((c.astraSec as number) / ((c.wallMs as number) / 1000), 1)}x faster, ${fmt((c.astraMB as number) / (c.rssMB as number), 1)}x less memory).`),
    cases: out,
  });
}

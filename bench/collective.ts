/**
 * bench/collective: 1 GiB ring all-reduce with 4 chunks on 1024 NPUs (switch:1024), 4096 NPUs
 * (switch:16,switch:16,switch:16) and 16,384 NPUs (switch:32,switch:32,switch:16), analytical model, each in a
 * fresh process. Prints events, events/s, wall time, peak RSS, and the ratios to ASTRA-sim 2.0's analytical backend
 * measured on this machine class (issue #2): 9.75 s / 352 MB, 7.6 s / 177 MB, 66 s / 862 MB.
 *
 *   node --import tsx bench/collective.ts [--runs 3]
 */
import { fileURLToPath } from 'node:url';
import { resolveTopology, runCollective } from '../src/api/index.ts';
import { arg, fmt, isChild, median, peakRssMB, printTable, runChild } from './lib.ts';

interface Case { name: string; topology: string; astraSec: number; astraMB: number }

export const CASES: Case[] = [
  { name: '1024 NPUs', topology: 'switch:1024', astraSec: 9.75, astraMB: 352 },
  { name: '4096 NPUs', topology: 'switch:16,switch:16,switch:16', astraSec: 7.6, astraMB: 177 },
  { name: '16384 NPUs', topology: 'switch:32,switch:32,switch:16', astraSec: 66, astraMB: 862 },
];

if (isChild()) {
  const topo = process.argv[3]!;
  const model = process.argv[4] ?? 'analytical';
  const { topology } = resolveTopology({ topology: topo });
  const t0 = performance.now();
  const r = runCollective({ topology, op: 'allreduce', bytes: 2 ** 30, algorithms: ['ring'], model, system: { chunks: 4 } });
  const wallMs = performance.now() - t0;
  console.log(JSON.stringify({ timeNs: r.timeNs, events: r.events, wallMs, rssMB: peakRssMB() }));
} else {
  const runs = Number(arg('runs', '3'));
  const model = arg('model', 'analytical');
  const self = fileURLToPath(import.meta.url);
  console.log(`1 GiB ring all-reduce, 4 chunks, model ${model}, median of ${runs} fresh-process runs (wall includes setup)`);
  const rows: (string | number)[][] = [];
  for (const c of CASES) {
    const rs = Array.from({ length: runs }, () => runChild<{ timeNs: number; events: number; wallMs: number; rssMB: number }>(self, [c.topology, model]));
    const wall = median(rs.map((r) => r.wallMs));
    const rss = Math.max(...rs.map((r) => r.rssMB));
    const ev = rs[0]!.events;
    rows.push([
      `${c.name} (${c.topology})`, rs[0]!.timeNs, ev.toLocaleString('en-US'), fmt(ev / wall / 1e3), fmt(wall / 1000, 3), fmt(rss, 0),
      `${fmt(c.astraSec / (wall / 1000), 1)}x`, `${fmt(c.astraMB / rss, 1)}x`,
    ]);
  }
  printTable(['case', 'simulated ns', 'events', 'M events/s', 'wall s', 'peak RSS MB', 'faster than ASTRA-sim', 'less memory'], rows);
}

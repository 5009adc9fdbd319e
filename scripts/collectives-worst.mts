// The worst held-out points of one Vidur system, with the model's (algorithm, protocol) per point:
// [EXTRA=key,…] [DROP=key,…] [ALL=1] [SHOWFIT=1] node --import tsx scripts/collectives-worst.mts SYSTEM [N]   (SYSTEM: a100-dgx, a100-pairs, a40-pairs, h100-dgx)
import { VIDUR_SYSTEMS, vidurMeasurements } from '../src/api/validate/collectives.ts';
import { resolveTopology } from '../src/api/topology.ts';
import { fitCluster, type Measurement } from '../src/api/calibrate/fit.ts';
import { ncclChoose, ncclShape } from '../src/collectives/index.ts';
const id = process.argv[2] ?? 'a100-pairs';
const n = Number(process.argv[3] ?? 20);
const sys = VIDUR_SYSTEMS.find((s) => s.id === id);
if (!sys) { console.error(`unknown system ${id}; valid: ${VIDUR_SYSTEMS.map((s) => s.id).join(', ')}`); process.exit(1); }
// EXTRA=key,key adds fit keys (to try a figure on a system), DROP=key,key removes some
if (process.env.EXTRA) sys.fit = [...sys.fit, ...(process.env.EXTRA.split(',') as typeof sys.fit)];
if (process.env.DROP) sys.fit = sys.fit.filter((k) => !process.env.DROP!.split(',').includes(k));
const { topology } = resolveTopology({ topology: sys.topology });
const ms = vidurMeasurements(sys, topology);
const sizes = [...new Set(ms.map((m) => m.bytes))].sort((a, b) => a - b);
const rows: { m: Measurement; pred: number; pick: string; err: number; fold: number }[] = [];
for (let fold = 0; fold < 3; fold++) {
  const held = new Set(sizes.filter((_, i) => i % 3 === fold));
  const c = fitCluster(topology, topology.cluster!, ms.filter((m) => !held.has(m.bytes)), sys.fit).cluster;
  if (process.env.SHOWFIT) console.log('fold', fold, JSON.stringify({ ...c, sources: undefined }));
  for (const m of ms) if (held.has(m.bytes)) {
    const r = ncclChoose(m.op, m.bytes, ncclShape(topology, c, m.group));
    rows.push({ m, pred: r.timeNs, pick: `${r.algo}/${r.proto}`, err: 100 * (r.timeNs / m.timeNs - 1), fold });
  }
}
const abs = rows.map((r) => Math.abs(r.err)).sort((a, b) => a - b);
const q = (p: number) => abs[Math.min(abs.length - 1, Math.floor(p * (abs.length - 1) + 0.5))]!;
console.log(`${id} held out: ${rows.length} points, median ${q(0.5).toFixed(1)} p90 ${q(0.9).toFixed(1)}`);
const by = new Map<string, number[]>();
for (const r of rows) (by.get(r.m.config) ?? by.set(r.m.config, []).get(r.m.config)!).push(Math.abs(r.err));
for (const [k, e] of by) { e.sort((a, b) => a - b); console.log(`  ${k.padEnd(40)} ${e.length} median ${e[Math.floor(e.length / 2)]!.toFixed(1)}`); }
const sorted = process.env.ALL ? [...rows].sort((a, b) => a.m.config.localeCompare(b.m.config) || a.m.bytes - b.m.bytes) : [...rows].sort((a, b) => Math.abs(b.err) - Math.abs(a.err)).slice(0, n);
for (const r of sorted) console.log(`${r.m.config.padEnd(38)} ${String(r.m.bytes).padStart(9)} B  meas ${(r.m.timeNs / 1e3).toFixed(1).padStart(8)} us  pred ${(r.pred / 1e3).toFixed(1).padStart(8)} us  ${r.err >= 0 ? '+' : ''}${r.err.toFixed(1).padStart(6)} %  ${r.pick}  spread ${r.m.runSpread !== undefined ? (100 * r.m.runSpread).toFixed(0) : '-'}%`);

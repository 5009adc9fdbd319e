// Manual run of the collectives validation suite (orrery validate is built elsewhere): node --import tsx scripts/validate-collectives.mts [id-filter] [group]
import { collectivesSuite } from '../src/api/validate/collectives.ts';
import { errorPct } from '../src/api/validate/types.ts';
const t0 = Date.now();
const cases = await collectivesSuite.run();
const groups = new Map<string, number[]>();
for (const c of cases) { const e = Math.abs(errorPct(c)); (groups.get(c.group) ?? groups.set(c.group, []).get(c.group)!).push(e); }
const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!; };
for (const [g, e] of groups) console.log(g.padEnd(40), String(e.length).padStart(4), 'median', q(e, 0.5).toFixed(1), 'p90', q(e, 0.9).toFixed(1), 'max', Math.max(...e).toFixed(1));
if (process.argv[2]) for (const c of cases.filter((c) => c.group.includes(process.argv[2]!))) console.log(c.id.padEnd(70), c.measured.toFixed(1), c.predicted.toFixed(1), errorPct(c).toFixed(1));
import { fitted } from '../src/api/validate/collectives.ts'; for (const [k, c] of fitted) console.log(k, JSON.stringify({ ...c, sources: undefined }));
console.log('wall', Date.now() - t0, 'ms');
if (process.argv[3]) {
  const by = new Map<string, number[]>();
  for (const c of cases.filter((c) => c.group === process.argv[3])) { const k = c.id.split('/')[2]!; (by.get(k) ?? by.set(k, []).get(k)!).push(errorPct(c)); }
  for (const [k, e] of by) console.log(k.padEnd(40), e.map((x) => x.toFixed(0)).join(' '));
}
// --plot DIR: one SVG per configuration
const at = process.argv.indexOf('--plot');
if (at > 0) {
  const { writeCollectivesPlots } = await import('../src/api/validate/collectives-plot.ts');
  console.log(writeCollectivesPlots(cases, process.argv[at + 1]!).join('\n'));
}

/**
 * bench/engine-ab: a same-process A/B of two versions of the engine on the hold model (bench/engine.ts's holdEngine),
 * for proving a change to src/engine before keeping it.
 *
 *   node --import tsx bench/engine-ab.ts [--old HEAD] [--runs 7] [--ops 4000000] [--resident 1e3,1e5,1e6]
 *     [--mode rand|tie] [--fresh] [--verbose]
 *
 * "old" is src/engine and src/units at the git revision --old; "new" is the working tree's. Each is copied with its
 * own copy of the hold loop into bench/out/ab/{a,b}/ and bundled together, so the two never share a function: each
 * side's call sites see one Engine class and one scheduler class, as in a real run. The sides run alternately
 * (a, b, b, a, ...) in one plain-node process, each run after its own warm-up, timed by the process's CPU time.
 * Identical code in the two copies measured up to 15% apart in one process, so there are two passes, in fresh
 * processes: old in copy a and new in b, then swapped; the table gives each pass's ratio new / old of the median
 * rates, their geometric mean, and the same for the best runs. --fresh: every run in a process of its own (one bundle
 * per copy) instead. Both sides must run the same events: the checksum and end time of every run are compared.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, bundle, fmt, median, printTable } from './lib.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const out = join(here, 'out', 'ab');

/** The hold loop, written into each side's directory (so each side has its own copy of the function). */
const HOLD = `import { Engine } from './src/engine/index.ts';
export function hold(resident: number, ops: number, mode: string) {
  let x = 2463534242;
  const delay = mode === 'tie'
    ? () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return 1000 * (1 + ((x >>> 0) & 15)); }
    : () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % 2000; };
  const engine = new Engine({ capacity: resident + 16 });
  let remaining = 0;
  let checksum = 0;
  const h = engine.register({
    onEvent(a: number): void {
      checksum = (checksum + a) | 0;
      if (remaining-- > 0) engine.schedule(delay(), h, a + 1);
    },
  });
  const fill = () => { for (let i = 0; i < resident; i++) engine.schedule(delay(), h, i); };
  fill();
  remaining = Math.min(ops, 1_000_000);
  engine.run();
  fill();
  remaining = ops;
  const c0 = process.cpuUsage();
  const stats = engine.run();
  const u = process.cpuUsage(c0);
  return { events: stats.events, cpuMs: (u.user + u.system) / 1000, check: \`\${checksum}@\${engine.now}\` };
}
`;

function side(name: string, rev: string | undefined): void {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const mod of ['engine', 'units']) {
    if (rev === undefined) cpSync(join(root, 'src', mod), join(dir, 'src', mod), { recursive: true });
    else {
      const tar = execFileSync('git', ['archive', rev, `src/${mod}`], { cwd: root, maxBuffer: 64 << 20 });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
    }
  }
  writeFileSync(join(dir, 'hold.ts'), HOLD);
}

const rev = arg('old', 'HEAD');
const runs = Number(arg('runs', '7'));
const ops = Number(arg('ops', '4000000'));
const mode = arg('mode', 'rand');
const residents = arg('resident', '1e3,1e5,1e6').split(',').map(Number);
try {
  execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: root, stdio: 'pipe' });
} catch {
  console.error(`bench/engine-ab: --old: "${rev}" is not a commit of this repository (expected a git revision, e.g. HEAD~1)`);
  process.exit(2);
}
if (!(runs >= 1) || !(ops >= 1) || residents.some((r) => !(r >= 1)) || !['rand', 'tie'].includes(mode)) {
  console.error('bench/engine-ab: expected --runs and --ops positive numbers, --resident a comma-separated list of positive numbers, --mode rand or tie');
  process.exit(2);
}
const fresh = process.argv.includes('--fresh');
// Two passes, each in a fresh process: the old side in copy a and the new in copy b, then swapped. Identical code in
// the two copies measured up to 10% apart, always the same copy faster within a process (an A/A run shows it:
// --old with no changes); the swap cancels that, and the table gives each pass's ratio and their geometric mean.
const passes: { resident: number; old: number[]; new: number[]; checks: string[] }[][] = [];
for (const [a, b] of [['old', 'new'], ['new', 'old']] as const) {
  side('a', a === 'old' ? rev : undefined);
  side('b', b === 'old' ? rev : undefined);
  // the timing loop, bundled with both copies and run by plain node (as bench/engine.ts's children are: no tsx loader);
  // with --fresh, one bundle per copy, and each run is a process of its own
  const main = (copies: ('a' | 'b')[], n: number) => `${copies.map((c) => `import { hold as hold_${c} } from './${c}/hold.ts';`).join('\n')}
const [runs, ops, mode, residents] = [${n}, ${ops}, ${JSON.stringify(mode)}, ${JSON.stringify(residents)}];
const res: unknown[] = [];
for (const resident of residents) {
  const rate: Record<string, number[]> = { a: [], b: [] };
  const checks = new Set<string>();
  for (let r = 0; r < runs; r++) {
    for (const [s, hold] of (r % 2 === 0 ? [${copies.map((c) => `['${c}', hold_${c}]`).join(', ')}] : [${[...copies].reverse().map((c) => `['${c}', hold_${c}]`).join(', ')}]) as [string, typeof hold_${copies[0]}][]) {
      const x = hold(resident, ops, mode);
      rate[s]!.push(x.events / (x.cpuMs / 1000));
      checks.add(x.check);
    }
  }
  res.push({ resident, a: rate.a, b: rate.b, checks: [...checks] });
}
console.log(JSON.stringify(res));
`;
  type Res = { resident: number; a: number[]; b: number[]; checks: string[] }[];
  const build = (name: string, copies: ('a' | 'b')[], n: number) => {
    writeFileSync(join(out, `${name}.ts`), main(copies, n));
    return bundle(join(out, `${name}.ts`));
  };
  const exec = (bundled: string) => JSON.parse(execFileSync(process.execPath, [bundled], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as Res;
  let res: Res;
  if (!fresh) res = exec(build(`main-${a}`, ['a', 'b'], runs));
  else {
    const single = { a: build(`only-a-${a}`, ['a'], 1), b: build(`only-b-${a}`, ['b'], 1) };
    res = residents.map((resident) => ({ resident, a: [], b: [], checks: [] }));
    for (let r = 0; r < runs; r++) {
      for (const s of (r % 2 === 0 ? ['a', 'b'] : ['b', 'a']) as ('a' | 'b')[]) {
        exec(single[s]).forEach((x, i) => { res[i]![s].push(...x[s]); res[i]!.checks.push(...x.checks); });
      }
    }
  }
  passes.push(res.map((x) => ({ resident: x.resident, [a]: x.a, [b]: x.b, checks: x.checks }) as { resident: number; old: number[]; new: number[]; checks: string[] }));
}
console.log(`engine A/B, hold model, mode=${mode}, ${ops.toLocaleString('en-US')} ops per run, ${runs} runs per side alternating in one process, two passes (copies swapped)${fresh ? ', each run in a fresh process' : ''}; old = ${rev}, new = working tree; rates by CPU time`);
const rows: (string | number)[][] = [];
residents.forEach((resident, i) => {
  const [p1, p2] = [passes[0]![i]!, passes[1]![i]!];
  const checks = new Set([...p1.checks, ...p2.checks]);
  if (checks.size > 1) console.log(`warning: at ${resident} resident the sides disagree on (checksum@end ns): ${[...checks].join(', ')}`);
  if (process.argv.includes('--verbose')) {
    for (const [i, p] of [p1, p2].entries()) console.log(`${resident} pass ${i + 1}: old ${p.old.map((x) => fmt(x / 1e6, 1)).join(' ')}; new ${p.new.map((x) => fmt(x / 1e6, 1)).join(' ')}`);
  }
  const r1 = median(p1.new) / median(p1.old), r2 = median(p2.new) / median(p2.old);
  const o = Math.sqrt(median(p1.old) * median(p2.old)), n = Math.sqrt(median(p1.new) * median(p2.new));
  // best runs: on a shared machine (a VM whose stolen time counts as CPU time) the rates are bimodal, and the best run
  // of each side is the steadier estimate of its undisturbed speed
  const best = (xs: number[]) => Math.max(...xs);
  const b1 = best(p1.new) / best(p1.old), b2 = best(p2.new) / best(p2.old);
  rows.push([resident.toExponential(0), fmt(o / 1e6), fmt(n / 1e6), fmt(r1), fmt(r2), fmt(Math.sqrt(r1 * r2)),
    fmt(Math.max(best(p1.old), best(p2.old)) / 1e6), fmt(Math.max(best(p1.new), best(p2.new)) / 1e6), fmt(Math.sqrt(b1 * b2))]);
});
printTable(['resident', 'old M ev/s', 'new M ev/s', 'new / old, pass 1 (old in a)', 'pass 2 (old in b)', 'new / old (geometric mean)',
  'old best', 'new best', 'new / old, best runs (geometric mean of the passes)'], rows);
console.log('(M ev/s: geometric mean of the two passes\' medians; best: the fastest run of either pass)');

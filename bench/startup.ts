/**
 * @bench 5 Start-up: the orrery command exactly as a user runs it
 *
 * bench/startup: the `orrery` command as a user runs it (`node bin/orrery.mjs …`, the compiled dist/ that `npm ci`
 * builds), beside `node -e 0` (Node's own start-up, the floor) and beside the simulation time the CLI reports for
 * itself (the in-process figure the other bench scripts measure). Cases, run in alternating rounds so that load
 * from other jobs falls on all of them alike:
 *
 * - `node -e 0`;
 * - `orrery --help`;
 * - `node dist/cli.js --help`: the same without the launcher (which, in a clone, checks that dist/ is not older
 *   than src/; an installed package has no src/ and skips that);
 * - `orrery collective -t switch:1024 --op allreduce --size 1GiB`: the process's wall time against the `wall`
 *   line it prints (the simulation alone);
 * - `node --import tsx src/cli/entry.ts --help` (`npm run dev -- --help`): the sources through tsx, as bin/orrery.mjs
 *   ran them before dist/ existed, for comparison.
 *
 * Wall time is measured here around the child; CPU time (user + system) and peak RSS come from `/usr/bin/time -v`
 * when it exists, else from the child's own `process.resourceUsage()` at exit (a one-line `--import`). Figures are
 * medians over the rounds. The script first rebuilds dist/ (`node scripts/build.mjs --js`) so that it measures the
 * current sources.
 *
 *   node --import tsx bench/startup.ts [--runs 9] [--quick]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { arg, fmt, isQuick, median, printTable, saveResult } from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);
// fallback when /usr/bin/time is missing: the child reports its own CPU time and peak RSS on stderr at exit
const REPORT = 'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();' +
  'process.stderr.write(`\\norrery-bench-usage ${u.userCPUTime + u.systemCPUTime} ${u.maxRSS}\\n`)})';

interface Case { name: string; args: string[] }
const CASES: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'orrery --help', args: ['bin/orrery.mjs', '--help'] },
  { name: 'node dist/cli.js --help', args: ['dist/cli.js', '--help'] },
  { name: 'orrery collective -t switch:1024 --op allreduce --size 1GiB', args: ['bin/orrery.mjs', 'collective', '-t', 'switch:1024', '--op', 'allreduce', '--size', '1GiB'] },
  { name: 'npm run dev -- --help (the sources through tsx)', args: ['--import', 'tsx', 'src/cli/entry.ts', '--help'] },
];

interface Sample { wallMs: number; cpuMs: number; rssMB: number; simMs?: number }

function runOnce(c: Case): Sample {
  const [cmd, args] = haveTime
    ? [TIME, ['-v', process.execPath, ...c.args]]
    : [process.execPath, ['--import', REPORT, ...c.args]];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}: ${r.stderr.slice(-500)}`);
  let cpuMs: number, rssMB: number;
  if (haveTime) {
    const field = (label: string) => Number(new RegExp(`${label}:\\s*([0-9.]+)`).exec(r.stderr)?.[1] ?? NaN);
    cpuMs = (field('User time \\(seconds\\)') + field('System time \\(seconds\\)')) * 1000;
    rssMB = field('Maximum resident set size \\(kbytes\\)') / 1024;
  } else {
    const m = /orrery-bench-usage (\d+) (\d+)/.exec(r.stderr);
    cpuMs = Number(m?.[1] ?? NaN) / 1000;
    rssMB = Number(m?.[2] ?? NaN) / 1024;
  }
  // the collective prints "wall  12.3 ms (…)": the simulation alone, timed inside the process
  const sim = /^\s*wall\s+([0-9.]+) ms/m.exec(r.stdout);
  return { wallMs, cpuMs, rssMB, ...(sim ? { simMs: Number(sim[1]) } : {}) };
}

const runs = isQuick() ? 3 : Number(arg('runs', '9'));
console.error('building dist/ (node scripts/build.mjs --js)');
execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--js'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`Start-up and one collective through the CLI as a user runs it, ${runs} alternating rounds, medians (CPU and RSS from ${haveTime ? '/usr/bin/time -v' : 'the child\'s process.resourceUsage()'}).`);
console.log(`Load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores; wall times above the CPU times mean waiting for a core).\n`);

const samples = new Map<string, Sample[]>(CASES.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of CASES) samples.get(c.name)!.push(runOnce(c));
  console.error(`round ${i + 1}/${runs}`);
}

const med = (name: string, k: keyof Sample) => median(samples.get(name)!.map((s) => s[k] ?? NaN));
const base = { wall: med('node -e 0', 'wallMs'), cpu: med('node -e 0', 'cpuMs'), rss: med('node -e 0', 'rssMB') };
const rows = CASES.map((c) => {
  const sim = med(c.name, 'simMs');
  return [
    `\`${c.name}\``, fmt(med(c.name, 'wallMs'), 0), fmt(med(c.name, 'cpuMs'), 0), fmt(med(c.name, 'rssMB'), 1),
    `${fmt(med(c.name, 'wallMs') / base.wall)}x`, `${fmt(med(c.name, 'cpuMs') / base.cpu)}x`, `${fmt(med(c.name, 'rssMB') / base.rss)}x`,
    Number.isFinite(sim) ? fmt(sim, 1) : '',
  ];
});
printTable(['command', 'wall ms', 'cpu ms', 'peak RSS MB', 'wall / node -e 0', 'cpu / node -e 0', 'RSS / node -e 0', 'simulation ms (its own "wall" line)'], rows);

const help = { wall: med('orrery --help', 'wallMs'), cpu: med('orrery --help', 'cpuMs'), rss: med('orrery --help', 'rssMB') };
const sw = 'orrery collective -t switch:1024 --op allreduce --size 1GiB';
console.log(`\nTarget (issue 13): \`orrery --help\` within 2x of \`node -e 0\` wall time: ${fmt(help.wall / base.wall)}x (${fmt(help.cpu / base.cpu)}x in CPU time).`);
saveResult('startup', {
  summary: [
    `Start-up: \`orrery --help\` ${fmt(help.wall, 0)} ms wall, ${fmt(help.rss, 0)} MB peak RSS, ${fmt(help.wall / base.wall)}x \`node -e 0\` ` +
      `(${fmt(base.wall, 0)} ms, ${fmt(base.rss, 0)} MB); the Switch-1024 1 GiB all-reduce through the CLI ${fmt(med(sw, 'wallMs'), 0)} ms wall, ` +
      `${fmt(med(sw, 'rssMB'), 0)} MB (simulation alone ${fmt(med(sw, 'simMs'), 0)} ms)`,
  ],
  cases: CASES.map((c) => ({
    id: c.name, wallMs: med(c.name, 'wallMs'), cpuMs: med(c.name, 'cpuMs'), rssMB: med(c.name, 'rssMB'),
    ...(Number.isFinite(med(c.name, 'simMs')) ? { simMs: med(c.name, 'simMs') } : {}),
  })),
});

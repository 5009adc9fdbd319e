/**
 * @bench 25 ASTRA-sim's own inputs: astra-unaware against ASTRA-sim 2.0's time and memory
 *
 * bench/astra: ASTRA-sim's own inputs at scale, congestion-unaware, a 1 GiB all-reduce per rank (issue #3):
 * ring_1d.json on Switch_1024.yml and Switch_4096.yml, ring_3d.json on Sw16xSw16xSw16.yml and Sw32xSw32xSw16.yml
 * (shared/data/astra-sim/v2/cases/). Each case runs in a fresh Node process (peak RSS is its own) from a one-file
 * bundle of the sources; printed: simulated ns, events, wall time of the whole process (start, file reading,
 * simulation, exit, as one would time the ASTRA-sim binary) and of the simulation alone, peak RSS, and the ratios to
 * ASTRA-sim 2.0's figures on this machine class (9.75 s / 352 MB, 302 s / 5.4 GB, 7.6 s / 177 MB, 66 s / 862 MB).
 * Target: at least 10x faster and at most a quarter of the memory (issue 13: Switch 1024 at least 20x, under 64 MB).
 *
 * Beside each bundled run, alternating with it, the bench runs the command exactly as a user runs it after `npm ci`
 * (which builds dist/; the bench rebuilds it first): `node bin/orrery.mjs collective --astra-network … --astra-system …
 * --op allreduce --size 1GiB --model <model> --json`, timed with /usr/bin/time (wall, user + system CPU, peak RSS;
 * wall only without it), and prints that table too, with its simulated ns checked against the bundled run's.
 *
 * With ASTRA_SIM_BIN pointing at AstraSim_Analytical_Congestion_Unaware, it also writes the matching Chakra ET
 * microbenchmark (one COMM_COLL_NODE per rank, bench/chakra-et.ts), runs the binary on the same files and prints
 * both results side by side (times, and whether the simulated ns agree).
 *
 *   node --import tsx bench/astra.ts [--runs 1] [--only Switch_1024,Sw16xSw16xSw16] [--model astra-unaware] [--quick]
 *
 * `--quick`: the 16×16×16 case only, once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAstraCollective } from '../src/api/index.ts';
import { parseAstraStdout } from '../src/io/index.ts';
import { COMM_TYPE, writeMicrobenchmark } from './chakra-et.ts';
import { arg, bundle, fmt, isChild, isQuick, median, peakRssMB, printTable, runChild, saveResult, type BenchResult } from './lib.ts';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data', 'astra-sim', 'v2');
const CASES_DIR = join(DATA, 'cases');
const BYTES = 2 ** 30;

/**
 * astraSec/astraMB: ASTRA-sim 2.0's congestion-unaware backend on this machine class. aware: its congestion-aware
 * backend, where measured: Switch 1024 took 30 s and 353 MB (issue 13's table: ASTRA-sim 2.0 c459ab6, Release
 * build, same files, alternating runs). With --model astra-aware the ratios are taken against `aware`, and are
 * left blank for cases without it.
 */
interface Case { network: string; system: string; npus: number; astraSec: number; astraMB: number; aware?: { sec: number; mb: number } }
const CASES: Case[] = [
  { network: 'Switch_1024', system: 'ring_1d', npus: 1024, astraSec: 9.75, astraMB: 352, aware: { sec: 30, mb: 353 } },
  { network: 'Switch_4096', system: 'ring_1d', npus: 4096, astraSec: 302, astraMB: 5400 },
  { network: 'Sw16xSw16xSw16', system: 'ring_3d', npus: 4096, astraSec: 7.6, astraMB: 177 },
  { network: 'Sw32xSw32xSw16', system: 'ring_3d', npus: 16384, astraSec: 66, astraMB: 862 },
];
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'orrery.mjs');
const files = (c: Case) => [join(CASES_DIR, 'network', `${c.network}.yml`), join(CASES_DIR, 'system', `${c.system}.json`)] as const;

interface Result { timeNs: number; events: number; simMs: number; rssMB: number; cpuMs: number; [k: string]: number }

/** The user's command for a case (node and its arguments). */
function cliArgs(c: Case, model: string): string[] {
  const [net, sys] = files(c);
  return [BIN, 'collective', '--astra-network', net, '--astra-system', sys, '--op', 'allreduce', '--size', '1GiB', '--model', model, '--json'];
}

interface CliResult { timeNs: number; events: number; wallMs: number; cpuMs: number; rssMB: number }

/** Runs the command once, as a user would, and times it: with /usr/bin/time CPU and peak RSS too (else NaN). */
function runCli(c: Case, model: string): CliResult {
  const args = cliArgs(c, model);
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const p = timed
    ? spawnSync('/usr/bin/time', ['-f', 'ORRERY_CLI_TIME=%U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  if (p.status !== 0) throw new Error(`node ${args.join(' ')} failed (exit ${p.status}): ${(p.stderr ?? '').trim().split('\n')[0]}`);
  const r = JSON.parse(p.stdout) as { timeNs: number; events: number };
  const m = /ORRERY_CLI_TIME=([\d.]+) ([\d.]+) (\d+)/.exec(p.stderr ?? '');
  return {
    timeNs: r.timeNs, events: r.events, wallMs,
    cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, rssMB: m ? Number(m[3]) / 1024 : NaN,
  };
}

/** CPU time of this whole process so far (user + system), ms: what the wall time would be on an idle core. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

if (isChild()) {
  const [, , , network, system, model] = process.argv;
  if (network === 'idle') {
    console.log(JSON.stringify({ timeNs: 0, events: 0, simMs: 0, rssMB: peakRssMB(), cpuMs: cpuMs() }));
  } else {
    const t0 = performance.now();
    const r = runAstraCollective({ networkFile: network!, systemFile: system!, op: 'allreduce', bytes: BYTES, model: model! });
    const simMs = performance.now() - t0;
    console.log(JSON.stringify({ timeNs: r.report.timeNs, events: r.report.events, simMs, rssMB: peakRssMB(), cpuMs: cpuMs() }));
  }
} else {
  const runs = isQuick() ? 1 : Number(arg('runs', '1'));
  const only = isQuick() ? 'Sw16xSw16xSw16' : arg('only', '');
  const model = arg('model', 'astra-unaware');
  const self = fileURLToPath(import.meta.url);
  bundle(self, { inline: true });
  const cases = CASES.filter((c) => only === '' || only.split(',').includes(c.network));
  // the command runs dist/: build it from the current sources first, as `npm ci` would
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
  console.log(`1 GiB all-reduce per rank from ASTRA-sim's files, model ${model}, ${runs} fresh-process run(s) per case (median wall, max RSS)`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores; figures above ~1 are slowed by other work)`);
  const idle = runChild<Result>(self, ['idle', '', ''], [], { inline: true }).rssMB;
  const rows: (string | number)[][] = [];
  const ours = new Map<string, { timeNs: number; wallS: number; rssMB: number }>();
  const saved: BenchResult['cases'] = [];
  const cliRows: (string | number)[][] = [];
  for (const c of cases) {
    const rs: (Result & { wallMs: number })[] = [];
    const cli: CliResult[] = [];
    for (let i = 0; i < runs; i++) { // alternating: the bundle, then the command
      const t0 = performance.now();
      const r = runChild<Result>(self, [...files(c), model], [], { inline: true });
      rs.push({ ...r, wallMs: performance.now() - t0 });
      cli.push(runCli(c, model));
    }
    const wall = median(rs.map((r) => r.wallMs)) / 1000;
    const best = Math.min(...rs.map((r) => r.wallMs)) / 1000;
    const sim = median(rs.map((r) => r.simMs)) / 1000;
    const cpu = median(rs.map((r) => r.cpuMs)) / 1000;
    const rss = Math.max(...rs.map((r) => r.rssMB));
    const r0 = rs[0]!;
    const peer = model === 'astra-aware' ? c.aware : { sec: c.astraSec, mb: c.astraMB };
    const x = (v: number | undefined) => (v === undefined ? '-' : `${fmt(v, 1)}x`);
    ours.set(c.network, { timeNs: r0.timeNs, wallS: wall, rssMB: rss });
    const cliWall = median(cli.map((r) => r.wallMs)) / 1000, cliBest = Math.min(...cli.map((r) => r.wallMs)) / 1000;
    const cliCpu = median(cli.map((r) => r.cpuMs)) / 1000, cliRss = Math.max(...cli.map((r) => r.rssMB));
    cliRows.push([
      `${c.network} + ${c.system}`, cli[0]!.timeNs, cli.every((r) => r.timeNs === r0.timeNs) ? 'yes' : 'NO', cli[0]!.events.toLocaleString('en-US'),
      fmt(cliWall, 2), fmt(cliBest, 2), fmt(cliCpu, 2), fmt(cliRss, 0), x(peer && peer.sec / cliWall), x(peer && peer.sec / cliBest),
      x(peer && peer.sec / cliCpu), x(peer && peer.mb / cliRss),
    ]);
    saved.push({
      id: `${c.network}+${c.system}@${model}`, network: c.network, system: c.system, model, npus: c.npus, timeNs: r0.timeNs,
      events: r0.events, wallMs: wall * 1000, cpuMs: cpu * 1000, simMs: sim * 1000, rssMB: rss, idleRssMB: idle,
      astraSec: peer?.sec ?? NaN, astraMB: peer?.mb ?? NaN, astraBackend: model === 'astra-aware' ? 'congestion-aware' : 'congestion-unaware', runs,
      cliWallMs: cliWall * 1000, cliBestWallMs: cliBest * 1000, cliCpuMs: cliCpu * 1000, cliRssMB: cliRss, cliEvents: cli[0]!.events,
    });
    rows.push([
      `${c.network} + ${c.system}`, r0.timeNs, r0.events.toLocaleString('en-US'), fmt(wall, 2), fmt(best, 2), fmt(cpu, 2), fmt(sim, 2),
      fmt(r0.events / sim / 1e6, 1), fmt(rss, 0), fmt(rss - idle, 0), x(peer && peer.sec / wall), x(peer && peer.sec / best),
      x(peer && peer.sec / cpu), x(peer && peer.mb / rss),
    ]);
  }
  printTable(
    [
      'case', 'simulated ns', 'events', 'wall s', 'best wall s', 'CPU s', 'sim s', 'M events/s', 'peak RSS MB',
      'above idle Node MB', 'faster (wall)', 'faster (best wall)', 'faster (CPU)', 'less memory',
    ],
    rows,
  );
  console.log('(wall: median of the runs, best wall: the fastest, CPU: median CPU time, all of the whole child process; "sim": runAstraCollective alone. ASTRA-sim\'s figures are single-threaded wall times)');
  console.log(`(an idle Node process peaks at ${fmt(idle, 0)} MB here; ASTRA-sim's figures are its whole process, as ours are)`);
  console.log(`\nThe command as a user runs it, alternating with the runs above: node ${cliArgs(cases[0] ?? CASES[0]!, model).map((a) => a.replace(ROOT + '/', '')).join(' ')}`);
  printTable(
    ['case', 'simulated ns', 'same ns', 'events', 'wall s', 'best wall s', 'CPU s', 'peak RSS MB', 'faster (wall)', 'faster (best wall)', 'faster (CPU)', 'less memory'],
    cliRows,
  );
  console.log('(the whole `node bin/orrery.mjs` process, timed by /usr/bin/time: user + system CPU, all threads; events are engine events, where messages due back to back at one instant share one)');
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  // the aware run has its own entry (bench/astra-aware.ts runs it under npm run bench), so neither overwrites the other
  saveResult(model === 'astra-aware' ? 'astra-aware' : 'astra', {
    summary: saved.filter((c) => !Number.isNaN(c.astraSec)).map((c) => `${model} on ASTRA-sim's ${c.network} + ${c.system}: ${fmt((c.wallMs as number) / 1000, 2)} s wall, ` +
      `${fmt((c.cpuMs as number) / 1000, 2)} s CPU, ${fmt(c.rssMB as number, 0)} MB peak RSS (ASTRA-sim ${c.astraBackend as string}: ${c.astraSec} s, ${c.astraMB} MB; ` +
      `${fmt((c.astraSec as number) / ((c.cpuMs as number) / 1000), 1)}x by CPU time, ${fmt((c.astraMB as number) / (c.rssMB as number), 1)}x less memory); ` +
      `as the user runs it (node bin/orrery.mjs collective …): ${fmt((c.cliWallMs as number) / 1000, 2)} s wall, ${fmt((c.cliCpuMs as number) / 1000, 2)} s CPU, ` +
      `${fmt(c.cliRssMB as number, 0)} MB (${fmt((c.astraSec as number) / ((c.cliWallMs as number) / 1000), 1)}x by wall, ${fmt((c.astraSec as number) / ((c.cliCpuMs as number) / 1000), 1)}x by CPU).`),
    cases: saved,
  });

  const bin = process.env.ASTRA_SIM_BIN;
  if (bin) {
    if (!existsSync(bin)) throw new Error(`ASTRA_SIM_BIN=${bin}: no such file`);
    console.log(`\nASTRA-sim binary side by side: ${bin}`);
    const remote = join(DATA, 'remote_memory', 'no_memory_expansion.json');
    const hasTime = existsSync('/usr/bin/time');
    const side: (string | number)[][] = [];
    for (const c of cases) {
      const dir = mkdtempSync(join(tmpdir(), 'orrery-astra-et-'));
      try {
        const prefix = writeMicrobenchmark(dir, 'all_reduce', c.npus, COMM_TYPE.allreduce, BYTES);
        const [net, sys] = files(c);
        const args = [
          `--workload-configuration=${prefix}`, `--system-configuration=${sys}`, `--network-configuration=${net}`,
          `--remote-memory-configuration=${remote}`,
        ];
        const t0 = performance.now();
        const p = hasTime
          ? spawnSync('/usr/bin/time', ['-f', 'ORRERY_MAXRSS_KB=%M', bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
          : spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
        const wall = (performance.now() - t0) / 1000;
        const fin = parseAstraStdout(p.stdout ?? '');
        const theirs = fin.length > 0 ? Math.max(...fin.map((f) => f.finishedNs)) : NaN;
        const rssKB = Number(/ORRERY_MAXRSS_KB=(\d+)/.exec(p.stderr ?? '')?.[1] ?? NaN);
        const o = ours.get(c.network)!;
        side.push([
          `${c.network} + ${c.system}`, Number.isFinite(theirs) ? theirs : `no result (exit ${p.status})`, o.timeNs,
          theirs === o.timeNs ? 'yes' : 'NO', fmt(wall, 2), fmt(o.wallS, 2), `${fmt(wall / o.wallS, 1)}x`,
          Number.isFinite(rssKB) ? fmt(rssKB / 1024, 0) : 'n/a', fmt(o.rssMB, 0), Number.isFinite(rssKB) ? `${fmt(rssKB / 1024 / o.rssMB, 1)}x` : 'n/a',
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    printTable(['case', 'ASTRA-sim ns', 'Orrery ns', 'same', 'ASTRA-sim wall s', 'Orrery wall s', 'speed-up', 'ASTRA-sim RSS MB', 'Orrery RSS MB', 'memory ratio'], side);
  } else {
    console.log('\n(set ASTRA_SIM_BIN to AstraSim_Analytical_Congestion_Unaware to run ASTRA-sim on the same files side by side)');
  }
}

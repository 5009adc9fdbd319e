/**
 * @bench 10 Engine: the hold model
 *
 * bench/engine: the hold model (pop one event, push one at now + random delay) at 1e3, 1e5 and 1e6 resident
 * events, for every scheduler behind the full Engine (pool, dispatch, handler), each in a fresh process so peak RSS
 * is its own. Also a bare 4-ary heap loop with no engine around it (the "h4c" heap of reference/EVENT-QUEUE.md,
 * which measured 11.1 M/s at 1e3 and 5.5 M/s at 1e5 on the reference machine), so the machine's speed today can be
 * read off the table. And, when `g++` is on the PATH, bench/cpp/hold.cpp (the same hold model in plain C++, same
 * delays and seed), built with `g++ -O2` into a temporary directory: two bare queues (a 4-ary heap and a calendar
 * queue, popped and pushed inline, one int per event) and "C++ calendar engine", the same calendar behind a C++ copy
 * of Orrery's Engine (bench/cpp/engine.hpp: pool, 4-int payload, checks, virtual dispatch to a handler that
 * schedules), which does the same work per event as the engine rows here. Each row is also timed by the process's
 * CPU time (user + system, all threads: V8's GC threads count against the TypeScript rows), which the other jobs of a
 * shared machine disturb far less than the wall clock; the ratio columns divide CPU-time rates (issue 13 target:
 * Orrery's calendar at >= 0.7x the C++ calendar). Medians of interleaved runs.
 *
 *   node --import tsx bench/engine.ts [--runs 3] [--ops 4000000] [--mode rand|tie] [--quick]
 *     [--impls "calendar,C++ calendar,C++ calendar engine"]
 *
 * Delays: `rand` uniform integer in [0, 2000) ns; `tie` 1000 × (1..16) ns (many events per instant).
 * Target (issue #2): the default scheduler at ≥ 10 M events/s at 1e3 and ≥ 5 M at 1e5 resident.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, SCHEDULER_NAMES, type SchedulerName } from '../src/engine/index.ts';
import { arg, fmt, isChild, isQuick, median, peakRssMB, printTable, runChild, saveResult, type BenchResult } from './lib.ts';

interface Result { events: number; eventsPerSec: number; wallMs: number; cpuMs: number; rssMB: number; [k: string]: number }

/** CPU time (user + system) of this process since `since`, ms. */
function cpuMsSince(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function xorshift(seed: number, mode: string): () => number {
  let x = seed;
  return mode === 'tie'
    ? () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return 1000 * (1 + ((x >>> 0) & 15)); }
    : () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % 2000; };
}

function holdEngine(scheduler: SchedulerName, resident: number, ops: number, mode: string): Result {
  const engine = new Engine({ scheduler, capacity: resident + 16 });
  const delay = xorshift(2463534242, mode);
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
  remaining = Math.min(ops, 1_000_000); // warm-up, then drain
  engine.run();
  fill();
  remaining = ops;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const stats = engine.run();
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  return { events: stats.events, eventsPerSec: stats.events / (wallMs / 1000), wallMs, cpuMs, rssMB: peakRssMB(), checksum, endNs: engine.now };
}

/** A bare 4-ary min-heap on (time, seq) typed arrays, popped and pushed inline: no engine, no handler call. */
function holdBareHeap(resident: number, ops: number, mode: string): Result {
  const cap = resident + 8;
  const t = new Float64Array(cap).fill(Infinity), s = new Float64Array(cap), id = new Int32Array(cap);
  let n = 0;
  let seq = 0;
  const delay = xorshift(2463534242, mode);
  const push = (time: number, slot: number) => {
    let i = n++;
    while (i > 0) { const p = (i - 1) >> 2; if (t[p]! <= time) break; t[i] = t[p]!; s[i] = s[p]!; id[i] = id[p]!; i = p; }
    t[i] = time; s[i] = seq++; id[i] = slot;
  };
  const pop = () => {
    const top = id[0]!;
    const last = --n;
    const time = t[last]!, sq = s[last]!, sl = id[last]!;
    t[last] = Infinity;
    let i = 0;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= last) break;
      let m = c;
      for (let k = c + 1; k < c + 4; k++) if (t[k]! < t[m]! || (t[k] === t[m] && s[k]! < s[m]!)) m = k;
      if (time < t[m]! || (time === t[m] && sq < s[m]!)) break;
      t[i] = t[m]!; s[i] = s[m]!; id[i] = id[m]!; i = m;
    }
    if (last > 0) { t[i] = time; s[i] = sq; id[i] = sl; }
    return top;
  };
  for (let i = 0; i < resident; i++) push(delay(), i);
  const loop = (k: number) => { for (let j = 0; j < k; j++) { const now = t[0]!; push(now + delay(), pop()); } };
  loop(Math.min(ops, 1_000_000));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  loop(ops);
  const wallMs = performance.now() - t0;
  return { events: ops, eventsPerSec: ops / (wallMs / 1000), wallMs, cpuMs: cpuMsSince(c0), rssMB: peakRssMB() };
}

const CPP_IMPLS = ['C++ calendar', 'C++ heap4', 'C++ calendar engine'] as const;
const CPP_MODE: Record<string, string> = { 'C++ calendar': 'calendar', 'C++ heap4': 'heap4', 'C++ calendar engine': 'calendar-engine' };
/** A ratio, or '-' when its reference row was not run (--impls). */
const orDash = (x: number) => (Number.isNaN(x) ? '-' : fmt(x));
const IMPLS = ['bare heap (no engine)', ...SCHEDULER_NAMES] as const;

/** Compiles bench/cpp/hold.cpp with `g++ -O2` into a temporary directory; undefined (with a note) without g++. */
function buildCpp(self: string): { bin: string; dir: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'orrery-hold-'));
  const bin = join(dir, 'hold');
  try {
    execFileSync('g++', ['-O2', '-std=c++17', '-o', bin, join(dirname(self), 'cpp', 'hold.cpp')], { stdio: 'pipe' });
    return { bin, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'g++ not found' : `g++ failed: ${String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n')[0]}`;
    console.log(`note: C++ peer skipped (${why}); the table has no C++ rows and no ratio column`);
    return undefined;
  }
}

function runCpp(bin: string, impl: string, resident: number, ops: number, mode: string): Result {
  const out = execFileSync(bin, [CPP_MODE[impl]!, String(resident), String(ops), mode], { encoding: 'utf8' });
  return { ...(JSON.parse(out.trim()) as Result), rssMB: NaN };
}

if (isChild()) {
  const [, , , impl, resident, ops, mode] = process.argv;
  const r = impl === IMPLS[0]
    ? holdBareHeap(Number(resident), Number(ops), mode!)
    : holdEngine(impl as SchedulerName, Number(resident), Number(ops), mode!);
  console.log(JSON.stringify(r));
} else {
  const runs = Number(arg('runs', isQuick() ? '1' : '3'));
  const ops = Number(arg('ops', isQuick() ? '500000' : '4000000'));
  const mode = arg('mode', 'rand');
  const self = fileURLToPath(import.meta.url);
  const cpp = buildCpp(self);
  const only = arg('impls', '');
  const all: readonly string[] = cpp ? [...IMPLS, ...CPP_IMPLS] : IMPLS;
  const unknown = only === '' ? [] : only.split(',').filter((x) => !all.includes(x));
  if (unknown.length > 0) {
    console.error(`bench/engine: --impls: unknown "${unknown.join('", "')}"; expected a comma-separated list of: ${all.join(', ')}`);
    process.exit(2);
  }
  const impls = only === '' ? all : all.filter((x) => only.split(',').includes(x));
  console.log(`engine hold model, mode=${mode}, ${ops.toLocaleString('en-US')} timed ops per run (heap-js: at most 2,000,000 at 1e6), median of ${runs}`);
  const rows: (string | number)[][] = [];
  const cases: BenchResult['cases'] = [];
  for (const resident of [1e3, 1e5, 1e6]) {
    const samples = new Map<string, Result[]>();
    for (let r = 0; r < runs; r++) {
      for (const impl of impls) {
        const n = impl === 'heap-js' && resident >= 1e6 ? Math.min(ops, 2_000_000) : ops;
        const res = impl.startsWith('C++')
          ? runCpp(cpp!.bin, impl, resident, n, mode)
          : runChild<Result>(self, [impl, String(resident), String(n), mode]);
        samples.set(impl, [...(samples.get(impl) ?? []), res]);
      }
    }
    // rows that run the same number of events run the same events: their checksums and end times must agree (heap-js
    // runs fewer ops at 1e6, so it is compared only with rows of its own length)
    const byLength = new Map<number, Set<string>>();
    for (const impl of impls) {
      for (const x of samples.get(impl)!) {
        if (x.checksum === undefined) continue;
        byLength.set(x.events, (byLength.get(x.events) ?? new Set()).add(`${x.checksum}@${x.endNs}`));
      }
    }
    for (const [events, ends] of byLength) {
      if (ends.size > 1) console.log(`warning: at ${resident} resident the rows of ${events} events disagree on (checksum@end ns): ${[...ends].join(', ')}`);
    }
    /** Median rate by CPU time: the ratio columns' measure. */
    const cpuRate = (impl: string) => (samples.has(impl) ? median(samples.get(impl)!.map((x) => x.events / (x.cpuMs / 1000))) : NaN);
    const ref = cpuRate('heap-js');
    const bare = cpuRate(IMPLS[0]);
    const cppCal = cpuRate(CPP_IMPLS[0]);
    const cppEng = cpuRate(CPP_IMPLS[2]);
    for (const impl of impls) {
      const xs = samples.get(impl)!;
      const eps = median(xs.map((x) => x.eventsPerSec));
      const cps = cpuRate(impl);
      const wallMs = median(xs.map((x) => x.wallMs)), rssMB = Math.max(...xs.map((x) => x.rssMB));
      const events = xs[0]!.events; // timed events: the ops, plus the resident events drained at the end
      const row = [impl, resident.toExponential(0), events.toLocaleString('en-US'), fmt(eps / 1e6), fmt(wallMs, 0), fmt(cps / 1e6), Number.isNaN(rssMB) ? '-' : fmt(rssMB, 0), orDash(cps / ref), orDash(cps / bare)];
      rows.push(cpp ? [...row, orDash(cps / cppCal), orDash(cps / cppEng)] : row);
      cases.push({
        id: `hold-${impl}-${resident}`, impl, resident, eventsPerSec: eps, cpuEventsPerSec: cps, wallMs, rssMB, events,
        ...(cpp ? { xCppCalendar: cps / cppCal, xCppCalendarEngine: cps / cppEng } : {}),
      });
    }
  }
  if (cpp) rmSync(cpp.dir, { recursive: true, force: true });
  const headers = ['scheduler', 'resident', 'events', 'M events/s', 'wall ms', 'M events/s by CPU', 'peak RSS MB', 'x heap-js', 'x bare heap'];
  printTable(cpp ? [...headers, 'x C++ calendar', 'x C++ calendar engine'] : headers, rows);
  console.log('(x columns: ratios of the CPU-time rates, same run)');
  const at = (impl: string, r: number) => fmt((cases.find((c) => c.impl === impl && c.resident === r)?.eventsPerSec as number) / 1e6);
  const ratio = (r: number, k: string) => orDash(cases.find((c) => c.impl === 'calendar' && c.resident === r)?.[k] as number ?? NaN);
  saveResult('engine', {
    summary: [
      `Engine hold model (${mode} delays), M events/s at 1e3 / 1e5 / 1e6 resident events: ` +
        impls.map((impl) => `${impl} ${at(impl, 1e3)} / ${at(impl, 1e5)} / ${at(impl, 1e6)}`).join('; ') + '.',
      ...(cpp
        ? [`Orrery calendar / C++ calendar engine (same work per event), by CPU time, same run: ${ratio(1e3, 'xCppCalendarEngine')} / ${ratio(1e5, 'xCppCalendarEngine')} / ${ratio(1e6, 'xCppCalendarEngine')} at 1e3 / 1e5 / 1e6 (target >= 0.7); ` +
          `over the bare C++ calendar queue: ${ratio(1e3, 'xCppCalendar')} / ${ratio(1e5, 'xCppCalendar')} / ${ratio(1e6, 'xCppCalendar')}.`]
        : []),
    ],
    cases,
  });
}

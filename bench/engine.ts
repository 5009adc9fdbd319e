/**
 * bench/engine: the hold model (pop one event, push one at now + random delay) at 1e3, 1e5 and 1e6 resident
 * events, for every scheduler, each in a fresh process so peak RSS is its own. Prints events/s (median of runs),
 * wall time and peak RSS, and the ratio of each scheduler to heap-js measured side by side in this run.
 *
 *   node --import tsx bench/engine.ts [--runs 3] [--ops 4000000] [--mode rand|tie]
 *
 * Target (issue #2): the default scheduler at >= 10 M events/s at 1e3 and >= 5 M at 1e5 resident.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Engine, SCHEDULER_NAMES, type SchedulerName } from '../src/engine/index.ts';

interface Result { scheduler: string; resident: number; mode: string; ops: number; eventsPerSec: number; wallMs: number; peakRssMB: number; gcScavenges?: number }

function child(scheduler: SchedulerName, resident: number, ops: number, mode: string): Result {
  const engine = new Engine({ scheduler, capacity: resident + 16 });
  // xorshift32 delays: uniform [0, 2000) ns ('rand') or 1000 x (1..16) ns ('tie', many equal times)
  let x = 2463534242;
  const nextDelay = mode === 'tie'
    ? () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return 1000 * (1 + ((x >>> 0) & 15)); }
    : () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % 2000; };
  let remaining = 0;
  let checksum = 0;
  const handler = {
    onEvent(a: number): void {
      checksum = (checksum + a) | 0;
      if (remaining-- > 0) engine.schedule(nextDelay(), h, a + 1);
    },
  };
  const h = engine.register(handler);
  for (let i = 0; i < resident; i++) engine.schedule(nextDelay(), h, i);
  remaining = 1_000_000; // warm-up
  engine.run(engine.now + Number.MAX_SAFE_INTEGER / 4);
  // the warm-up drained `remaining`; continue the hold loop for the timed section
  for (let i = 0; i < resident; i++) engine.schedule(nextDelay(), h, i);
  remaining = ops;
  const t0 = performance.now();
  const stats = engine.run();
  const wallMs = performance.now() - t0;
  void checksum;
  return {
    scheduler, resident, mode, ops: stats.events, eventsPerSec: stats.events / (wallMs / 1000), wallMs,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

if (process.argv[2] === '--child') {
  const [, , , scheduler, resident, ops, mode] = process.argv;
  console.log(JSON.stringify(child(scheduler as SchedulerName, Number(resident), Number(ops), mode!)));
} else {
  const runs = Number(arg('runs', '3'));
  const ops = Number(arg('ops', '4000000'));
  const mode = arg('mode', 'rand');
  const self = fileURLToPath(import.meta.url);
  const rows: Result[] = [];
  console.log(`engine hold model, mode=${mode}, ${ops.toLocaleString()} timed ops per run, median of ${runs} (runs interleaved)`);
  console.log('scheduler | resident | M events/s | wall ms | peak RSS MB | x heap-js');
  for (const resident of [1e3, 1e5, 1e6]) {
    const samples = new Map<string, Result[]>();
    for (let r = 0; r < runs; r++) {
      for (const s of SCHEDULER_NAMES) {
        const n = s === 'heap-js' && resident >= 1e6 ? Math.min(ops, 2_000_000) : ops;
        const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', s, String(resident), String(n), mode], { encoding: 'utf8' });
        const res = JSON.parse(out.trim().split('\n').at(-1)!) as Result;
        samples.set(s, [...(samples.get(s) ?? []), res]);
      }
    }
    const ref = median(samples.get('heap-js')!.map((x) => x.eventsPerSec));
    for (const s of SCHEDULER_NAMES) {
      const xs = samples.get(s)!;
      const eps = median(xs.map((x) => x.eventsPerSec));
      const row = { ...xs[0]!, eventsPerSec: eps, wallMs: median(xs.map((x) => x.wallMs)), peakRssMB: Math.max(...xs.map((x) => x.peakRssMB)) };
      rows.push(row);
      console.log(`${s.padEnd(9)} | ${resident.toExponential(0).padStart(8)} | ${(eps / 1e6).toFixed(2).padStart(10)} | ${row.wallMs.toFixed(0).padStart(7)} | ${row.peakRssMB.toFixed(0).padStart(11)} | ${(eps / ref).toFixed(2)}`);
    }
  }
  if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
}

/**
 * @bench 55 Importers and generators: speed and size
 *
 * bench/workloads: how fast and how compact the importers and the generator are. Each case runs in a fresh
 * process (so its peak RSS is its own) and prints wall time (median of runs), ops, programs, ranks, heap growth
 * and the trace's JSON size.
 *
 *   node --import tsx bench/workloads.ts [--runs 3]
 *
 * Cases: GPT-3 175B training with TP 8 × PP 8 × DP 16 (1,024 ranks, issue #4's headline), Llama-70B and
 * Mixtral-8x7B training, Llama-70B inference; the 3,664-node PyTorch Chakra trace (decode + map); SimAI's
 * 1,789-layer workload on 9,216 GPUs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkload, loadAstraWorkload, loadChakra, type Trace } from '../src/api/index.ts';

const SHARED = join(fileURLToPath(import.meta.url), '../../../shared/data');

interface Result { case: string; ms: number; ops: number; programs: number; ranks: number; heapMB: number; jsonMB: number; rssMB: number }

const CASES: Record<string, () => Trace> = {
  'gpt3-175b train tp8 pp8 dp16': () => generateWorkload('gpt3-175b'),
  'llama-70b train tp8 sp pp4x2 dp16 zero1': () => generateWorkload('llama-70b'),
  'mixtral-8x7b train tp2 ep8 dp32': () => generateWorkload('mixtral-8x7b'),
  'llama-70b infer tp8 b16 4096+128': () => generateWorkload('llama-70b', { mode: 'infer' }),
  'chakra pytorch trace (3,664 nodes)': () => {
    const dir = mkdtempSync(join(tmpdir(), 'orrery-bench-'));
    execFileSync('tar', ['xzf', join(SHARED, 'chakra/feeder_tests_trace.tar.gz'), '-C', dir]);
    try {
      return loadChakra(join(dir, 'tests/data/chakra'), { keepIo: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  'simai workload_analytical (9,216 GPUs)': () => loadAstraWorkload(join(SHARED, 'simai/example/workload_analytical.txt')),
};

function child(name: string): Result {
  const make = CASES[name]!;
  make(); // warm-up (JIT)
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const t = make();
  const ms = performance.now() - t0;
  const heapMB = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const ops = t.programs.reduce((n, p) => n + p.ops.length, 0);
  const jsonMB = JSON.stringify(t).length / 1e6;
  return { case: name, ms, ops, programs: t.programs.length, ranks: t.ranks, heapMB, jsonMB, rssMB: process.resourceUsage().maxRSS / 1024 };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(child(args[1]!)));
} else {
  const runs = args.includes('--quick') ? 1 : Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
  const self = fileURLToPath(import.meta.url);
  console.log('case'.padEnd(42), 'ms(median)'.padStart(10), 'ops'.padStart(9), 'progs'.padStart(6), 'ranks'.padStart(6), 'heapMB'.padStart(7), 'jsonMB'.padStart(7), 'rssMB'.padStart(6));
  for (const name of Object.keys(CASES)) {
    const rs: Result[] = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', name], { encoding: 'utf8' });
      rs.push(JSON.parse(out) as Result);
    }
    rs.sort((a, b) => a.ms - b.ms);
    const r = rs[Math.floor(rs.length / 2)]!;
    console.log(
      r.case.padEnd(42), r.ms.toFixed(0).padStart(10), String(r.ops).padStart(9), String(r.programs).padStart(6),
      String(r.ranks).padStart(6), r.heapMB.toFixed(1).padStart(7), r.jsonMB.toFixed(1).padStart(7), r.rssMB.toFixed(0).padStart(6),
    );
  }
}

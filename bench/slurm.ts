/**
 * @bench 80 Sweeps through Slurm: a 1,000-point sweep on a one-node cluster against the serial run
 *
 * bench/slurm: runs one `orrery sweep collective` of 1,000 points (5 topology families × 5 cluster sizes × 8 message
 * sizes × 5 algorithms, analytical model) twice: serially on this machine (`--jobs` = the cores), and through Slurm
 * (`--slurm DIR --shards N`, one CPU per task, so the node runs as many tasks at once as it has CPUs). It checks the
 * merged file equals the serial one row for row (timing columns aside) and reports both wall times and the overhead
 * per point, (Slurm wall − serial wall) / points: Slurm's scheduling, one Node start per task, squeue polling.
 *
 * Needs a Slurm cluster (`.ci/slurm-up.sh` starts a one-node one); without one it says so and measures nothing.
 *
 *   node --import tsx bench/slurm.ts [--shards 10] [--runs 2] [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withoutTiming } from '../tests/helpers/sweep.ts';
import { findCluster } from '../tests/slurm/cluster.ts';
import { arg, fmt, isQuick, median, printTable, saveResult } from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const quick = isQuick();
// 5 families × 5 sizes (8..128) × 8 message sizes (1 KiB..16 MiB ×4) × 5 algorithms = 1,000 points
const SWEEP = [
  'sweep', 'collective', '--family', 'ring,switch,fc,torus2d,torus3d', '--npus', quick ? '8,16' : '8..128', '--op', 'allreduce',
  '--size', quick ? '1KiB,1MiB' : '1KiB..16MiBx4', '--algo', 'ring,direct,halvingDoubling,direct2,direct4', '--model', 'analytical',
];
const POINTS = quick ? 5 * 2 * 2 * 5 : 1000;
const shards = Number(arg('shards', quick ? '4' : '10'));
const runs = Number(arg('runs', quick ? '1' : '2'));

function orrery(args: string[], env: NodeJS.ProcessEnv): { code: number; stderr: string; stdout: string; wallS: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'orrery.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', env });
  return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout, wallS: (performance.now() - t0) / 1000 };
}


const cluster = findCluster();
if (!cluster.ok) {
  console.log(`Not measured: ${cluster.reason}.`);
  saveResult('slurm', { summary: [`Sweep through Slurm: not measured (${cluster.reason})`], cases: [] });
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'orrery-bench-slurm-'));
  try {
    const env = { ...cluster.env, NO_COLOR: '1' };
    const cores = availableParallelism();
    // serial and Slurm runs alternate, so both see the same load on a shared machine; medians over the runs
    const serialS: number[] = [];
    const slurmS: number[] = [];
    let equal = true;
    for (let i = 0; i < runs; i++) {
      const out = join(tmp, `serial-${i}.csv`);
      const serial = orrery([...SWEEP, '--jobs', String(cores), '--out', out, '-q'], env);
      if (serial.code !== 0 && serial.code !== 3) throw new Error(`serial sweep failed: ${serial.stderr}`); // 3: some points failed; their rows are compared too
      const dir = join(tmp, `slurm-${i}`);
      const slurm = orrery([...SWEEP, '--slurm', dir, '--shards', String(shards), '--poll', '2'], env);
      if (slurm.code !== 0 && slurm.code !== 3) throw new Error(`Slurm sweep failed: ${slurm.stderr}`);
      // every column but wallMs and peakMemMB, row for row
      const a = withoutTiming(out);
      equal &&= a.split('\n').length === POINTS + 1 && a === withoutTiming(join(dir, 'sweep.csv'));
      serialS.push(serial.wallS);
      slurmS.push(slurm.wallS);
    }
    const cpus = spawnSync('sinfo', ['-h', '-o', '%c'], { env, encoding: 'utf8' }).stdout.trim();
    const ser = median(serialS);
    const slu = median(slurmS);
    const perPointMs = ((slu - ser) / POINTS) * 1000;
    console.log(
      `One sweep of ${POINTS} points (\`orrery ${SWEEP.join(' ')}\`), serially with --jobs ${cores} and through Slurm with ` +
        `--slurm DIR --shards ${shards} (one CPU per task; the node has ${cpus} CPUs, so ${cpus} tasks run at once), wall time of the whole command, ` +
        `${runs} runs of each, alternating; medians. Overhead per point = (Slurm wall − serial wall) / points.\n`,
    );
    printTable(
      ['run', 'points', 'tasks', 'wall s (each run)', 'wall s (median)', 'per point ms', 'rows equal serial'],
      [
        ['serial', POINTS, '-', serialS.map((x) => fmt(x, 1)).join(', '), fmt(ser, 1), fmt((ser / POINTS) * 1000, 1), '-'],
        ['Slurm', POINTS, shards, slurmS.map((x) => fmt(x, 1)).join(', '), fmt(slu, 1), fmt((slu / POINTS) * 1000, 1), equal ? 'yes' : 'NO'],
      ],
    );
    console.log(`\nOverhead (medians): ${fmt(slu - ser, 1)} s in all, ${fmt(perPointMs, 1)} ms per point, ${fmt((slu - ser) / shards, 1)} s per task.`);
    saveResult('slurm', {
      summary: [`Sweep through Slurm, ${POINTS} points in ${shards} tasks on a one-node cluster: ${fmt(slu, 1)} s against ${fmt(ser, 1)} s serial (medians of ${runs}; ${fmt(perPointMs, 1)} ms overhead per point); merged rows ${equal ? 'equal' : 'DIFFER FROM'} the serial run's.`],
      cases: [{ id: 'slurm-sweep', points: POINTS, shards, runs, serialS, slurmS, perPointOverheadMs: perPointMs, equal }],
    });
    if (!equal) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `orrery calibrate`: fit a cluster preset to measured collectives and write a cluster file. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { calibrate } from '../api/calibrate/index.ts';
import { clusterPresetNames } from '../api/topology.ts';
import { formatBytes } from './format.ts';
import { intOpt } from './options.ts';

interface CalibrateCliOptions {
  preset: string;
  ncclTests?: string[];
  vidur?: string[];
  op?: string;
  ranks?: number;
  output?: string;
  json?: boolean;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .summary('fit a cluster preset\'s link and protocol figures to measured collectives')
    .description(
      'Read nccl-tests output logs (all_reduce_perf, all_gather_perf, sendrecv_perf, …) and Vidur network CSVs, fit ' +
        'the preset\'s achieved link efficiencies, overheads and latency scale (docs/collectives-nccl.md), print the ' +
        'fit\'s error per size and write a cluster file usable as --topology FILE.json:<nodes>.',
    )
    .requiredOption('-p, --preset <name|file>', `cluster preset to start from: ${clusterPresetNames().join(', ')}, or an orrery-cluster file`)
    .option('--nccl-tests <logs...>', 'nccl-tests output logs (the operation from the binary named in the log or file name)')
    .option('--vidur <csvs...>', 'Vidur network profile CSVs (all_reduce.csv, send_recv.csv)')
    .option('--op <op>', 'operation of the nccl-tests logs that do not name their binary (allreduce, allgather, sendrecv, …)')
    .option('--ranks <n>', 'ranks of the nccl-tests logs that list none', intOpt('--ranks', 1))
    .option('-o, --output <file>', 'write the calibrated cluster file here')
    .option('--json', 'print the result as JSON')
    .action((opts: CalibrateCliOptions) => {
      const r = calibrate({
        preset: opts.preset,
        ncclTests: (opts.ncclTests ?? []).map((path) => ({ path, ...(opts.op ? { op: opts.op } : {}), ...(opts.ranks ? { ranks: opts.ranks } : {}) })),
        vidur: opts.vidur ?? [],
      });
      if (opts.output) writeFileSync(opts.output, `${JSON.stringify(r.document, null, 2)}\n`);
      if (opts.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      console.log(`fitted ${r.fitted.join(', ')} on ${r.rows.length} measurements`);
      console.log(`  ${'configuration'.padEnd(32)} ${'size'.padStart(10)} ${'measured'.padStart(12)} ${'preset'.padStart(12)} ${'fitted'.padStart(12)} ${'error'.padStart(8)}`);
      for (const x of r.rows) {
        console.log(`  ${x.config.padEnd(32)} ${formatBytes(x.bytes).padStart(10)} ${`${x.measuredUs.toFixed(1)} us`.padStart(12)} ${`${x.presetUs.toFixed(1)} us`.padStart(12)} ${`${x.predictedUs.toFixed(1)} us`.padStart(12)} ${`${x.errorPct >= 0 ? '+' : ''}${x.errorPct.toFixed(1)} %`.padStart(8)}`);
      }
      console.log(`median |error|: ${r.medianAbsErrorPct.toFixed(1)} % fitted (preset as shipped: ${r.presetMedianAbsErrorPct.toFixed(1)} %)`);
      const nccl = r.document.nccl as Record<string, unknown>;
      console.log(`figures: ${JSON.stringify(nccl)}`);
      if (opts.output) console.log(`wrote ${opts.output} (use it as --topology ${opts.output}:<nodes>)`);
    });
}

/**
 * `orrery sweep <command>`: runs a single-run command over lists and ranges of its options (one subcommand per
 * sweepable command, generated from the api's parameter tables), plus `sweep merge` and `sweep plot`.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkOutputPath, InputError, writeOrFail } from '../api/vocabulary.ts';
import { defaultJobs, familyTable, getSweepCommand, mergeSweepFiles, outputFormat, parseShard, readSweepFile, readSweepSpec, runSweep, sweepCommandNames, type RawValue, type SweepRequest } from '../api/sweep.ts';
import { sweepPlotSvg } from '../api/sweep-plot.ts';
import { createProgress } from './progress.ts';
import { addSlurmOptions, checkSlurmFlags, mergeSlurmDir, registerSlurmStatus, runSlurmSweep, type SlurmCliOptions } from './sweep-slurm.ts';

/** Exit status when the sweep finished but some points failed (their rows say why). */
export const EXIT_POINTS_FAILED = 3;

interface CommonOptions {
  spec?: string;
  out?: string;
  format?: string;
  jobs?: string;
  resume?: boolean;
  force?: boolean;
  shard?: string;
  plot?: string;
  timeout?: string;
  quiet?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < 1) throw new InputError(`${flag} "${v}": expected a positive integer`);
  return n;
}

export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .summary('run a command over lists and ranges of its options, in parallel')
    .description(
      'Run a command over the cross product of option values (lists 1,2,4; ranges 8..4096 doubling, 1KiB..1GiBx4, ' +
        '1..8+1), on worker threads, writing one CSV or JSON-lines row per point in a stable order. ' +
        `Sweepable: ${sweepCommandNames().join(', ')}. Also: sweep merge (join shards), sweep plot (draw a result file), sweep status (a sweep submitted with --slurm).`,
    );

  for (const name of sweepCommandNames()) {
    const cmd = getSweepCommand(name);
    const sub = sweep
      .command(name)
      .summary(cmd.summary)
      .description(
        `${cmd.summary}. Every option takes one value, a comma-separated list (1MiB,64MiB), or a range ` +
          '(8..4096 doubles; 1KiB..1GiBx4; 1..8+1), and may be repeated; the sweep runs every combination, the first ' +
          'option varying slowest, and writes one row per point in that order.',
      )
      .addHelpText('after', `\nTopology families (--family, with --npus):\n${familyTable().map((f) => `  ${f.name}\n      ${f.summary}\n      default links: ${f.defaults}`).join('\n')}\n\nExit status: 0 all points ran; 3 some failed (their rows say why); 4 (--slurm) some tasks failed every attempt; 1 bad input.`);
    for (const p of cmd.params) sub.option(p.flags, p.help, collect);
    sub
      .option('--spec <file>', 'read the parameters from a sweep JSON file (options given here replace the file\'s)')
      .option('--out <file>', 'write rows to this file (.csv or .jsonl), one per point as it completes; default: stdout')
      .option('--format <fmt>', 'csv or jsonl (default: from the --out extension; csv on stdout)')
      .option('-j, --jobs <n>', `worker threads (default: the core count, ${defaultJobs()})`)
      .option('--resume', 'continue --out: skip the points already in it')
      .option('--force', 'overwrite --out if it exists')
      .option('--shard <i/n>', 'run only shard i of n (points whose number is i-1 mod n); join shards with sweep merge')
      .option('--plot <file.svg>', 'also draw the results (time and bus bandwidth against cluster size)')
      .option('--timeout <seconds>', 'fail a point that runs longer than this')
      .option('-q, --quiet', 'no summary line');
    addSlurmOptions(sub);
    sub
      .action(async (opts: Record<string, string[] | undefined> & CommonOptions & SlurmCliOptions) => {
        checkSlurmFlags(opts);
        const given: Record<string, RawValue> = {};
        for (const p of cmd.params) {
          const v = opts[p.key] as string[] | undefined;
          if (v !== undefined) given[p.key] = v;
        }
        let request: SweepRequest;
        if (opts.spec) {
          const spec = readSweepSpec(opts.spec, name);
          request = { command: name, grids: spec.grids.map((g) => ({ ...g, ...given })) };
        } else {
          request = { command: name, grids: [given] };
        }
        const format = outputFormat(opts.out, opts.format);
        if (opts.slurm !== undefined) return runSlurmSweep(request, opts, format);
        // every output is checked before the first point runs
        if (opts.out !== undefined) checkOutputPath(opts.out, '--out');
        if (opts.plot !== undefined) checkOutputPath(opts.plot, '--plot');
        const progress = opts.out !== undefined || !process.stdout.isTTY ? createProgress(process.stderr) : undefined;
        const summary = await runSweep(request, {
          output: opts.out !== undefined ? { path: opts.out, format } : { format },
          ...(opts.jobs !== undefined ? { jobs: positiveInt('--jobs', opts.jobs) } : {}),
          ...(opts.resume ? { resume: true } : {}),
          ...(opts.force ? { force: true } : {}),
          ...(opts.shard !== undefined ? { shard: parseShard(opts.shard) } : {}),
          ...(opts.timeout !== undefined ? { timeoutMs: positiveSeconds(opts.timeout) * 1000 } : {}),
          ...(progress ? { onProgress: (p) => progress.update(p.done, p.total, p.failed, p.elapsedMs) } : {}),
        });
        progress?.end();
        if (opts.plot) {
          const svg = sweepPlotSvg(summary.columns.map((c) => c.name), summary.rows, opts.out);
          writeOrFail(opts.plot, '--plot', () => writeFileSync(opts.plot!, svg));
        }
        if (!opts.quiet) {
          const parts = [
            `${summary.points} point${summary.points === 1 ? '' : 's'}${opts.shard ? ` in shard ${opts.shard}` : ''}`,
            ...(summary.resumed > 0 ? [`${summary.resumed} already done`] : []),
            `${summary.ran} run in ${(summary.wallMs / 1000).toFixed(1)} s`,
            summary.failed > 0 ? `${summary.failed} failed (see the error column)` : 'none failed',
          ];
          const wrote = [opts.out, opts.plot].filter(Boolean).join(' and ');
          console.error(`sweep ${name}: ${parts.join(', ')}${wrote ? `; wrote ${wrote}` : ''}`);
        }
        if (summary.failed > 0) process.exitCode = EXIT_POINTS_FAILED;
      });
  }

  sweep
    .command('merge')
    .summary('join shard outputs into the file one run would write')
    .description(
      'Join the outputs of `--shard i/n` runs (CSV or JSON lines) into one file in point order, checking that no point is missing or repeated. ' +
        'With only a directory, merge the tasks of a sweep submitted with --slurm DIR into its result file.',
    )
    .argument('<out>', 'the merged file (.csv or .jsonl), or a --slurm sweep directory')
    .argument('[shards...]', 'the shard files')
    .option('--force', 'overwrite <out> if it exists')
    .option('--allow-gaps', 'merge even if some points are in no shard')
    .option('-q, --quiet', 'no summary line')
    .action((out: string, shards: string[], opts: { force?: boolean; allowGaps?: boolean; quiet?: boolean }) => {
      if (shards.length === 0 && existsSync(out) && statSync(out).isDirectory()) return mergeSlurmDir(out, opts.quiet === true);
      const s = mergeSweepFiles(out, shards, { ...(opts.force ? { force: true } : {}), ...(opts.allowGaps ? { allowGaps: true } : {}) });
      if (!opts.quiet) console.error(`sweep merge: ${s.rows} rows from ${s.inputs} files into ${out}${s.failed > 0 ? `; ${s.failed} failed points` : ''}`);
      if (s.failed > 0) process.exitCode = EXIT_POINTS_FAILED;
    });

  sweep
    .command('plot')
    .summary('draw a sweep result file as SVG')
    .argument('<file>', 'a sweep output (.csv or .jsonl)')
    .requiredOption('--out <file.svg>', 'the SVG to write')
    .action((file: string, opts: { out: string }) => {
      checkOutputPath(opts.out, '--out');
      const t = readSweepFile(file);
      const svg = sweepPlotSvg(t.columns, t.rows, file);
      writeOrFail(opts.out, '--out', () => writeFileSync(opts.out, svg));
    });

  registerSlurmStatus(sweep);
}

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`--timeout "${v}": expected a positive number of seconds`);
  return n;
}
